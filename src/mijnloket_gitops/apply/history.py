"""Reading journals back: listings, completed plans, steps a crash left open.

Journals are append-only JSON lines (:mod:`journal`); a crash can leave the last
line torn, which is skipped here, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mijnloket_gitops.errors import ExitCode

OUTCOMES = ("done", "failed", "skipped", "manual", "blocked")
"""Events that end a step (see ``apply.executor.Outcome``)."""


def journal_files(directory: Path) -> list[Path]:
    """Every journal in ``directory``, oldest first (names sort by start time)."""
    if not directory.is_dir():
        return []
    return sorted(directory.glob("*.jsonl"))


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """The events of one journal; a torn or foreign line is skipped."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            yield event


@dataclass(frozen=True)
class JournalSummary:
    """One apply attempt as ``journal`` lists it."""

    path: Path
    run_id: str
    started: str
    actor: str
    plan_id: str | None
    plan_file: str | None
    result: str
    """The ``finished`` line's result, or ``interrupted`` when there is none."""
    exit_code: int | None
    """The ``finished`` line's exit code; 130 (interrupted) when there is none."""
    steps_done: int
    steps_failed: int

    @property
    def data(self) -> dict[str, Any]:
        return {
            "journal": str(self.path),
            "run_id": self.run_id,
            "started": self.started,
            "actor": self.actor,
            "plan_id": self.plan_id,
            "plan_file": self.plan_file,
            "result": self.result,
            "exit_code": self.exit_code,
            "steps_done": self.steps_done,
            "steps_failed": self.steps_failed,
        }


def summarise(path: Path) -> JournalSummary:
    first: dict[str, Any] = {}
    finished: dict[str, Any] = {}
    plan: dict[str, Any] = {}
    done = failed = 0
    for event in read_events(path):
        first = first or event
        kind = event.get("event")
        if not plan and event.get("plan_id"):
            plan = event
        done += kind == "done"
        failed += kind == "failed"
        if kind == "finished":
            finished = event
    return JournalSummary(
        path,
        str(first.get("run_id", path.stem)),
        str(first.get("time", "")),
        str(first.get("actor", "")),
        plan.get("plan_id"),
        first.get("plan_file"),
        str(finished.get("result", "interrupted")),
        # no ``finished`` line: the run was interrupted (Ctrl-C, a kill), which exits 130
        finished.get("exit_code") if finished else int(ExitCode.INTERRUPTED),
        done,
        failed,
    )


def find_run(directory: Path, run: str) -> Path | None:
    """The journal whose run id or file name starts with ``run``."""
    for path in journal_files(directory):
        if path.name.startswith(run) or path.stem.rsplit("-", 1)[-1].startswith(run):
            return path
    return None


def completed_run(directory: Path, plan_id: str) -> dict[str, Any] | None:
    """The ``plan-completed`` event of ``plan_id`` in any journal, or None."""
    for path in journal_files(directory):
        if plan_id not in path.read_text(encoding="utf-8", errors="replace"):
            continue  # cheap test before parsing: most journals are about other plans
        for event in read_events(path):
            if event.get("event") == "plan-completed" and event.get("plan_id") == plan_id:
                return {**event, "journal": str(path)}
    return None


def open_steps(directory: Path, target: str) -> list[dict[str, Any]]:
    """Steps against ``target`` journaled as ``started`` with no outcome, not
    reconciled since. Each is the ``started`` event plus ``journal`` (its file).
    """
    open_by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for path in journal_files(directory):
        for event in read_events(path):
            kind = event.get("event")
            key = (str(event.get("run_id")), str(event.get("key")))
            if kind == "started" and event.get("provider_target") == target:
                open_by_key[key] = {**event, "journal": str(path)}
            elif kind in OUTCOMES:
                open_by_key.pop(key, None)
            elif kind == "reconciled":
                open_by_key.pop((str(event.get("crashed_run")), str(event.get("key"))), None)
    return list(open_by_key.values())
