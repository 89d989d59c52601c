"""The refresh-token store: one small JSON file, mode 0600, replaced atomically.

Loket.nl's refresh tokens rotate (each is invalid once used), so the newest one must
survive a crash at any moment: it is written to a temporary file in the same folder,
flushed to disk, and renamed over the store. A store that group or others could read
is refused rather than used. Writers hold :meth:`TokenStore.lock` (a file lock on
``<store>.lock``) around read-refresh-write, so two processes never refresh at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import filelock

from mijnloket_gitops.errors import AuthError

FORMAT_VERSION = 1
LOCK_TIMEOUT_SECONDS = 120.0
LOGIN_HINT = "run `mijnloket-gitops auth login` to authorize again"


@dataclass(frozen=True)
class StoredToken:
    """What the store holds. The token is kept out of ``repr``."""

    refresh_token: str = field(repr=False)
    oauth_url: str
    rotated_at: str
    """When the refresh token was last replaced (ISO 8601, UTC)."""

    @classmethod
    def new(cls, refresh_token: str, oauth_url: str) -> StoredToken:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return cls(refresh_token, oauth_url, now)


@dataclass(frozen=True)
class StoreStatus:
    """What ``auth status`` shows; never the token."""

    path: Path
    exists: bool
    mode: int | None = None
    rotated_at: str | None = None
    oauth_url: str | None = None
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.exists and self.problem is None


class TokenStore:
    """The token store at ``path`` (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's file lock (blocks while another process refreshes).

        AuthError if it cannot be taken; then nothing was sent to Loket.nl.
        """
        lock = filelock.FileLock(self.lock_path, timeout=LOCK_TIMEOUT_SECONDS, mode=0o600)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock.acquire()
        except filelock.Timeout:
            raise AuthError(
                f"another process has held {self.lock_path} for over "
                f"{LOCK_TIMEOUT_SECONDS:.0f} s while refreshing the Loket.nl token; "
                "try again when it is done"
            ) from None
        except OSError as error:  # e.g. a read-only disk
            raise AuthError(
                f"cannot lock the token store {self.lock_path}: {error.strerror}; the stored "
                "refresh token was not used, so it still works once the folder is writable"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def _check_mode(self) -> os.stat_result:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            raise AuthError(f"no Loket.nl token store at {self.path}; {LOGIN_HINT}") from None
        except OSError as error:
            raise AuthError(f"cannot read the token store {self.path}: {error.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise AuthError(f"token store {self.path} is not a regular file")
        if info.st_mode & 0o077:
            raise AuthError(
                f"token store {self.path} is open to group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); refusing to use it. "
                f"Run `chmod 600 {self.path}`, and consider the refresh token in it leaked: "
                f"{LOGIN_HINT}"
            )
        return info

    def read(self) -> StoredToken:
        """The stored token; AuthError if missing, too open or unreadable."""
        self._check_mode()
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return StoredToken(
                refresh_token=str(data["refresh_token"]),
                oauth_url=str(data["oauth_url"]),
                rotated_at=str(data["rotated_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            raise AuthError(f"token store {self.path} is unreadable; {LOGIN_HINT}") from None

    def write(self, token: StoredToken) -> None:
        """Replace the store atomically: temp file (0600), fsync, rename, fsync folder.

        OSError if it cannot be written; the store is then as it was.
        """
        data = {
            "version": FORMAT_VERSION,
            "oauth_url": token.oauth_url,
            "rotated_at": token.rotated_at,
            "refresh_token": token.refresh_token,
        }
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                json.dump(data, handle, indent=2)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        _fsync_dir(folder)

    def status(self) -> StoreStatus:
        """Whether the store exists, its mode, when it was rotated; never the token."""
        if not self.path.exists():
            return StoreStatus(self.path, exists=False, problem=LOGIN_HINT)
        mode = stat.S_IMODE(self.path.stat().st_mode)
        try:
            token = self.read()
        except AuthError as error:
            return StoreStatus(self.path, exists=True, mode=mode, problem=str(error))
        return StoreStatus(
            self.path,
            exists=True,
            mode=mode,
            rotated_at=token.rotated_at,
            oauth_url=token.oauth_url,
        )


def unignored_in_git(path: Path) -> bool:
    """Whether ``path`` lies in a git work tree that does not ignore it (so it could be
    committed by accident). False outside git or when git is missing."""
    try:
        done = subprocess.run(
            ["git", "check-ignore", "-q", path.name],
            cwd=path.parent,
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 1  # 0: ignored, 128: not a work tree


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse
        pass
    finally:
        os.close(fd)
