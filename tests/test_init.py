"""``init``: a new configuration repository that works at once on the sandbox, and
that is never written over."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from mijnloket_gitops.gitops.scaffold import TEMPLATES, Source, rendered

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "employers"


def test_init_then_validate_plan_apply_and_no_drift(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "config"
    created = run_cli("init", repo)
    assert created.exit_code == 0, created.output
    for path in (*TEMPLATES, "schemas/employer.schema.json", "schemas/config.schema.json"):
        assert (repo / path).is_file(), path
    monkeypatch.chdir(repo)

    assert run_cli("validate").exit_code == 0
    assert run_cli("fmt", "--check").exit_code == 0
    # Two more employers: the sandbox seeds one of three drifted, within the limits.
    for name in ("transportbedrijf-jansen.yaml", "kinderopvang-het-zonnetje.yaml"):
        shutil.copy(EXAMPLES / name, repo / "employers")
    seeded = run_cli("sandbox", "seed")
    assert seeded.exit_code == 0, seeded.output

    planned = run_cli("plan", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "MijnLoket - Verlofaanvragen" in planned.output
    applied = run_cli("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    again = run_cli("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_init_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    (tmp_path / "README.md").write_text("mine\n")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "mijnloket-pr.yml").write_text("mine\n")
    result = run_cli("init", tmp_path)
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert "  .github/workflows/mijnloket-pr.yml\n  README.md\n" in result.output
    assert (tmp_path / "README.md").read_text() == "mine\n"
    assert not (tmp_path / "employers").exists()


def test_the_scaffold_wires_schemas_hooks_and_the_action(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("init", tmp_path, "--source", "acme/mijnloket-gitops@v2.1.0").exit_code == 0
    settings = json.loads((tmp_path / ".vscode" / "settings.json").read_text())
    for schema in settings["yaml.schemas"]:
        assert (tmp_path / schema).is_file()
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    (repo,) = hooks["repos"]
    assert (repo["repo"], repo["rev"]) == ("https://github.com/acme/mijnloket-gitops", "v2.1.0")
    ours = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {h["id"] for h in repo["hooks"]} == ours
    workflow = (tmp_path / ".github" / "workflows" / "mijnloket-apply.yml").read_text()
    assert "uses: acme/mijnloket-gitops@v2.1.0" in workflow and "__" not in workflow
    assert ".mijnloket/" in (tmp_path / ".gitignore").read_text().splitlines()
    config = (tmp_path / "mijnloket-gitops.yaml").read_text()
    assert "type: sandbox" in config and "#   type: loket" in config


def test_bad_source(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli("init", tmp_path, "--source", "not a repo")
    assert result.exit_code == 1 and "OWNER/NAME" in result.output
    assert Source.parse("a/b").ref == Source().ref
    assert "__" not in rendered("mijnloket-pr.yml", Source())
