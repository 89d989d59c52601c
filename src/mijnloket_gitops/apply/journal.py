"""The audit journal: one JSON object per line, one file per apply attempt.

Every apply attempt gets one, also a refused, stale or no-op one. The first line
(``attempt``) says what was attempted by whom: plan identity, tool version, actor,
commit and whether tracked files had uncommitted changes (untracked files are
listed apart), the override flags; later lines add the provider target, the guards
overridden, the lineage serial (``serial``), each step twice (``started`` before it
is performed, its outcome after, with the fact before and after), the verification,
what a completed full apply managed (``managed``) and a last ``finished`` line with
the exit code. Each line is flushed and fsynced,
and the directory is fsynced once the file exists, so after a crash the journal
shows which step was under way (the next apply reconciles it, see
:mod:`reconcile`). Lines hold employer ids, product and right names and user
logins (personal data: e-mail addresses); never tokens or secrets.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import uuid
from pathlib import Path
from typing import Any, TextIO

from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.providers.base import Step


def actor() -> str:
    """Who runs the apply: the CI actor if there is one, else the local user@host."""
    ci_actor = os.environ.get("GITHUB_ACTOR")
    if ci_actor:
        return f"github:{ci_actor}"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """Appends events of one apply run to ``<dir>/<time>-<run id>.jsonl``."""

    def __init__(
        self, directory: Path, *, commit: str | None, forced: bool, dirty: bool | None = None
    ) -> None:
        self.run_id = uuid.uuid4().hex[:12]
        # millisecond stamps make the file names sort in the order the runs started
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")[:-3] + "Z"
        self.path = directory / f"{stamp}-{self.run_id}.jsonl"
        self.commit = commit
        self.forced = forced
        self.dirty = dirty
        self.target: str | None = None
        """The provider target, on every line once the provider is open."""
        self.actor = actor()
        self._handle: TextIO | None = None
        self.failed = False
        """A line could not be written; the run stopped there."""
        self._probe = directory / f".{self.run_id}.probe"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # lines hold logins (e-mail addresses): readable by the owner only, as plans
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.fchmod(fd, 0o600)
            self._handle = os.fdopen(fd, "a", encoding="utf-8")
            _fsync_directory(directory)  # the file's name must survive a crash too
        except OSError as error:
            raise MijnloketError(
                f"cannot write the journal in {directory}: {error.strerror}; nothing was applied"
            ) from None

    def record(self, event: str, step: Step | None = None, **fields: Any) -> None:
        """Write one event; raises MijnloketError if the journal cannot be written."""
        line: dict[str, Any] = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "run_id": self.run_id,
            "event": event,
            "actor": self.actor,
            "commit": self.commit,
            "dirty": self.dirty,
            "forced": self.forced,
        }
        if self.target is not None:
            line["provider_target"] = self.target
        if step is not None:
            line.update(step.data)
            line["key"] = step.key
        line.update(fields)
        assert self._handle is not None
        try:
            self._handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._confirm_writable()
        except OSError as error:
            self.failed = True
            what = f"{event} {step.action} {step.subject}" if step is not None else event
            raise MijnloketError(
                f"cannot write '{what}' to the journal {self.path}: {error.strerror}; stopped,"
                " nothing more is changed. Apply again once the journal can be written."
            ) from None

    def _confirm_writable(self) -> None:
        """Raise OSError unless the journal's file system still takes a change.

        fsync's success is not proof on its own. Seen on Linux 6.18 ext4 (the fault
        matrix's failing disk, and a loop of write+fsync against ``trigger_fs_error``,
        about one run in fifteen): when the disk fails while fsync waits, the aborted
        journal finishes the pending transaction without writing it and fsync returns
        0; after repair the line is gone, yet the step it announced was performed. The
        abort flag is set before that, and every later metadata change checks it, so
        creating and removing an empty file here fails (EROFS) exactly then.
        """
        os.close(os.open(self._probe, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
        os.unlink(self._probe)

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            handle.close()
        except OSError:
            # Every line is flushed as it is written, so only a line whose write already
            # failed (and was reported by record) can be pending; closing again must not
            # replace that report.
            if not self.failed:
                raise

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
