"""Onboarding: turn employers configured by hand in Loket.nl into employer files.

- :mod:`.draft`: one live employer -> the file's data and the comments for what live
  state cannot tell (addendum evidence, unknown products, unreadable user types);
- :mod:`.naming`: safe, unique, deterministic file names;
- :mod:`.existing`: what the output directory already holds;
- :mod:`.write`: atomic writes that never replace a file unless told to;
- :mod:`.run`: the import itself, returning an :class:`~.run.ImportResult`.
"""

from mijnloket_gitops.onboard.run import (
    ImportedFile,
    ImportOptions,
    ImportResult,
    Outcome,
    import_employers,
    select,
)

__all__ = ["ImportOptions", "ImportResult", "ImportedFile", "Outcome", "import_employers", "select"]
