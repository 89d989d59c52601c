"""One apply at a time per repository and provider target.

The lock is an OS file lock (released by the kernel if the holder dies, even by
SIGKILL), plus a small JSON file naming the holder so the refused run can say who.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from mijnloket_gitops.errors import MijnloketError, RefusedError

HOLDER_WAIT_SECONDS = 2.0


class ApplyLock:
    """Context manager; raises RefusedError naming the holder when already held, and
    MijnloketError when the lock cannot be taken at all (e.g. a read-only disk)."""

    def __init__(self, directory: Path, target: str, timeout: float = 0.0) -> None:
        name = hashlib.sha256(target.encode()).hexdigest()[:12]
        self.directory = directory
        self.path = directory / f"apply-{name}.lock"
        self.info = directory / f"apply-{name}.holder.json"
        self._lock = FileLock(self.path, timeout=timeout)  # issue 22: --lock-timeout

    def __enter__(self) -> ApplyLock:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except Timeout:
            raise RefusedError(f"another apply is running: {self._holder()}") from None
        except OSError as error:  # e.g. the disk is read-only: nothing could be journaled
            raise MijnloketError(
                f"cannot take the apply lock {self.path}: {error.strerror}; nothing was applied"
            ) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        try:  # write and rename, so that a refused apply never reads half a file
            partial = self.info.with_name(f"{self.info.name}.{os.getpid()}")
            partial.write_text(json.dumps(holder), encoding="utf-8")
            os.replace(partial, self.info)
        except OSError as error:
            self._lock.release()
            raise MijnloketError(
                f"cannot write {self.info}: {error.strerror}; nothing was applied"
            ) from None
        return self

    def _holder(self) -> str:
        # the holder writes its name just after taking the lock: allow it a moment
        deadline = time.monotonic() + HOLDER_WAIT_SECONDS
        while True:
            try:
                holder = json.loads(self.info.read_text(encoding="utf-8"))
                return (
                    f"pid {holder['pid']} on {holder['host']} since {holder['since']}"
                    f" (lock {self.path})"
                )
            except (OSError, ValueError, KeyError, TypeError):
                if time.monotonic() >= deadline:
                    return f"holder unknown (lock {self.path})"
                time.sleep(0.05)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # a holder file left behind (the disk turned read-only) is overwritten by the next
        # holder; failing here would hide why the apply stopped
        with contextlib.suppress(OSError):
            self.info.unlink(missing_ok=True)
        self._lock.release()
