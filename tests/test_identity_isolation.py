"""A wrong or foreign employer_id blocks only its own file, with both names, as an
invalid file does; the other files are planned and applied (issue 21)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import seed_repo
from tests.test_import import run

MISSING = "00000000-0000-4000-8000-000000000000"
PRODUCT = "MijnLoket - Salaris berekenen"


def broken_repo(tmp_path: Path) -> tuple[Path, Path, Path, str]:
    """Six files: one names an unmanaged employer's id, one an id no employer has, one
    asks for a change. Returns (repo, foreign file, missing file, the changed file's id)."""
    repo, db, files = seed_repo(tmp_path, employers=6, seed=4)
    with Store.open(db) as store:
        garage = next(e for e in store.employers() if e.company_name.startswith("Garage Hoekstra"))
    paths = sorted(Path(p) for p, _ in files)
    foreign, missing, changed = paths[0], paths[1], paths[2]
    for path, new_id in ((foreign, garage.employer_id), (missing, MISSING)):
        path.write_text(re.sub(r"(?m)^employer_id: .*", f"employer_id: {new_id}", path.read_text()))
    text = changed.read_text()
    assert "status: signed" in text and PRODUCT not in text, "the seed changed"
    changed.write_text(
        re.sub(r"(?m)^tier: .*", "tier: plus", text).replace(
            "  - MijnLoket\n", f"  - MijnLoket\n  - {PRODUCT}\n", 1
        )
    )
    changed_id = re.search(r"(?m)^employer_id: (.*)$", text)
    assert changed_id is not None
    return repo, foreign, missing, changed_id.group(1)


def test_plan_blocks_only_the_files_with_a_wrong_employer_id(tmp_path: Path) -> None:
    repo, foreign, missing, changed_id = broken_repo(tmp_path)
    text = run(repo, "plan")
    assert text.exit_code == 1, text.output
    assert "nothing was planned" not in text.output
    assert "Blocked by their employer_id, so not planned" in text.stdout
    foreign_name = re.search(r"(?m)^name: (.*)$", foreign.read_text())
    assert foreign_name is not None
    assert f"the file names {foreign_name.group(1)!r} but employer" in text.stdout
    assert "is 'Garage Hoekstra B.V.' in Loket" in text.stdout
    assert f"employer {MISSING}" in text.stdout and "does not exist in" in text.stdout
    assert f"activate {PRODUCT}" in text.stdout or PRODUCT in text.stdout
    markdown = run(repo, "plan", "--format", "markdown")
    assert markdown.exit_code == 1
    assert "### Blocked by their employer_id, so not planned" in markdown.stdout
    assert "Garage Hoekstra B.V." in markdown.stdout
    as_json = run(repo, "plan", "--format", "json")
    assert as_json.exit_code == 1
    plan = json.loads(as_json.stdout)
    from mijnloket_gitops.plan.render.plan_schema import plan_validator

    assert list(plan_validator().iter_errors(plan)) == []  # blocked is in the schema
    blocked = {Path(b["path"]).name: b for b in plan["blocked"]}
    assert blocked.keys() == {foreign.name, missing.name}
    assert blocked[foreign.name]["live_name"] == "Garage Hoekstra B.V."
    assert blocked[missing.name]["live_name"] is None
    assert plan["summary"]["employers_managed"] == 4
    planned = {e["employer_id"]: e for e in plan["employers"]}
    assert any(s["product"] == PRODUCT for s in planned[changed_id]["steps"])
    assert MISSING not in planned


def test_apply_applies_the_others_and_exits_1(tmp_path: Path) -> None:
    repo, _, missing, changed_id = broken_repo(tmp_path)
    applied = run(repo, "apply", "--auto-approve")
    assert applied.exit_code == 1, applied.output
    assert "blocked by their employer_id were not applied" in applied.output
    assert missing.name in applied.output
    with Store.open(repo / ".mijnloket" / "sandbox.sqlite") as store:
        assert PRODUCT in store.live([changed_id])[changed_id].products
