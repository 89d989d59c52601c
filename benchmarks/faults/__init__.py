"""The fault matrix: ``apply`` under faults, against the Loket.nl emulator and the sandbox.

Every case builds a fresh configuration repository and live system (the emulator
serving a SQLite store over HTTP on 127.0.0.1 from a thread of this process, or the
sandbox), runs the real CLI in child processes, injects its fault, and runs ``apply``
again until it finishes (for the emulator, doing the work order's manual steps in
between as a person would, through the emulator's admin endpoint). Then it checks:

- ``plan --detailed-exitcode`` exits 0: live state equals the files;
- the store's ``change_log`` holds every change the files require exactly once
  (``lost``: required but missing; ``duplicated``: made more than once, or journaled
  ``done`` in two runs) and nothing else;
- the journal: every ``started`` has an outcome, unless that run was killed or lost
  its disk right there; every change the tool made has a ``started`` line; every
  ``done`` shows up in the ``change_log``;
- no output, journal, work order, plan or lock file holds the client secret or any
  access or refresh token the emulator issued; no run crashed (exit 70).

The live state is built, not seeded at random: every employer has a grant and a
revoke for its werkgevergebruikers (automatic in both providers), every third one a
product to switch on, every third one MijnLoket itself (with the grant waiting on it);
products are manual steps with the emulator. The read-only disk cases need root: a
real ext4 file system in an image file, loop-mounted over the folder in a private
mount namespace of the apply process (nothing outlives it), turned read-only mid-run
the way the kernel does it on a disk error (``errors=remount-ro``, through
``/sys/fs/ext4/<dev>/trigger_fs_error``). Elsewhere those cases are skipped, saying
why.

One module per fault family (``kills``, ``http_faults``, ``tokens``, ``concurrency``,
``disks``) on a shared harness (``scenario``, ``worlds``, ``emulator_world``, ``disk``,
``checks``); ``matrix`` names the cases and runs them. Usage, from the repository's root::

    python -m benchmarks.faults [--employers 3] [--only CASE]... [--budget 900]

Prints one row per case and exits 1 if any case failed (or could not run in time).
"""

from .checks import Context, Outcome, audit, leaks
from .disk import disk_support
from .emulator_world import world
from .kills import kill_sweep
from .matrix import CASES, main
from .scenario import LIVE_DB, RIGHT, Employer

__all__ = [
    "CASES",
    "LIVE_DB",
    "RIGHT",
    "Context",
    "Employer",
    "Outcome",
    "audit",
    "disk_support",
    "kill_sweep",
    "leaks",
    "main",
    "world",
]
