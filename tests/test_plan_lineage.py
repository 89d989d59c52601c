"""Issue 22: plan lineage. Every apply advances a serial per provider target; a saved
plan records the serial it was made at and is stale once an apply of another plan ran
since, so a twin plan cannot undo a deliberate revert. In the sandbox (the serial in
its database) and over HTTP against the Loket emulator (the serial in the journals).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mijnloket_gitops.apply.lineage import History, stale_reason
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import SeededEmulator, start_emulator
from tests.loket_emulated import authorize, write_repo_config
from tests.test_loket_e2e import api_changes
from tests.test_plan_apply import DB, ROOT, apply_changes, run
from tests.test_plan_binding_loket import run as run_loket


def _first_step(path: Path) -> dict[str, object]:
    return dict(next(s for e in json.loads(path.read_text())["employers"] for s in e["steps"]))


def _revert(db: Path, step: dict[str, object]) -> None:
    """A person undoes one step of the apply, in the live system."""
    with Store.open(db) as store, store.write("person") as tx:
        employer = str(step["employer_id"])
        if step["action"] == "activate":
            tx.deactivate(employer, str(step["product"]))
        elif step["action"] == "deactivate":
            tx.activate(employer, str(step["product"]))
        elif step["action"] == "grant":
            tx.revoke(employer, str(step["login"]), str(step["right"]))
        else:
            tx.grant(employer, str(step["login"]), str(step["right"]), step["user_type"])  # type: ignore[arg-type]


def test_a_twin_plan_is_stale_once_its_twin_applied_and_cannot_undo_a_revert(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "employers", repo / "employers")
    assert run(repo, "sandbox", "seed").exit_code == 0
    p, q = tmp_path / "p.json", tmp_path / "q.json"
    assert run(repo, "plan", "--out", str(p)).exit_code == 0
    step = _first_step(p)
    # the twin: made from the same state, covering the employer of that step
    assert run(repo, "plan", "--out", str(q), "--target", str(step["employer_id"])).exit_code == 0
    assert run(repo, "apply", str(p)).exit_code == 0
    _revert(repo / DB, step)
    before = apply_changes(repo)
    twin = run(repo, "apply", str(q))
    assert twin.exit_code == 3, twin.output
    assert "an apply of another plan ran since it was made" in twin.output
    assert apply_changes(repo) == before
    assert json.loads(p.read_text())["meta"]["serial"] == 0
    journal = max((repo / ".mijnloket" / "journal").glob("*.jsonl")).read_text()
    assert '"result": "stale"' in journal


def test_twins_over_http_the_serial_in_the_journals(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=6) as started:
        write_repo_config(started)
        authorize(started.server, started.repo)
        repo = started.repo
        p, q = tmp_path / "p.json", tmp_path / "q.json"
        assert run_loket(repo, "plan", "--out", str(p)).exit_code == 0
        document = json.loads(p.read_text())
        step = next(
            s for e in document["employers"] for s in e["steps"] if s["right"] and not s["manual"]
        )
        target = str(step["employer_id"])
        assert run_loket(repo, "plan", "--out", str(q), "--target", target).exit_code == 0
        assert run_loket(repo, "apply", str(p)).exit_code in (0, 4)
        _revert(started.db, step)
        before = api_changes(started)
        twin = run_loket(repo, "apply", str(q))
        assert twin.exit_code == 3, twin.output
        assert "an apply of another plan ran since it was made" in twin.output
        assert api_changes(started) == before
        serials = [
            json.loads(line)
            for path in (repo / ".mijnloket" / "journal").glob("*.jsonl")
            for line in path.read_text().splitlines()
            if '"event": "serial"' in line
        ]
        assert [e["serial"] for e in serials] == [1]


BEFORE, PLAN, AFTER = (
    "2026-12-01T09:00:00+00:00",
    "2026-12-01T10:00:00+00:00",
    "2026-12-01T11:00:00.250+00:00",
)


@pytest.mark.parametrize(
    ("history", "made_at", "stale"),
    [
        ([], 0, False),
        ([(1, "p", AFTER)], 1, False),
        ([(1, "p", AFTER)], 0, False),  # only this plan applied since: it resumes
        ([(1, "p", AFTER), (2, "p", AFTER)], 0, False),
        ([(1, "q", AFTER)], 0, True),  # its twin applied
        ([(1, "p", AFTER), (2, "q", AFTER)], 0, True),
        ([(1, "q", BEFORE), (2, "q", BEFORE)], 2, False),
        ([(1, "q", BEFORE), (2, "r", AFTER)], 1, True),
        ([(1, "q", BEFORE), (2, "r", BEFORE)], 0, False),  # made without the journals (CI)
        ([(1, "q", BEFORE), (2, "r", PLAN)], 0, True),  # the same second: conservative
        ([], 3, True),  # the lineage went back (sandbox seeded again)
        ([], None, True),  # no serial recorded
    ],
)
def test_stale_reason(history: list[History], made_at: object, stale: bool) -> None:
    assert (stale_reason(history, made_at, "p", PLAN) is not None) is stale


def test_a_plan_made_without_the_journals_applies_after_earlier_applies(tmp_path: Path) -> None:
    """CI: the pull request's plan job starts without the journals that the apply runs
    carry; applies before the plan was made do not make it stale."""
    with start_emulator(tmp_path, employers=6) as started:
        write_repo_config(started)
        authorize(started.server, started.repo)
        repo = started.repo
        assert run_loket(repo, "apply", "--auto-approve").exit_code in (0, 4)
        journals = repo / ".mijnloket" / "journal"
        journals.rename(tmp_path / "carried")  # the plan job's runner has none
        _revert(started.db, _first_right(started))  # something for the plan to do
        saved = tmp_path / "p.json"
        assert run_loket(repo, "plan", "--out", str(saved)).exit_code == 0
        assert json.loads(saved.read_text())["meta"]["serial"] == 0
        shutil.rmtree(journals, ignore_errors=True)
        (tmp_path / "carried").rename(journals)  # the apply job restores them
        applied = run_loket(repo, "apply", str(saved))
        assert applied.exit_code in (0, 4), applied.output
        assert "stale" not in applied.output


def _first_right(started: SeededEmulator) -> dict[str, object]:
    """A grant step of a right the files ask for (to undo it live)."""
    employer = next(e for _, e in started.employers if any(u.rights for u in e.users))
    user = next(u for u in employer.users if u.rights)
    return {
        "employer_id": employer.employer_id,
        "action": "revoke",
        "login": user.login,
        "right": user.rights[0],
        "user_type": user.type,
    }
