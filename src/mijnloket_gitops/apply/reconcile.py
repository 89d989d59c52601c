"""After a crash: find out what happened to the steps a killed apply left open.

A step journaled as ``started`` without an outcome may or may not have reached the
live system. The next apply reads the live state of each such step's employer and
journals what it found (``reconciled``: ``done``, ``not-done`` or ``employer-gone``),
so the journals together account for every change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mijnloket_gitops.apply.history import open_steps
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.plan.saved import facts, step_fact
from mijnloket_gitops.providers.base import Provider

STEP_FIELDS = ("employer_id", "action", "product", "right", "login", "user_type")


def reconcile(provider: Provider, journal: Journal, directory: Path) -> list[dict[str, Any]]:
    """Journal the live outcome of every open step against ``provider``; returns them."""
    found: list[dict[str, Any]] = []
    for started in open_steps(directory, provider.target):
        if started.get("run_id") == journal.run_id:
            continue
        employer_id = str(started.get("employer_id"))
        live = provider.read_employers([employer_id]).get(employer_id)
        if live is None:
            state = "employer-gone"
        else:
            fact, makes_true = step_fact(started)
            state = "done" if (fact in facts(live.data)) == makes_true else "not-done"
        event = {
            **{k: started.get(k) for k in STEP_FIELDS},
            "key": started.get("key"),
            "crashed_run": started.get("run_id"),
            "crashed_journal": started.get("journal"),
            "found": state,
        }
        journal.record("reconciled", None, **event)
        found.append(event)
    return found
