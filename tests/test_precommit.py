"""The pre-commit hooks, installed by pre-commit itself from a git repository holding
this working tree (``pre-commit try-repo``), run in a temporary configuration
repository. Installing the hook environment needs PyPI (or the local wheel cache)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.repo_helpers import git

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "employers"
HOOK_REPO_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository with this working tree's package and hooks, committed (try-repo
    installs from a commit, so uncommitted work in the real repository is included)."""
    repo = tmp_path_factory.mktemp("hook-repo")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in HOOK_REPO_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=ignore)
        else:
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module, so the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def config_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "config"
    shutil.copytree(EXAMPLES, repo / "employers")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    return repo


def try_repo(
    config_repo: Path, hook_repo: Path, home: Path, *hook: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo HOOK_REPO [HOOK] --all-files`` (no HOOK: every hook)."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), *hook, "--all-files"],
        cwd=config_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_both_hooks_pass_on_valid_canonical_files(
    config_repo: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    done = try_repo(config_repo, hook_repo, pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mijnloket-gitops validate" in done.stdout and "mijnloket-gitops fmt" in done.stdout
    assert done.stdout.count("Passed") == 2


def test_validate_hook_fails_on_an_invalid_file(
    config_repo: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    bad = config_repo / "employers" / "bakkerij-de-vries.yaml"
    bad.write_text(bad.read_text().replace("tier: start", "tier: pro"))
    git(config_repo, "add", "-A")
    done = try_repo(config_repo, hook_repo, pre_commit_home, "mijnloket-gitops-validate")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert "bakkerij-de-vries.yaml:" in done.stdout and "[tier-mismatch]" in done.stdout


def test_fmt_hook_rewrites_a_file_and_fails_the_commit(
    config_repo: Path,
    hook_repo: Path,
    pre_commit_home: Path,
    run_cli: Callable[..., Result],
    valid_employer: str,
) -> None:
    path = config_repo / "employers" / "new.yaml"
    # Keys out of order and four-space indentation: valid, but not canonical.
    path.write_text(
        valid_employer.replace("  - MijnLoket", "    - MijnLoket").replace("version: 1\n", "")
        + "version: 1\n"
    )
    path.write_text(path.read_text().replace("0d7c5a3b", "1d7c5a3b"))
    git(config_repo, "add", "-A")
    done = try_repo(config_repo, hook_repo, pre_commit_home, "mijnloket-gitops-fmt")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "files were modified by this hook" in done.stdout
    assert "reformatted employers/new.yaml" in done.stdout
    assert run_cli("fmt", "--check", path, "--repo", config_repo).exit_code == 0


def test_hooks_follow_employers_dir_from_the_configuration(
    tmp_path: Path, hook_repo: Path, pre_commit_home: Path, valid_employer: str
) -> None:
    repo = tmp_path / "config"
    shutil.copytree(EXAMPLES, repo / "werkgevers")
    (repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\nemployers_dir: werkgevers\n", encoding="utf-8"
    )
    workflow = repo / ".github" / "workflows" / "other.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on:   push\njobs: {}\n", encoding="utf-8")  # not canonical, not ours
    messy = repo / "werkgevers" / "new.yaml"
    messy.write_text(
        valid_employer.replace("  - MijnLoket", "    - MijnLoket").replace("0d7c5a3b", "1d7c5a3b")
    )
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    done = try_repo(repo, hook_repo, pre_commit_home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "files were modified by this hook" in done.stdout
    assert "  - MijnLoket\n" in messy.read_text(), "the employer file in werkgevers/ was formatted"
    assert workflow.read_text() == "on:   push\njobs: {}\n", "other YAML is left alone"
    bad = repo / "werkgevers" / "bakkerij-de-vries.yaml"
    bad.write_text(bad.read_text().replace("tier: start", "tier: pro"))
    git(repo, "add", "-A")
    failed = try_repo(repo, hook_repo, pre_commit_home, "mijnloket-gitops-validate")
    assert failed.returncode == 1 and "[tier-mismatch]" in failed.stdout, failed.stdout
