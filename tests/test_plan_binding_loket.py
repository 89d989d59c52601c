"""Issue 22 over HTTP: apply through the loket provider against the Loket emulator
enforces what plan refuses, binds the plan's overrides and refuses a tampered plan.

The sandbox side of the same findings: ``tests/test_plan_binding.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mijnloket_gitops.cli.main import cli
from tests.emulator_fixtures import SeededEmulator, start_emulator
from tests.loket_emulated import ENV, authorize, write_repo_config
from tests.repo_helpers import git
from tests.test_loket_e2e import api_changes
from tests.test_plan_binding import tamper


@pytest.fixture
def loket(tmp_path: Path) -> Iterator[SeededEmulator]:
    with start_emulator(tmp_path, employers=6) as started:
        write_repo_config(started)
        authorize(started.server, started.repo)
        yield started


def run(repo: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["-C", str(repo), *args], env=ENV)
    assert "Traceback" not in result.output, result.output
    return result


def policy(started: SeededEmulator, text: str) -> None:
    config = started.repo / "mijnloket-gitops.yaml"
    config.write_text(config.read_text() + text, encoding="utf-8")


def test_unmanaged_error_refuses_the_saved_plan_and_the_fresh_apply(
    loket: SeededEmulator, tmp_path: Path
) -> None:
    policy(loket, "ownership:\n  unmanaged: error\n")
    (loket.repo / loket.employers[0][0]).unlink()
    saved = tmp_path / "p.json"
    plan = run(loket.repo, "plan", "--out", str(saved))
    assert plan.exit_code == 3, plan.output
    for args in ((str(saved),), ("--auto-approve",), (str(saved), "--force")):
        applied = run(loket.repo, "apply", *args)
        assert applied.exit_code == 3, applied.output
        assert "ownership.unmanaged is error" in applied.output
    assert not api_changes(loket)
    assert json.loads(saved.read_text())["state"] == "refused"


def test_an_override_not_given_to_plan_is_refused_at_apply(
    loket: SeededEmulator, tmp_path: Path
) -> None:
    saved = tmp_path / "p.json"
    assert run(loket.repo, "plan", "--out", str(saved)).exit_code == 0
    forced = run(loket.repo, "apply", str(saved), "--allow-mass-revocation")
    assert forced.exit_code == 3, forced.output
    assert "re-plan" in forced.output
    assert not api_changes(loket)
    applied = run(loket.repo, "apply", str(saved))  # untouched, it reproduces and runs
    assert applied.exit_code in (0, 4), applied.output
    assert "tampered" not in applied.output and api_changes(loket)


def test_a_tampered_saved_plan_is_refused_before_any_request_changes_loket(
    loket: SeededEmulator, tmp_path: Path
) -> None:
    saved = tmp_path / "p.json"
    assert run(loket.repo, "plan", "--out", str(saved)).exit_code == 0
    tamper(saved, "inject")  # a step shown as reviewed that apply would never run
    applied = run(loket.repo, "apply", str(saved))
    assert applied.exit_code == 3, applied.output
    assert "tampered" in applied.output
    assert not api_changes(loket)


def test_dirty_counts_tracked_changes_only_over_http(loket: SeededEmulator) -> None:
    repo = loket.repo
    (repo / ".gitignore").write_text(".mijnloket/\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "files")
    (repo / "p.json").write_text("{}")  # untracked, as a saved plan is
    assert run(repo, "apply", "--auto-approve").exit_code in (0, 4)
    journal = max((repo / ".mijnloket" / "journal").glob("*.jsonl"))
    first = json.loads(journal.read_text().splitlines()[0])
    assert first["dirty"] is False and first["untracked"] == ["p.json"]
