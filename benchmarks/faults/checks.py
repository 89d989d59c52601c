"""Checking what happened on the way: lost and doubled changes, leaked secrets."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .emulator_world import world
from .scenario import TOKENS, TOOL_ORIGINS, CaseFailed, Key
from .worlds import World, journals


@dataclass
class Audit:
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)


OUTCOMES = frozenset({"done", "failed"})


def _key(line: dict[str, Any]) -> Key:
    subject = line["product"] or f"{line['right']} for {line['login']}"
    return line["employer_id"].lower(), line["action"], subject


def audit(world: World) -> Audit:
    """Compare the ``change_log``, the journals and the outputs with what was expected."""
    result = Audit()
    changes = world.changes()
    counts = Counter(key for _, key in changes)
    for key, wanted in world.expected.items():
        result.lost += max(0, wanted - counts[key])
        result.duplicated += max(0, counts[key] - wanted)
    for key in counts.keys() - world.expected.keys():
        result.problems.append(f"a change nobody asked for: {key} ({counts[key]}x)")
    interrupted = {name for run in world.runs if run.interrupted for name in run.journals}
    started: set[Key] = set()
    done: Counter[Key] = Counter()
    for name, text in sorted(journals(world.journal_dir).items()):
        under_way: set[Key] = set()
        for number, raw in enumerate(text.splitlines(keepends=True), start=1):
            try:
                line = json.loads(raw)
            except ValueError:  # a line cut short can only be the last one of a killed run
                if name not in interrupted or raw.endswith("\n"):
                    result.problems.append(f"{name}:{number}: not a JSON line: {raw[:80]!r}")
                continue
            if line.get("key") is None:
                continue
            key = _key(line)
            if line["event"] == "started":
                under_way.add(key)
                started.add(key)
            elif line["event"] in OUTCOMES:
                under_way.discard(key)
            done[key] += line["event"] == "done"
        if under_way and (name not in interrupted or len(under_way) > 1):
            result.problems.append(f"{name}: started without an outcome: {sorted(under_way)}")
    result.duplicated += sum(n - 1 for n in done.values() if n > 1)
    made = {key for origin, key in changes if origin in TOOL_ORIGINS}
    for key in sorted(made - started):
        result.problems.append(f"changed without a journal line: {key}")
    for key in sorted(done.keys() - made):
        if done[key]:
            result.lost += 1
            result.problems.append(f"journaled done, but not in the change_log: {key}")
    for run in world.runs:
        if run.code == 70 or "Traceback" in run.output:
            result.problems.append(f"`{' '.join(run.args)}` crashed: {run.output[-300:]}")
    result.problems += leaks(world)
    return result


def leaks(world: World) -> list[str]:
    """Where a secret shows up: any output, or any file the runs left (journals, work
    orders, plans, lock files) but the token store, its disk image and the live data."""
    secrets = world.secrets()
    if not secrets:
        return []
    texts = [(f"the output of `{' '.join(r.args)}`", r.output) for r in world.runs]
    store = (world.repo / TOKENS).parent
    for path in world.root.rglob("*"):
        if not path.is_file() or store in path.parents or path.suffix == ".img":
            continue
        if ".sqlite" not in path.name:
            texts.append((str(path.relative_to(world.root)), path.read_text(errors="replace")))
    return [f"{where} holds a secret" for where, text in texts if any(s in text for s in secrets)]


@dataclass
class Outcome:
    """One row of the table."""

    case: str
    runs: int = 0
    faults: int = 0
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Nothing went wrong (a case skipped for want of a failing disk is ok)."""
        return not self.problems and not self.lost and not self.duplicated

    @property
    def result(self) -> str:
        if not self.ok:
            return "FAILED"
        return "ok" if self.skipped is None else f"skipped: {self.skipped}"


@dataclass(frozen=True)
class Context:
    work: Path
    employers: int = 3
    seed: int = 1


@contextlib.contextmanager
def checked(ctx: Context, outcome: Outcome, kind: str, **settings: Any) -> Iterator[World]:
    """A fresh world for ``outcome``'s case; audited (and a failure noted) afterwards."""
    root = ctx.work / f"{outcome.case.split()[0]}-{uuid.uuid4().hex[:8]}"
    with world(kind, root, ctx.employers, **settings) as built:
        try:
            yield built
        except CaseFailed as error:
            outcome.problems.append(str(error))
        except Exception as error:  # the harness itself: report it, go on with the next case
            outcome.problems.append(f"{type(error).__name__}: {error}")
        found = audit(built)
        outcome.runs += sum(1 for r in built.runs if r.is_apply)
        outcome.faults += built.injected()
        outcome.lost += found.lost
        outcome.duplicated += found.duplicated
        outcome.problems += found.problems


Case = Callable[[Context], Outcome]
