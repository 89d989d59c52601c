"""Exceptions and exit codes.

Every error the tool expects derives from :class:`MijnloketError`; the CLI's error
handler maps each class to an exit code (the table below, repeated in the README) and
prints its message without a traceback. Anything else is a bug (exit 70).

    MijnloketError            exit 1  an error the user can fix
    ├── ConfigError           exit 1  mijnloket-gitops.yaml or the catalog is wrong
    ├── ProviderError         exit 1  the live system failed or answered nonsense
    │   └── AuthError         exit 1  credentials are missing, expired or revoked
    ├── FileSystemError       exit 1  a path the user gave cannot be read or written
    │   (every ``OSError`` that reaches the CLI becomes one: a path that is a file,
    │   a missing permission, a full disk are the user's to fix, not bugs)
    ├── NotInRepositoryError  exit 1  no configuration repository around the current directory
    ├── RefusedError          exit 3  a safety guard, a stale plan or a held lock
    │   └── StalePlanError    exit 3  a saved plan that no longer matches files or live
    └── WaitingError          exit 4  manual steps are waiting for a person

Usage errors (an unknown command or option, a bad argument) are click's and exit 64
(``EX_USAGE`` of sysexits.h): never 2, which ``plan --detailed-exitcode`` reserves for
"changes pending", so a mistyped option cannot pass for a plan with changes.
"""

from __future__ import annotations

import errno
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every command; documented in the README's table."""

    OK = 0
    ERROR = 1
    CHANGES = 2  # plan --detailed-exitcode only: changes are pending
    REFUSED = 3
    WAITING = 4
    USAGE = 64  # a bad command, option or argument (sysexits.h EX_USAGE)
    BUG = 70
    INTERRUPTED = 130


class MijnloketError(Exception):
    """The root of every error the tool expects; its message is shown as is."""

    exit_code: ExitCode = ExitCode.ERROR


class ConfigError(MijnloketError):
    """The repository configuration or the catalog is wrong."""


class ProviderError(MijnloketError):
    """The live system (sandbox, Loket.nl) failed or gave an answer the tool cannot use."""


class AuthError(ProviderError):
    """Credentials are missing, expired or revoked."""


class FileSystemError(MijnloketError):
    """A file or folder cannot be read or written: the path and the operating system's
    reason, with a hint where the cause is a common one."""

    def __init__(self, path: str | None, reason: str, hint: str | None = None) -> None:
        self.path = path
        self.reason = reason
        self.hint = hint
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{reason}" + (f"\nhint: {hint}" if hint else ""))

    @classmethod
    def from_os_error(cls, error: OSError) -> FileSystemError:
        """Name the path (both paths of a rename or link) and the reason."""
        path = None if error.filename is None else str(error.filename)
        if path is not None and error.filename2 is not None:
            path = f"{path} -> {error.filename2}"
        reason = error.strerror or str(error)
        return cls(path, reason, _OS_HINTS.get(error.errno or 0))


# Hints for the errors a user runs into with ordinary paths.
_OS_HINTS: dict[int, str] = {
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another path or "
    "move the file",
    errno.EISDIR: "this path is a folder; give a file name",
    errno.EEXIST: "a file is in the way; move it, or choose another path",
    errno.EACCES: "you lack the permission; check the owner and mode of the path",
    errno.EPERM: "the operation is not permitted here; check the owner and mode of the path",
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EROFS: "the file system is read-only; choose a writable path",
    errno.ENOENT: "check the path: a folder on the way does not exist",
}


class NotInRepositoryError(MijnloketError):
    """The command needs a configuration repository and none was found."""

    def __init__(self, start: str) -> None:
        super().__init__(
            f"not inside a configuration repository: no mijnloket-gitops.yaml or git "
            f"repository in {start} or any folder above it, and no employers/ folder here\n"
            "hint: run the command inside your configuration repository, point at it with "
            "`mijnloket-gitops -C DIR ...`, or start one with `mijnloket-gitops init DIR`"
        )


class RefusedError(MijnloketError):
    """Nothing was changed because it would not be safe."""

    exit_code = ExitCode.REFUSED


# issue 12: the journal records a stale saved plan as "stale", not merely "refused"
class StalePlanError(RefusedError):
    """A saved plan no longer matches the employer files or live state."""


class WaitingError(MijnloketError):
    """Steps remain that a person has to perform in the Loket.nl web UI."""

    exit_code = ExitCode.WAITING
