"""Issue 22: drift apart from change. After a completed full apply, a step that
restores what someone changed in Loket is listed under "Changed in Loket since the
last apply", apart from what the files change, in every format (JSON: ``drift``);
``plan --refresh-only`` shows only the drift. In the sandbox and over HTTP against
the Loket emulator.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.emulator_fixtures import start_emulator
from tests.loket_emulated import authorize, write_repo_config
from tests.test_loket_e2e import switch_per_work_order
from tests.test_plan_apply import BAKKERIJ, ROOT, run
from tests.test_plan_binding_loket import run as run_loket

DOCUMENTEN = "MijnLoket - Documenten"
ICT = "employers/ict-partners-utrecht.yaml"


def _keys(data: dict[str, object]) -> dict[str, str]:
    """Step key to ``employer_id action subject`` of every step in a JSON plan."""
    return {
        s["key"]: f"{s['employer_id']} {s['action']} {s['product'] or s['right']}"
        for e in data["employers"]  # type: ignore[attr-defined]
        for s in e["steps"]
    }


def test_drift_is_listed_apart_from_what_the_files_change(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "employers", repo / "employers")
    assert run(repo, "sandbox", "seed").exit_code == 0
    assert run(repo, "apply", "--auto-approve").exit_code == 0
    assert run(repo, "sandbox", "set", BAKKERIJ, "--deactivate", DOCUMENTEN).exit_code == 0
    ict = repo / ICT
    text = ict.read_text()
    removed = next(
        line.strip()[2:]
        for line in text.splitlines()
        if line.startswith("  - ") and "MijnLoket" not in line and "#" not in line
    )
    ict.write_text(text.replace(f"  - {removed}\n", "", 1))  # a change in the files
    data = json.loads(run(repo, "plan", "--format", "json").output)
    steps = _keys(data)
    drift = [steps[k] for k in data["drift"]["steps"]]
    assert drift == [f"{BAKKERIJ} activate {DOCUMENTEN}"]
    assert any(removed in v and "deactivate" in v for v in steps.values()), steps
    text_plan = run(repo, "plan").output
    assert "Changed in Loket since the last apply" in text_plan
    assert f"activate {DOCUMENTEN}" in text_plan.split("Changed in Loket", 1)[1]
    markdown = run(repo, "plan", "--format", "markdown").output
    assert "Changed in Loket since the last apply" in markdown
    only = json.loads(run(repo, "plan", "--refresh-only", "--format", "json").output)
    assert list(_keys(only).values()) == [f"{BAKKERIJ} activate {DOCUMENTEN}"]
    assert run(repo, "plan", "--refresh-only", "--detailed-exitcode").exit_code == 2
    assert run(repo, "plan", "--refresh-only", "--out", str(tmp_path / "p.json")).exit_code == 64


def test_drift_over_http(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=6) as started:
        write_repo_config(started)
        authorize(started.server, started.repo)
        repo = started.repo
        first = run_loket(repo, "apply", "--auto-approve")
        if first.exit_code == 4:  # a person switches the products in Loket.nl
            switch_per_work_order(started, repo)
            first = run_loket(repo, "apply", "--auto-approve")
        assert first.exit_code == 0, first.output
        _, employer = next((p, e) for p, e in started.employers if len(e.products) > 1)
        product = next(p for p in employer.products if p != "MijnLoket")
        started.server.switch_module(employer.employer_id, product, active=False)
        data = json.loads(run_loket(repo, "plan", "--format", "json").stdout)
        drift = [_keys(data)[k] for k in data["drift"]["steps"]]
        assert f"{employer.employer_id} activate {product}" in drift
        refresh = run_loket(repo, "plan", "--refresh-only", "--detailed-exitcode")
        assert refresh.exit_code == 2, refresh.output
        assert "Changed in Loket since the last apply" in refresh.output
