"""Issue 22: a saved plan binds apply to what was reviewed, in the sandbox.

Whatever plan refuses (guards, ownership, invalid files) apply refuses too, with or
without a saved plan; a refused plan is saved as ``refused`` and never run; the guard
flags given to plan are part of the plan and apply accepts exactly those; a saved
plan whose steps were edited is refused as tampered. The same over HTTP against the
Loket emulator: ``tests/test_plan_binding_loket.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.sandbox.store import Store
from tests.repo_helpers import git
from tests.test_plan_apply import BAKKERIJ, DB, ROOT, apply_changes, run

OWNERSHIP = "version: 1\nownership:\n  {key}: {value}\n"
BAKKERIJ_FILE = "employers/bakkerij-de-vries.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The bundled examples with a seeded sandbox, in a git repository (committed)."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "employers", root / "employers")
    assert run(root, "sandbox", "seed").exit_code == 0
    (root / ".gitignore").write_text(".mijnloket/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "files")
    return root


def saved_plan(repo: Path, *flags: str, code: int = 0) -> tuple[Path, Result]:
    path = repo.parent / "p.json"
    result = run(repo, "plan", "--out", str(path), *flags)
    assert result.exit_code == code, result.output
    return path, result


def show(path: Path) -> str:
    result = CliRunner().invoke(cli, ["show", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def offboard_bakkerij(repo: Path) -> None:
    """A file that switches MijnLoket off: the mijnloket-removal guard refuses it."""
    (repo / BAKKERIJ_FILE).write_text(
        f"version: 1\nemployer_id: {BAKKERIJ}\nname: Bakkerij De Vries B.V.\n"
        "addendum:\n  status: signed\n  signed_on: 2026-03-14\n  ticket: LKT-48211\n"
    )


def test_removed_refuse_is_enforced_by_apply_with_and_without_a_saved_plan(repo: Path) -> None:
    (repo / "mijnloket-gitops.yaml").write_text(OWNERSHIP.format(key="removed", value="refuse"))
    git(repo, "rm", "-q", BAKKERIJ_FILE)
    path, plan = saved_plan(repo, code=3)
    assert "ownership.removed is refuse" in plan.output
    assert "Saved the refused plan" in plan.output and "apply it with" not in plan.output
    from_file = run(repo, "apply", str(path))
    assert from_file.exit_code == 3, from_file.output
    assert "refused when it was made" in from_file.output
    assert "ownership.removed is refuse" in from_file.output
    fresh = run(repo, "apply", "--auto-approve")
    assert fresh.exit_code == 3, fresh.output
    assert "refused: " in fresh.output and "ownership.removed is refuse" in fresh.output
    assert apply_changes(repo) == []
    assert json.loads(path.read_text())["state"] == "refused"


def test_unmanaged_error_is_enforced_by_apply_of_a_saved_plan(repo: Path) -> None:
    (repo / "mijnloket-gitops.yaml").write_text(OWNERSHIP.format(key="unmanaged", value="error"))
    (repo / BAKKERIJ_FILE).unlink()
    git(repo, "commit", "-q", "-am", "stop managing the bakkerij")
    path, plan = saved_plan(repo, code=3)
    assert "ownership.unmanaged is" in plan.output
    applied = run(repo, "apply", str(path))
    assert applied.exit_code == 3, applied.output
    assert apply_changes(repo) == []


def test_unmanaged_error_arising_after_the_plan_is_refused_by_apply(repo: Path) -> None:
    """The policy is checked where the change happens, not only where it was planned."""
    path, _ = saved_plan(repo)
    (repo / "mijnloket-gitops.yaml").write_text(OWNERSHIP.format(key="unmanaged", value="error"))
    with Store.open(repo / DB) as store, store.write("test") as tx:
        tx.add_employer("99999999-2222-4333-8444-555555555555", "Nieuw B.V.")
    applied = run(repo, "apply", str(path))
    assert applied.exit_code == 3, applied.output
    assert "refused: " in applied.output and "ownership.unmanaged is error" in applied.output
    assert apply_changes(repo) == []


def test_a_plan_refused_by_a_guard_is_saved_refused_and_force_at_apply_cannot_pass_it(
    repo: Path,
) -> None:
    assert run(repo, "apply", "--auto-approve").exit_code == 0
    before = apply_changes(repo)
    offboard_bakkerij(repo)
    path, plan = saved_plan(repo, code=3)
    assert "--allow-mijnloket-removal" in plan.output
    for flags in ((), ("--force",), ("--allow-mijnloket-removal",)):
        applied = run(repo, "apply", str(path), *flags)
        assert applied.exit_code == 3, applied.output
        assert "--allow-mijnloket-removal" in applied.output
    assert apply_changes(repo) == before
    document = json.loads(path.read_text())
    assert document["state"] == "refused" and document["violations"]
    assert "state: refused" in show(path).lower()


def test_a_plan_with_an_invalid_file_is_saved_refused(repo: Path) -> None:
    broken = repo / "employers" / "zorggroep-de-linde.yaml"
    broken.write_text(broken.read_text().replace("version: 1", "version: 7"))
    path, _ = saved_plan(repo, code=1)
    applied = run(repo, "apply", str(path))
    assert applied.exit_code == 3, applied.output
    assert "zorggroep-de-linde.yaml" in applied.output
    assert apply_changes(repo) == []
    assert json.loads(path.read_text())["state"] == "refused"


def test_overrides_given_to_plan_are_saved_shown_and_are_exactly_what_apply_accepts(
    repo: Path,
) -> None:
    assert run(repo, "apply", "--auto-approve").exit_code == 0
    before = len(apply_changes(repo))
    offboard_bakkerij(repo)
    path, _ = saved_plan(repo, "--allow-mijnloket-removal")
    forced = run(repo, "apply", str(path), "--force")
    assert forced.exit_code == 3, forced.output
    assert "--force was not given when this plan was made" in forced.output
    assert "re-plan" in forced.output
    assert len(apply_changes(repo)) == before
    applied = run(repo, "apply", str(path))  # no flag at apply: the plan carries its own
    assert applied.exit_code == 0, applied.output
    assert len(apply_changes(repo)) > before
    document = json.loads(path.read_text())
    assert document["state"] == "ready"
    assert document["meta"]["overrides"] == ["--allow-mijnloket-removal"]
    assert "Overrides given to plan: --allow-mijnloket-removal" in show(path)


def tamper(path: Path, change: str) -> None:
    document = json.loads(path.read_text())
    employer = next(e for e in document["employers"] if e["steps"])
    live = document["live"][employer["employer_id"]]["products"]
    planned = {s["product"] for s in employer["steps"]}
    other = next(p for p in builtin_catalog().products if p not in live and p not in planned)
    if change == "inject":  # a step nobody planned, counted in the summary too
        step = dict(employer["steps"][0])
        step.update(action="activate", product=other, right=None, login=None, user_type=None)
        step.update(key=f"activate:{employer['employer_id']}:{other}", waits_on=[], flags=[])
        employer["steps"].append(step)
        document["summary"]["activate"] += 1
    elif change == "drop":
        employer["steps"].pop()
    else:  # change what a step does
        employer["steps"][0]["product"] = other
    path.write_text(json.dumps(document))


@pytest.mark.parametrize("change", ["inject", "drop", "alter"])
def test_a_saved_plan_whose_steps_were_edited_is_refused_as_tampered(
    repo: Path, change: str
) -> None:
    path, _ = saved_plan(repo)
    tamper(path, change)
    applied = run(repo, "apply", str(path))
    assert applied.exit_code == 3, applied.output
    assert "tampered" in applied.output
    assert "Apply finished" not in applied.output
    assert apply_changes(repo) == []
    journal = max((repo / ".mijnloket" / "journal").glob("*.jsonl")).read_text()
    assert "plan-completed" not in journal and '"result": "refused"' in journal


def test_dirty_counts_tracked_changes_only_untracked_files_are_listed_apart(
    repo: Path,
) -> None:
    (repo / "p.json").write_text("{}")  # an untracked file, such as a saved plan
    assert run(repo, "apply", "--auto-approve").exit_code == 0
    journal = max((repo / ".mijnloket" / "journal").glob("*.jsonl"))
    first = json.loads(journal.read_text().splitlines()[0])
    assert first["dirty"] is False
    assert first["untracked"] == ["p.json"]
    path = repo / "employers" / "bakkerij-de-vries.yaml"
    path.write_text(path.read_text() + "# a comment\n")  # a tracked file changes
    assert run(repo, "apply", "--auto-approve").exit_code == 0
    journal = max((repo / ".mijnloket" / "journal").glob("*.jsonl"))
    assert json.loads(journal.read_text().splitlines()[0])["dirty"] is True


def test_a_saved_plan_applies_where_its_base_ref_is_not_fetched(repo: Path) -> None:
    """CI's apply job may not have the pull request's base branch the plan used."""
    git(repo, "branch", "pr-base")
    path, _ = saved_plan(repo, "--base", "pr-base")
    assert json.loads(path.read_text())["meta"]["base_ref"] == "pr-base"
    git(repo, "branch", "-D", "pr-base")
    applied = run(repo, "apply", str(path))
    assert applied.exit_code == 0, applied.output
    assert apply_changes(repo)
