"""Journal sets carried between apply runs, authenticated.

The apply workflow restores the journals of the previous apply from an artifact
(:mod:`.journals` finds the run). Whoever can upload an artifact in that run's place,
or change one, could hide a completed plan and get it applied twice. So the set is
sealed before upload: an HMAC-SHA256, keyed by ``MIJNLOKET_JOURNAL_KEY`` (a secret
of the ``loket`` environment, which pull requests never see), over every file's name
and content; a restored set is used only when its seal checks out.

The seal is the file :data:`SEAL` in the folder; it covers every other file in it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path

from mijnloket_gitops.errors import ConfigError, RefusedError

SEAL = "SEAL"
KEY_ENV = "MIJNLOKET_JOURNAL_KEY"
_MIN_KEY = 32


def journal_key(environ: Mapping[str, str]) -> bytes:
    """The sealing key from ``environ``; a ConfigError naming the secret when unset."""
    key = environ.get(KEY_ENV, "")
    if len(key) < _MIN_KEY:
        raise ConfigError(
            f"{KEY_ENV} is {'too short' if key else 'not set'}: add a secret of that name to the"
            f" `loket` environment, at least {_MIN_KEY} random characters (for example the"
            " output of `openssl rand -hex 32`); it authenticates the apply journals"
            " carried from one apply to the next"
        )
    return key.encode("utf-8")


def _digest(folder: Path, key: bytes) -> str:
    mac = hmac.new(key, b"mijnloket-journal-set-v1\n", hashlib.sha256)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != SEAL):
        name = path.relative_to(folder).as_posix().encode("utf-8")
        mac.update(len(name).to_bytes(8, "big") + name)
        mac.update(hashlib.sha256(path.read_bytes()).digest())
    return mac.hexdigest()


def seal(folder: Path, key: bytes) -> Path:
    """Write the seal of every file in ``folder`` (the set to upload)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / SEAL
    target.write_text(_digest(folder, key) + "\n", encoding="utf-8")
    return target


def check(folder: Path, key: bytes) -> None:
    """Refuse (exit 3) a restored set whose seal is missing or does not match."""
    target = folder / SEAL
    if not target.is_file():
        raise RefusedError(
            f"the restored apply journals in {folder} carry no seal: they were not uploaded"
            " by an apply of this repository, so they are not used and nothing was applied"
        )
    found = target.read_text(encoding="utf-8").strip()
    if not hmac.compare_digest(found, _digest(folder, key)):
        raise RefusedError(
            f"the seal of the restored apply journals in {folder} does not match their"
            f" content (changed, or sealed with another {KEY_ENV}): they are not used and"
            " nothing was applied"
        )
