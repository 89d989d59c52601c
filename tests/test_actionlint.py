"""actionlint (with shellcheck for run: scripts) on this repository's workflows, on the
workflows ``init`` writes, and on the composite action's steps. The templates are
checked twice: as written (the action from GitHub) and with the action replaced by
this repository's action.yml, so every input and output they use must exist."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mijnloket_gitops.gitops.scaffold import TEMPLATES, Source, rendered

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = {
    name: path for path, name in TEMPLATES.items() if path.startswith(".github/workflows/")
}


def actionlint(project: Path, *files: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("actionlint")
    if binary is None:
        pytest.fail("actionlint is not installed; `pip install -e '.[test]'` installs it")
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is not installed; `pip install -e '.[test]'` installs it")
    return subprocess.run(
        [binary, "-no-color", "-oneline", "-shellcheck", shellcheck, "-pyflakes", "", *files],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _project(tmp_path: Path, workflows: dict[str, str]) -> Path:
    """A git repository holding action.yml and ``workflows`` under .github/workflows."""
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    for name, text in workflows.items():
        (folder / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def test_this_repositorys_workflows() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert ".github/workflows/ci.yml" in files
    done = actionlint(ROOT, *files)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("local", [False, True], ids=["as-written", "against-action.yml"])
def test_the_templates(tmp_path: Path, local: bool) -> None:
    source = Source("acme/mijnloket-gitops", "v1.2.3")
    texts = {name: rendered(name, source) for name in WORKFLOWS}
    if local:
        texts = {n: t.replace("acme/mijnloket-gitops@v1.2.3", "./") for n, t in texts.items()}
    project = _project(tmp_path, texts)
    done = actionlint(project, *(f".github/workflows/{name}" for name in texts))
    assert done.returncode == 0, done.stdout + done.stderr


def _action() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8")))


def test_the_composite_actions_steps(tmp_path: Path) -> None:
    """The steps of action.yml as the job of a reusable workflow with the same inputs,
    so actionlint checks their expressions and shellcheck their scripts."""
    action = _action()
    assert action["runs"]["using"] == "composite"
    inputs = {
        name: {"type": "string", "required": bool(spec.get("required", False))}
        | ({"default": spec["default"]} if "default" in spec else {})
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "name": "action.yml steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    project = _project(tmp_path, {"action-steps.yml": yaml.safe_dump(workflow, sort_keys=False)})
    done = actionlint(project, ".github/workflows/action-steps.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_actions_outputs_come_from_its_run_step() -> None:
    action = _action()
    ids = {step.get("id") for step in action["runs"]["steps"]}
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.run.outputs.{name} }}}}", name
    assert "run" in ids
    for step in action["runs"]["steps"]:
        assert "uses" in step or step.get("shell") == "bash", step.get("name")
