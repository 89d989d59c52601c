"""plan and apply end to end against the sandbox, through the real CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mijnloket_gitops.apply.lock import ApplyLock
from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.plan.ordering import order_violations
from mijnloket_gitops.providers.base import Action, Step
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.sandbox.synthetic import write_employers

ROOT = Path(__file__).resolve().parent.parent
DB = ".mijnloket/sandbox.sqlite"
BAKKERIJ = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"


def run(repo: Path, *args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(cli, [*args, "--repo", str(repo)], input=stdin)
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A configuration repository holding the bundled examples, with a seeded sandbox."""
    shutil.copytree(ROOT / "employers", tmp_path / "employers")
    assert run(tmp_path, "sandbox", "seed").exit_code == 0
    return tmp_path


def apply_changes(repo: Path) -> list[tuple[str, str, str]]:
    with Store.open(repo / DB) as store:
        return [
            (c.employer_id, c.action, c.subject) for c in store.changes() if c.origin == "apply"
        ]


def test_first_plan_apply_converges_and_drift_shows(repo: Path) -> None:
    first = run(repo, "plan", "--detailed-exitcode")
    assert first.exit_code == 2, first.output
    assert "to activate" in first.output and "tier change" in first.output
    applied = run(repo, "apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Verified: live state matches the configuration." in applied.output
    assert run(repo, "plan", "--detailed-exitcode").exit_code == 0
    drift = run(repo, "sandbox", "set", BAKKERIJ, "--deactivate", "MijnLoket - Documenten")
    assert drift.exit_code == 0, drift.output
    again = run(repo, "plan", "--detailed-exitcode")
    assert again.exit_code == 2 and "MijnLoket - Documenten" in again.output


def test_every_step_is_journaled_with_actor_and_commit(repo: Path) -> None:
    assert run(repo, "apply", "--auto-approve").exit_code == 0
    (journal,) = (repo / ".mijnloket" / "journal").glob("*.jsonl")
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    kinds = Counter(e["event"] for e in events)
    assert kinds["started"] == kinds["done"] > 0
    assert kinds["verified"] == 1
    assert all(e["actor"] and "time" in e and e["forced"] is False for e in events)


def test_apply_asks_and_refuses_without_a_terminal(repo: Path) -> None:
    result = run(repo, "apply")
    assert result.exit_code == 1
    assert "--auto-approve" in result.output
    assert apply_changes(repo) == []


def test_invalid_files_stop_plan_and_apply(repo: Path) -> None:
    path = repo / "employers" / "bakkerij-de-vries.yaml"
    path.write_text(path.read_text().replace("tier: start", "tier: pro"))
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = run(repo, *command)
        assert result.exit_code == 1
        assert "[tier-mismatch]" in result.output
    assert apply_changes(repo) == []


def test_a_file_without_a_live_employer_is_an_error_naming_it(repo: Path) -> None:
    text = (repo / "employers" / "bakkerij-de-vries.yaml").read_text()
    (repo / "employers" / "nieuw.yaml").write_text(
        text.replace(BAKKERIJ, "11111111-2222-4333-8444-555555555555")
    )
    result = run(repo, "plan")
    assert result.exit_code == 1
    assert "nieuw.yaml" in result.output and "does not exist" in result.output


def test_guards_refuse_with_exit_3_and_name_the_flag(repo: Path) -> None:
    assert run(repo, "apply", "--auto-approve").exit_code == 0
    before = len(apply_changes(repo))
    (repo / "employers" / "bakkerij-de-vries.yaml").write_text(
        f"version: 1\nemployer_id: {BAKKERIJ}\nname: Bakkerij De Vries B.V.\n"
        "addendum:\n  status: signed\n  signed_on: 2026-03-14\n  ticket: LKT-48211\n"
    )
    plan = run(repo, "plan")
    assert plan.exit_code == 3, plan.output
    assert "--allow-mijnloket-removal" in plan.output
    assert "--allow-mass" not in plan.output  # 5 deactivations stay under 10% of all activations
    (repo / "mijnloket-gitops.yaml").write_text("safety:\n  max_deactivation_share: 0.05\n")
    # issue 22: offboarding takes one flag: its deactivations are not "mass" as well
    assert run(repo, "plan", "--allow-mijnloket-removal").exit_code == 0
    other = repo / "employers" / "zorggroep-de-linde.yaml"
    fewer = re.sub(r"(?m)^  - (?!MijnLoket\n)[^#\n]*\n", "", other.read_text(), count=3)
    other.write_text(fewer.replace("tier: pro", "tier: start"))
    strict = run(repo, "plan", "--allow-mijnloket-removal")
    assert strict.exit_code == 3 and "--allow-mass-deactivation" in strict.output, strict.output
    assert "overridden by --allow-mijnloket-removal" in strict.output
    refused = run(repo, "apply", "--auto-approve", "--allow-mijnloket-removal")
    assert refused.exit_code == 3, refused.output
    assert len(apply_changes(repo)) == before
    forced = run(repo, "apply", "--auto-approve", "--force")
    assert forced.exit_code == 0, forced.output
    journal = max((repo / ".mijnloket" / "journal").glob("*.jsonl"))
    assert all(json.loads(line)["forced"] for line in journal.read_text().splitlines())


def test_saved_plan_applies_exactly_and_refuses_when_stale(repo: Path, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert run(repo, "plan", "--out", str(saved)).exit_code == 0
    run(repo, "sandbox", "set", BAKKERIJ, "--activate", "Preboarding")
    stale = run(repo, "apply", str(saved))
    assert stale.exit_code == 3
    assert "Preboarding was activated" in stale.output
    run(repo, "sandbox", "set", BAKKERIJ, "--deactivate", "Preboarding")
    path = repo / "employers" / "bakkerij-de-vries.yaml"
    original = path.read_text()
    path.write_text(original.replace("name: Bakkerij De Vries B.V.", "name: Bakkerij De Vries"))
    changed = run(repo, "apply", str(saved))
    assert changed.exit_code == 3 and "bakkerij-de-vries.yaml" in changed.output
    path.write_text(original)
    good = run(repo, "apply", str(saved))
    assert good.exit_code == 0, good.output
    reviewed = [s for e in json.loads(saved.read_text())["employers"] for s in e["steps"]]
    done = apply_changes(repo)
    assert len(done) == len(reviewed) == len(set(done))
    assert run(repo, "plan", "--detailed-exitcode").exit_code == 0


def test_saved_plan_resumes_after_a_partial_apply(repo: Path, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert run(repo, "plan", "--out", str(saved)).exit_code == 0
    document = json.loads(saved.read_text())
    first = next(s for e in document["employers"] for s in e["steps"])
    from mijnloket_gitops.config import load_settings
    from mijnloket_gitops.providers.registry import open_provider

    with open_provider(load_settings(repo)) as provider:  # an apply that died after 1 step
        provider.perform(
            Step(
                first["employer_id"],
                Action(first["action"]),
                first["product"],
                first["right"],
                first["login"],
                first["user_type"],
            )
        )
    resumed = run(repo, "apply", str(saved))
    assert resumed.exit_code == 0, resumed.output
    counts = Counter(apply_changes(repo))
    assert counts and max(counts.values()) == 1


def test_second_apply_is_refused_while_the_lock_is_held(repo: Path) -> None:
    from mijnloket_gitops.config import load_settings
    from mijnloket_gitops.providers.registry import open_provider

    with open_provider(load_settings(repo)) as provider:
        target = provider.target
    with ApplyLock(repo / ".mijnloket" / "locks", target):
        result = run(repo, "apply", "--auto-approve")
    assert result.exit_code == 3
    assert f"pid {os.getpid()}" in result.output
    assert apply_changes(repo) == []


def test_plan_formats(repo: Path) -> None:
    as_json = run(repo, "plan", "--format", "json")
    data = json.loads(as_json.output)
    assert data["format_version"] == 1 and data["summary"]["activate"] > 0
    catalog = builtin_catalog()
    for employer in data["employers"]:
        steps = [
            Step(
                s["employer_id"],
                Action(s["action"]),
                s["product"],
                s["right"],
                s["login"],
                s["user_type"],
            )
            for s in employer["steps"]
        ]
        assert order_violations(catalog, steps) == []
    markdown = run(repo, "plan", "--format", "markdown")
    assert markdown.output.startswith("<!-- mijnloket-gitops:plan -->")


def test_target_limits_the_plan(repo: Path) -> None:
    data = json.loads(run(repo, "plan", "--format", "json", "--target", BAKKERIJ).output)
    assert [e["employer_id"] for e in data["employers"]] == [BAKKERIJ]
    unknown = run(repo, "plan", "--target", "00000000-0000-4000-8000-000000000000")
    assert unknown.exit_code == 1 and "no employer file" in unknown.output


def test_killed_apply_converges_on_rerun_without_repeating_a_step(tmp_path: Path) -> None:
    catalog = builtin_catalog()
    write_employers(tmp_path / "employers", catalog, 40, seed=7)
    assert run(tmp_path, "sandbox", "seed").exit_code == 0
    with Store.open(tmp_path / DB) as store:  # switch everything off: lots of steps to do
        active = [
            (e.employer_id, m.name) for e in store.employers() for m in store.modules(e.employer_id)
        ]
        with store.write("test") as tx:
            for employer_id, name in active:
                tx.deactivate(employer_id, name)
    journal_dir = tmp_path / ".mijnloket" / "journal"
    command = [
        sys.executable,
        "-m",
        "mijnloket_gitops",
        "apply",
        "--auto-approve",
        "--force",
        "--repo",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lines = [line for f in journal_dir.glob("*.jsonl") for line in f.read_text().splitlines()]
        if sum('"event": "done"' in line for line in lines) >= 3:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    half = Counter(apply_changes(tmp_path))
    assert half, "the apply was killed before it did anything"
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    counts = Counter(apply_changes(tmp_path))
    assert max(counts.values()) == 1, "a step was applied twice"
    assert run(tmp_path, "plan", "--detailed-exitcode").exit_code == 0


def test_blocked_mijnloket_exits_4_and_wait_finishes_when_loket_catches_up(repo: Path) -> None:
    assert run(repo, "apply", "--auto-approve").exit_code == 0
    gone = run(
        repo, "sandbox", "set", BAKKERIJ, "--deactivate", "MijnLoket", "--no-portal-available"
    )
    assert gone.exit_code == 0, gone.output
    waiting = run(repo, "apply", "--auto-approve")
    assert waiting.exit_code == 4, waiting.output
    assert "LKT-48211" in waiting.output and "blocked" in waiting.output
    command = [
        sys.executable,
        "-m",
        "mijnloket_gitops",
        "apply",
        "--auto-approve",
        "--wait",
        "--timeout",
        "60",
        "--poll-interval",
        "0.2",
        "--repo",
        str(repo),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # no fixed sleep: read until apply says it waits (it polls every 0.2 s from then on)
    assert process.stdout is not None
    before: list[str] = []
    for line in process.stdout:
        before.append(line)
        if "waiting for" in line:
            break
    assert "waiting for" in before[-1], "apply --wait returned before Loket caught up"
    assert run(repo, "sandbox", "set", BAKKERIJ, "--portal-available").exit_code == 0
    rest, _ = process.communicate(timeout=60)
    output = "".join(before) + rest
    assert process.returncode == 0, output
    assert "Verified: live state matches the configuration." in output
    assert run(repo, "plan", "--detailed-exitcode").exit_code == 0
