"""``init``: a new configuration repository that works at once on the sandbox, and
that is never written over."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from mijnloket_gitops.gitops import scaffold
from mijnloket_gitops.gitops.scaffold import (
    DEFAULT_REPOSITORY,
    TEMPLATES,
    Source,
    inside_git,
    rendered,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "employers"


COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> list[Source]:
    """init asks GitHub for the tag's commit: here the answer is COMMIT, offline."""
    asked: list[Source] = []

    def resolve(source: Source, timeout: float = 20.0) -> Source:
        asked.append(source)
        return source if source.pinned else replace(source, commit=COMMIT)

    monkeypatch.setattr("mijnloket_gitops.cli.init_cmd.resolve", resolve)
    return asked


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


def test_init_in_an_existing_repository_keeps_its_files(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "README.md").write_text("mine\n")
    (tmp_path / "LICENSE").write_text("MIT\n")
    (tmp_path / ".gitignore").write_text("*.pyc\n")
    result = run_cli("init", tmp_path)
    assert result.exit_code == 0, result.output
    assert "  skipped README.md (exists; --force overwrites it)\n" in result.output
    assert "  added the missing lines to .gitignore\n" in result.output
    assert (tmp_path / "README.md").read_text() == "mine\n"
    assert (tmp_path / "LICENSE").read_text() == "MIT\n"
    ignored = (tmp_path / ".gitignore").read_text().splitlines()
    assert ignored[0] == "*.pyc" and ".mijnloket/" in ignored
    assert (tmp_path / "employers" / "example.yaml").is_file()
    assert "git init" not in result.output  # it is a git repository already
    assert f"Next: cd {tmp_path} && mijnloket-gitops validate" in result.output

    again = run_cli("init", tmp_path)
    assert "added the missing lines" not in again.output  # nothing left to add
    assert "  skipped mijnloket-gitops.yaml" in again.output
    forced = run_cli("init", tmp_path, "--force")
    assert forced.exit_code == 0 and "  created README.md" in forced.output
    assert "MijnLoket configuration" in (tmp_path / "README.md").read_text()


def test_init_outside_git_says_to_git_init(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli("init", tmp_path / "new")
    assert not inside_git(tmp_path) and "&& git init &&" in result.output


def test_the_action_is_pinned_to_a_commit(
    tmp_path: Path, run_cli: Callable[..., Result], offline: list[Source]
) -> None:
    assert run_cli("init", tmp_path).exit_code == 0
    workflow = (tmp_path / ".github" / "workflows" / "mijnloket-apply.yml").read_text()
    assert f"uses: {DEFAULT_REPOSITORY}@{COMMIT} # v" in workflow
    assert offline[0].ref.startswith("v")


def test_resolve_asks_git_for_the_tags_commit(tmp_path: Path) -> None:
    """resolve() against a local repository standing in for GitHub (no network)."""
    origin = tmp_path / "acme" / "mijnloket-gitops"
    origin.mkdir(parents=True)
    git = ["git", "-C", str(origin), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(origin)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    subprocess.run([*git, "tag", "-a", "v1.2.3", "-m", "v1.2.3"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    source = Source("acme/mijnloket-gitops", "v1.2.3")
    found = scaffold.resolve(source, base_url=tmp_path.as_uri())
    assert found.commit == head.strip() and found.pinned
    assert found.action == f"acme/mijnloket-gitops@{head.strip()} # v1.2.3"
    assert scaffold.resolve(Source("acme/other", "v1"), base_url=tmp_path.as_uri()).commit is None


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
    assert f"uses: acme/mijnloket-gitops@{COMMIT} # v2.1.0" in workflow
    assert "__" not in workflow
    assert ".mijnloket/" in (tmp_path / ".gitignore").read_text().splitlines()
    config = (tmp_path / "mijnloket-gitops.yaml").read_text()
    assert "type: sandbox" in config and "#   type: loket" in config


def test_bad_source(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli("init", tmp_path, "--source", "not a repo")
    assert result.exit_code == 1 and "OWNER/NAME" in result.output
    assert Source.parse("a/b").ref == Source().ref
    assert "__" not in rendered("mijnloket-pr.yml", Source())


def test_an_unresolved_tag_is_refused(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offline, the action's tag cannot be pinned: init wrote the tag with a warning and
    exit 0, and the workflows holding the ``loket`` environment then ran whatever the
    tag pointed at later. Now nothing is written without --allow-unpinned."""
    monkeypatch.setattr("mijnloket_gitops.cli.init_cmd.resolve", lambda source: source)
    result = run_cli("init", tmp_path / "new", "--source", "acme/mijnloket-gitops@v2.1.0")
    assert result.exit_code == 1, result.output
    assert "could not find the commit of acme/mijnloket-gitops@v2.1.0" in result.output
    assert "--allow-unpinned" in result.output
    assert not (tmp_path / "new").exists()


def test_a_release_pins_its_own_commit_offline(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mijnloket_gitops.cli.init_cmd.resolve", scaffold.resolve)
    monkeypatch.setattr(scaffold, "release_commit", lambda: COMMIT)
    monkeypatch.setattr("mijnloket_gitops.gitops.scaffold.subprocess.run", _no_network)
    result = run_cli("init", tmp_path)
    assert result.exit_code == 0, result.output
    workflow = (tmp_path / ".github" / "workflows" / "mijnloket-pr.yml").read_text()
    assert f"uses: {DEFAULT_REPOSITORY}@{COMMIT} # {Source().ref}\n" in workflow
    other = scaffold.resolve(Source("acme/fork", "v1"), base_url=(tmp_path / "x").as_uri())
    assert not other.pinned  # the release's commit is for its own source only


def _no_network(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
    raise OSError("offline")


def test_release_commit_is_read_from_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert scaffold.release_commit() is None  # a source checkout carries none
    monkeypatch.setattr("mijnloket_gitops.gitops.scaffold.resources.files", lambda _: tmp_path)
    assert scaffold.release_commit() is None
    (tmp_path / scaffold.RELEASE_COMMIT).write_text(COMMIT + "\n")
    assert scaffold.release_commit() == COMMIT
    (tmp_path / scaffold.RELEASE_COMMIT).write_text("not a commit\n")
    assert scaffold.release_commit() is None


def test_an_unresolved_tag_is_written_with_a_warning_when_allowed(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mijnloket_gitops.cli.init_cmd.resolve", lambda source: source)
    result = run_cli(
        "init", tmp_path, "--source", "acme/mijnloket-gitops@v2.1.0", "--allow-unpinned"
    )
    assert result.exit_code == 0, result.output
    assert "warning: could not find the commit of acme/mijnloket-gitops@v2.1.0" in result.output
    workflow = (tmp_path / ".github" / "workflows" / "mijnloket-pr.yml").read_text()
    assert "uses: acme/mijnloket-gitops@v2.1.0\n" in workflow


def test_init_scaffolds_codeowners_for_workflows_state_and_config(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    """A pull request editing .github/workflows or force-adding .mijnloket/ got the same
    clean plan comment: CODEOWNERS makes a named reviewer approve those paths."""
    result = run_cli("init", tmp_path / "a", "--code-owner", "@acme/loket-admins")
    assert result.exit_code == 0, result.output
    owners = (tmp_path / "a" / ".github" / "CODEOWNERS").read_text()
    for path in ("/.github/", "/.mijnloket/", "/mijnloket-gitops.yaml"):
        assert f"\n{path} @acme/loket-admins\n" in owners + "\n"
    unnamed = run_cli("init", tmp_path / "b")
    assert "# /.github/ @OWNER" in (tmp_path / "b" / ".github" / "CODEOWNERS").read_text()
    assert "Name who must review" in unnamed.output
    bad = run_cli("init", tmp_path / "c", "--code-owner", "acme")
    assert bad.exit_code == 1 and "@USER or @ORG/TEAM" in bad.output
