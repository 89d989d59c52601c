"""Smaller findings of issue 21, each with a test that fails on the code before it."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.config import SafetyConfig
from mijnloket_gitops.sandbox.db import SandboxError
from mijnloket_gitops.sandbox.seed import seed_state
from mijnloket_gitops.validate.runner import validate_paths
from tests.test_emulator import invoke

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "employers"
TEMPLATE = ROOT / "src" / "mijnloket_gitops" / "gitops" / "templates" / "mijnloket-gitops.yaml"


def test_one_login_with_two_types_is_an_error_naming_both_files(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    ak = tmp_path / "employers" / "bakkerij-de-vries.yaml"
    login = re.search(r"login: (\S+)\n    type: ak-gebruiker", ak.read_text())
    assert login is not None
    other = tmp_path / "employers" / "zorggroep-de-linde.yaml"
    other.write_text(
        other.read_text() + f"  - login: {login.group(1).upper()}\n    type: werkgevergebruiker\n"
    )
    checked = validate_paths([tmp_path / "employers"], builtin_catalog())
    conflicts = [d for d in checked.diagnostics if d.rule == "user-type-conflict"]
    assert {(Path(d.path).name, d.severity) for d in conflicts} == {
        (ak.name, "error"),
        (other.name, "error"),
    }, "validate reports it on both files, with the line of the type"
    on_other = next(d for d in conflicts if Path(d.path) == other)
    assert f"is a werkgevergebruiker here but an ak-gebruiker in {ak}" in on_other.message
    assert on_other.message.startswith(f"user {login.group(1).upper()!r} ")
    assert other.read_text().splitlines()[on_other.line - 1].strip() == "type: werkgevergebruiker"
    with pytest.raises(SandboxError) as refused:  # and seeding anyway names both files
        seed_state(checked.employers, builtin_catalog(), SafetyConfig())
    message = str(refused.value)
    assert str(ak) in message and str(other) in message
    assert "is an ak-gebruiker in" in message and "but a werkgevergebruiker in" in message


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_a_file_whose_employer_id_changed_is_not_reported_as_removed(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\n")
    (tmp_path / ".gitignore").write_text(".mijnloket/\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    assert run_cli("sandbox", "seed", "--repo", tmp_path).exit_code == 0
    path = tmp_path / "employers" / "bakkerij-de-vries.yaml"
    path.write_text(
        re.sub(
            r"(?m)^employer_id: .*",
            "employer_id: 00000000-0000-4000-8000-000000000000",
            path.read_text(),
        )
    )
    plan = run_cli("plan", "--repo", tmp_path)
    as_json = run_cli("plan", "--format", "json", "--repo", tmp_path)
    removed = json.loads(as_json.stdout)["removed"]
    assert [(r["path"], r.get("file_kept")) for r in removed] == [
        ("employers/bakkerij-de-vries.yaml", True)
    ]
    from mijnloket_gitops.plan.render.plan_schema import plan_validator

    assert list(plan_validator().iter_errors(json.loads(as_json.stdout))) == []
    assert "employers/bakkerij-de-vries.yaml was removed" not in plan.output
    assert (
        "employers/bakkerij-de-vries.yaml is still there but names another employer now"
        in plan.output
    ), plan.output


def _comments(text: str, block: str = "safety") -> dict[str, str]:
    """``key: comment`` of the ``block:`` mapping of a YAML text."""
    found: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        if re.match(rf"^{block}:", line):
            inside = True
            continue
        if inside and not line.startswith("  "):
            inside = False
        match = re.match(r"^  (\w+): [^#]*# (.*)$", line) if inside else None
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def test_the_scaffolded_config_describes_the_guards_as_the_readme_does() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\nversion: 1\nemployers_dir: .*?```", readme, re.S)
    assert block is not None
    documented, scaffolded = _comments(block.group()), _comments(TEMPLATE.read_text())
    assert scaffolded, "the template has a safety block with comments"
    for key, comment in scaffolded.items():
        assert documented.get(key) == comment, key


def test_the_emulator_install_hint_has_the_editable_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    code, out = invoke()
    assert code == 1 and "pip install -e '.[emulator]'" in out


def test_an_interrupted_apply_exits_130_says_how_to_resume_and_is_journaled_so(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mijnloket_gitops.providers.sandbox import SandboxProvider

    shutil.copytree(BUNDLED, tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\n")
    assert run_cli("sandbox", "seed", "--repo", tmp_path).exit_code == 0  # with drift

    def ctrl_c(self: SandboxProvider, step: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxProvider, "perform", ctrl_c)
    applied = run_cli("apply", "--auto-approve", "--repo", tmp_path)
    assert applied.exit_code == 130
    assert "interrupted; run the same command again to resume" in applied.output
    listed = run_cli("journal", "--repo", tmp_path)
    assert listed.exit_code == 0, listed.output
    assert "interrupted exit 130" in listed.output and "exit None" not in listed.output


def test_auth_status_before_any_login_and_the_account_of_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Callable[..., Result]
) -> None:
    from mijnloket_gitops.sandbox.seed import PROVIDER_NAME
    from tests.emulator_fixtures import start_emulator
    from tests.loket_emulated import ENV, authorize, write_repo_config

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with start_emulator(tmp_path, employers=2) as started:
        write_repo_config(started)
        first = run_cli("auth", "status", "--repo", started.repo)
        assert first.exit_code == 1
        assert "not logged in yet: run `mijnloket-gitops auth login` to authorize" in (first.output)
        assert "authorize again" not in first.output
        assert f"client id:    {ENV['LOKET_CLIENT_ID']}" in first.output
        authorize(started.server, started.repo)
        online = run_cli("auth", "status", "--online", "--repo", started.repo)
        assert online.exit_code == 0, online.output
        assert f"account:      {PROVIDER_NAME} (" in online.output


def test_the_work_order_says_the_unreadable_rights_once(tmp_path: Path) -> None:
    from dataclasses import replace

    from mijnloket_gitops.apply.workorder import build_work_order, render_markdown
    from mijnloket_gitops.plan.model import Plan
    from mijnloket_gitops.plan.planner import unread_rights_note
    from tests.test_workorder import CATALOG, make_plan

    manual, desired = make_plan()
    note = unread_rights_note("werkgevergebruiker")
    first = replace(manual.employers[0], unchecked=(note,))
    second = replace(first, employer_id="11111111-0000-4000-8000-000000000000", name="Tweede")
    order = build_work_order(Plan((first, second)), CATALOG, desired)
    assert order is not None
    assert order["notes"] == [note]
    assert all(e["check_by_hand"] == [] for e in order["employers"])
    text = render_markdown(order)
    assert text.count("could not be read") == 1
    assert "things to check by hand" not in text.splitlines()[0]


def test_user_type_conflicts_are_found_by_the_worker_pool_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mijnloket_gitops.sandbox.synthetic import AK_POOL, write_employers
    from mijnloket_gitops.validate import runner

    monkeypatch.setattr(runner, "cpu_count", lambda: 2)
    paths = write_employers(tmp_path / "employers", builtin_catalog(), 320, seed=3)
    odd = paths[-1]
    odd.write_text(odd.read_text() + f"  - login: {AK_POOL[0]}\n    type: werkgevergebruiker\n")
    checked = validate_paths([tmp_path / "employers"], builtin_catalog())
    conflicts = [d for d in checked.diagnostics if d.rule == "user-type-conflict"]
    assert any(Path(d.path) == odd for d in conflicts)
    assert len({d.path for d in conflicts}) > 2  # the pool's ak-gebruikers are named too


def test_the_realistic_portfolio_gives_each_login_one_type(tmp_path: Path) -> None:
    """The benchmarks' portfolio must stay valid under user-type-conflict."""
    import datetime as dt

    from mijnloket_gitops.sandbox.synthetic import write_realistic

    write_realistic(tmp_path, 1500, 1, dt.date(2026, 1, 1))
    checked = validate_paths([tmp_path], builtin_catalog())
    assert [d.message for d in checked.diagnostics if d.severity == "error"] == []
