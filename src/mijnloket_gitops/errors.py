"""Exceptions and exit codes.

Every error the tool expects derives from :class:`MijnloketError`; the CLI's error
handler maps each class to an exit code (the table below, repeated in the README) and
prints its message without a traceback. Anything else is a bug (exit 70).

    MijnloketError            exit 1  an error the user can fix
    ├── ConfigError           exit 1  mijnloket-gitops.yaml or the catalog is wrong
    ├── ProviderError         exit 1  the live system failed or answered nonsense
    │   └── AuthError         exit 1  credentials are missing, expired or revoked
    ├── RefusedError          exit 3  a safety guard, a stale plan or a held lock
    │   └── StalePlanError    exit 3  a saved plan that no longer matches files or live
    └── WaitingError          exit 4  manual steps are waiting for a person
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every command; documented in the README's table."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CHANGES = 2  # plan --detailed-exitcode only: changes are pending
    REFUSED = 3
    WAITING = 4
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


class RefusedError(MijnloketError):
    """Nothing was changed because it would not be safe."""

    exit_code = ExitCode.REFUSED


# issue 12: the journal records a stale saved plan as "stale", not merely "refused"
class StalePlanError(RefusedError):
    """A saved plan no longer matches the employer files or live state."""


class WaitingError(MijnloketError):
    """Steps remain that a person has to perform in the Loket.nl web UI."""

    exit_code = ExitCode.WAITING
