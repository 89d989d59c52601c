"""A pull request is data: the privileged plan job imports its employer files and
configuration into the base branch's checkout, refuses changed connection settings,
never follows a symlink, and records which run made the plan; apply checks that."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from mijnloket_gitops.config import load_settings
from mijnloket_gitops.gitops import provenance
from mijnloket_gitops.gitops.pr_data import FORK_UNKNOWN, PullRequestRefused, import_pull_request
from mijnloket_gitops.gitops.scaffold import template
from tests.repo_helpers import git

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
    pull = _repo(tmp_path / "pull", LOKET, {"a.yaml": valid_employer, "b.yaml": valid_employer})
    imported = import_pull_request(base, pull)
    assert imported.files == ("employers/a.yaml", "employers/b.yaml", "mijnloket-gitops.yaml")
    assert sorted(p.name for p in (base / "employers").iterdir()) == ["a.yaml", "b.yaml"]
    assert imported.notice == FORK_UNKNOWN, "not git checkouts: the folder is mirrored, and said"


WEAKENED = """safety:
  max_deactivation_share: 1.0
  max_employer_share: 1.0
  min_count_for_shares: 100000
ownership:
  removed: keep-and-flag
  unmanaged: ignore
"""


def test_a_pull_request_cannot_loosen_the_guards_its_own_plan_is_checked_against(
    tmp_path: Path, valid_employer: str
) -> None:
    """An HR clerk's pull request that deactivates everything and, in the same diff,
    raises the limits: its plan is still checked against main's limits (and the
    comment says the new ones take effect after the merge)."""
    base = _repo(tmp_path / "base", LOKET + "safety:\n  max_employer_share: 0.2\n", {})
    pull = _repo(tmp_path / "pull", LOKET + WEAKENED, {"a.yaml": valid_employer})
    imported = import_pull_request(base, pull)
    planned = load_settings(base).config
    assert planned.safety == load_settings(tmp_path / "base").config.safety
    assert planned.safety.max_employer_share == 0.2
    assert planned.safety.max_deactivation_share == 0.1
    assert planned.ownership.unmanaged == "warn"
    assert "checked against the base branch's" in imported.notice
    for line in (
        "> - **safety.max\\_deactivation\\_share**: 0.1 → 1.0",
        "> - **safety.min\\_count\\_for\\_shares**: 10 → 100000",
        '> - **ownership.unmanaged**: "warn" → "ignore"',
    ):
        assert line in imported.notice.splitlines(), imported.notice
    assert "Catalog and rules" not in imported.notice


def test_a_catalog_change_is_planned_and_flagged_for_the_approver(
    base: Path, tmp_path: Path, valid_employer: str
) -> None:
    """The catalog shapes the plan (and apply refuses a plan made with another one),
    so the pull request's is used, and listed at the top of the comment: a right
    marked as not personal data, or an HTML comment in a name, must not hide."""
    catalog = """catalog:
  rights:
    Raadplegen MijnLoket e-mailadres:
      personal_data: false
  products:
    "Evil <!-- hide -->":
      note: x
require_tier: false
"""
    pull = _repo(tmp_path / "pull", LOKET + catalog, {"a.yaml": valid_employer})
    imported = import_pull_request(base, pull)
    planned = load_settings(base)
    assert planned.config.catalog == load_settings(pull).config.catalog
    assert planned.catalog.fingerprint == load_settings(pull).catalog.fingerprint
    assert planned.config.require_tier is False
    notice = imported.notice
    assert notice.startswith("> [!IMPORTANT]\n") and "taken from this pull request" in notice
    right = "catalog.rights.Raadplegen MijnLoket e-mailadres.personal\\_data"
    assert f"> - **{right}**: not set → false" in notice
    assert "<!--" not in notice and "**catalog.products.Evil &lt;\\!-- hide --&gt;.note**" in notice
    assert "> - **require\\_tier**: true → false" in notice
    assert "Safety limits" not in notice


def test_a_pull_request_that_removes_the_configuration_is_planned_with_the_defaults(
    tmp_path: Path, valid_employer: str
) -> None:
    """Else the plan would be made with main's catalog and refused after the merge,
    which has none (another catalog fingerprint)."""
    extended = "version: 1\ncatalog:\n  products:\n    Verlof:\n      note: ours\n"
    base = _repo(tmp_path / "base", extended, {})
    pull = _repo(tmp_path / "pull", "", {"a.yaml": valid_employer})
    (pull / "mijnloket-gitops.yaml").unlink()
    imported = import_pull_request(base, pull)
    assert imported.files == ("employers/a.yaml",)
    assert load_settings(base).catalog.fingerprint == load_settings(pull).catalog.fingerprint
    assert 'catalog.products.Verlof.note**: "ours" → not set' in imported.notice


def test_the_planned_configuration_is_the_effective_one_not_the_pull_requests_yaml(
    base: Path, tmp_path: Path
) -> None:
    """Only validated settings reach the base checkout: YAML anchors, comments and
    anything else in the pull request's file are not copied byte for byte."""
    pull = _repo(tmp_path / "pull", LOKET + "# planted comment\n", {})
    import_pull_request(base, pull)
    written = (base / "mijnloket-gitops.yaml").read_text()
    assert "planted" not in written
    assert load_settings(base).config == load_settings(pull).config


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


def test_a_symlink_above_the_checkout_drops_no_file_and_one_inside_drops_all(
    tmp_path: Path, valid_employer: str
) -> None:
    """A runner's work folder below a symlink (macOS /tmp, a self-hosted runner) must
    not make every file look linked (the plan would show every employer unmanaged);
    a folder of the pull request that is a link is skipped whole."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "work").symlink_to(real)
    base = _repo(tmp_path / "work" / "base", LOKET, {})
    pull = _repo(tmp_path / "work" / "pull", LOKET, {"a.yaml": valid_employer})
    assert import_pull_request(base, pull).files == ("employers/a.yaml", "mijnloket-gitops.yaml")
    nested = "version: 1\nemployers_dir: config/employers\n"
    base = _repo(tmp_path / "base2", nested, {})
    outside = _repo(tmp_path / "outside", nested, {})
    (outside / "config" / "employers").mkdir(parents=True)
    (outside / "config" / "employers" / "x.yaml").write_text(valid_employer)
    pull = _repo(tmp_path / "pull2", nested, {})
    (pull / "config").symlink_to(outside / "config")
    imported = import_pull_request(base, pull)
    assert imported.skipped == ("config/employers",)
    assert list((base / "config" / "employers").iterdir()) == []


def test_cli_import_refuses_with_exit_3_and_says_why_in_the_notice(
    base: Path, tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    notice = tmp_path / "temp" / "settings.md"
    pull = _repo(tmp_path / "pull", LOKET + "  api_url: https://attacker.example\n", {})
    args = ("--from", pull, "--repo", base, "--notice", notice)
    result = run_cli("github", "import-pull-request", *args)
    assert result.exit_code == 3
    assert "changes provider.api_url in mijnloket-gitops.yaml" in result.output
    text = notice.read_text()
    assert text.startswith("> [!CAUTION]\n> **No plan: this pull request changes where")
    assert "changes provider.api\\_url in mijnloket-gitops.yaml" in text
    assert "attacker" not in text  # names the setting, never echoes the new value


def test_a_skipped_files_name_cannot_start_a_workflow_command(
    base: Path, tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    pull = _repo(tmp_path / "pull", LOKET, {})
    (pull / "employers" / "x\n::error title=SPOOF::y.yaml").symlink_to(tmp_path)
    result = run_cli("github", "import-pull-request", "--from", pull, "--repo", base)
    assert result.exit_code == 0, result.output
    assert "::warning title=Skipped (not a regular file)::employers/x%0A::error" in result.output
    assert not any(line.startswith("::error") for line in result.output.splitlines())


def test_cli_import_writes_the_notice_and_removes_an_old_one(
    base: Path, tmp_path: Path, run_cli: Callable[..., Result], valid_employer: str
) -> None:
    notice = tmp_path / "temp" / "mijnloket-plan" / "settings.md"
    pull = _repo(tmp_path / "pull", LOKET + WEAKENED, {"a.yaml": valid_employer})
    args = ("github", "import-pull-request", "--from", pull, "--repo", base, "--notice", notice)
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert "safety.max\\_deactivation\\_share" in notice.read_text()
    shutil.rmtree(pull)
    _repo(tmp_path / "pull", LOKET, {"a.yaml": valid_employer})
    assert run_cli(*args).exit_code == 0
    assert notice.read_text() == FORK_UNKNOWN, "the old notice is gone (not git: mirrored)"


def test_a_new_catalog_entry_missing_a_field_is_a_clear_error_not_a_crash(
    base: Path, tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    config = LOKET + "catalog:\n  rights:\n    Nieuw recht:\n      personal_data: false\n"
    pull = _repo(tmp_path / "pull", config, {})
    result = run_cli("github", "import-pull-request", "--from", pull, "--repo", base)
    assert result.exit_code == 1, result.output
    assert "mijnloket-gitops.yaml:7:5: catalog right 'Nieuw recht': user_types:" in result.output
    assert "bug" not in result.output


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


def test_end_to_end_a_pull_request_cannot_raise_the_limit_its_plan_exceeds(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """main allows no employer to change; the pull request raises that limit and makes
    changes in the same diff. Its plan is refused (exit 3) by main's limit, the notice
    says why, and the same files with its own limit would have planned."""
    examples = Path(__file__).resolve().parent.parent / "employers"
    strict = "version: 1\nsafety:\n  max_employer_share: 0.0\n  min_count_for_shares: 0\n"
    loose = strict.replace("0.0", "1.0")
    base, pull, temp = tmp_path / "base", tmp_path / "pull-request", tmp_path / "runner-temp"
    for root, config in ((base, strict), (pull, loose)):
        shutil.copytree(examples, root / "employers")
        (root / "mijnloket-gitops.yaml").write_text(config)
    changed = pull / "employers" / "bakkerij-de-vries.yaml"
    text = changed.read_text()
    changed.write_text(text.replace("  - MijnLoket - Verzekeringen vergelijken\n", ""))
    assert changed.read_text() != text  # the pull request's change: one deactivation
    monkeypatch.setenv("RUNNER_TEMP", str(temp))
    notice = temp / "mijnloket-plan" / "settings.md"
    # live state: main's files (seeded before the import; the same for both plans)
    assert run_cli("github", "prepare-provider", "--repo", base).exit_code == 0
    shutil.copytree(base / ".mijnloket", pull / ".mijnloket")
    args = ("--from", pull, "--repo", base, "--notice", notice)
    assert run_cli("github", "import-pull-request", *args).exit_code == 0
    assert "**safety.max\\_employer\\_share**: 0.0 → 1.0" in notice.read_text()
    monkeypatch.setenv("INPUT_COMMAND", "plan")
    monkeypatch.setenv("INPUT_PLAN_FILE", str(temp / "mijnloket-plan" / "plan.json"))
    monkeypatch.setenv("INPUT_WORKING_DIRECTORY", str(base))
    refused = run_cli("github", "run-action")
    assert refused.exit_code == 3, refused.output
    monkeypatch.setenv("INPUT_WORKING_DIRECTORY", str(pull))
    assert run_cli("github", "run-action").exit_code == 0  # its own limit: planned


def test_end_to_end_a_pull_request_deleting_an_employer_file_names_it_in_the_plan(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workflow_run job has no GITHUB_BASE_REF: the Plan step of
    mijnloket-pr-plan.yml passes --base origin/<default branch>, the ref actions/checkout
    leaves for main's checkout. The file the pull request deletes is gone after the
    import, its employer is "newly unmanaged since origin/main" and that is a change."""
    examples = Path(__file__).resolve().parent.parent / "employers"
    base, pull, temp = tmp_path / "base", tmp_path / "pull-request", tmp_path / "runner-temp"
    shutil.copytree(examples, base / "employers")
    shutil.copytree(examples, pull / "employers")
    (pull / "employers" / "bakkerij-de-vries.yaml").unlink()  # the pull request's change
    (base / ".gitignore").write_text(".mijnloket/\n")
    git(base, "init", "-q", "-b", "main")
    git(base, "add", ".")
    git(base, "commit", "-qm", "main")
    git(base, "update-ref", "refs/remotes/origin/main", "HEAD")  # as actions/checkout does
    monkeypatch.setenv("RUNNER_TEMP", str(temp))
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    outputs = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    # live state: main's files, applied (seeded before the import)
    assert run_cli("github", "prepare-provider", "--repo", base).exit_code == 0
    assert run_cli("github", "import-pull-request", "--from", pull, "--repo", base).exit_code == 0
    assert not (base / "employers" / "bakkerij-de-vries.yaml").exists()  # deletion mirrored

    step = yaml.safe_load(template("mijnloket-pr-plan.yml"))["jobs"]["plan"]["steps"]
    (plan_step,) = [s for s in step if s.get("id") == "plan"]
    default_branch = "${{ github.event.repository.default_branch }}"
    args = plan_step["with"]["args"].replace(default_branch, "main")
    monkeypatch.setenv("INPUT_COMMAND", "plan")
    monkeypatch.setenv("INPUT_WORKING_DIRECTORY", str(base))
    monkeypatch.setenv("INPUT_PLAN_FILE", str(temp / "mijnloket-plan" / "plan.json"))
    monkeypatch.setenv("INPUT_ARGS", args)
    planned = run_cli("github", "run-action")
    assert planned.exit_code == 0, planned.output
    assert "exit-code=2\nhas-changes=true\n" in outputs.read_text()
    comment = (temp / "mijnloket-plan" / "plan.md").read_text()
    assert "Newly unmanaged since origin/main" in comment, comment
    assert "employers/bakkerij-de-vries.yaml was removed" in comment


# The pull request's changes on top of main, as merging gives (both checkouts with
# their history, as mijnloket-pr-plan.yml makes them with fetch-depth: 0).


@pytest.fixture
def forked(tmp_path: Path, valid_employer: str) -> tuple[Path, Path]:
    """main (``base``) and a pull request branched from it (``pull``); since then the
    pull request added b.yaml and deleted old.yaml, and main gained c.yaml."""
    base = _repo(tmp_path / "base", LOKET, {"a.yaml": valid_employer, "old.yaml": valid_employer})
    git(base, "init", "-q", "-b", "main")
    git(base, "add", ".")
    git(base, "commit", "-qm", "fork point")
    pull = tmp_path / "pull-request"
    git(tmp_path, "clone", "-q", str(base), str(pull))
    (pull / "employers" / "b.yaml").write_text(valid_employer)
    (pull / "employers" / "old.yaml").unlink()
    git(pull, "add", "-A")
    git(pull, "commit", "-qm", "the pull request")
    (base / "employers" / "c.yaml").write_text(valid_employer)
    git(base, "add", "-A")
    git(base, "commit", "-qm", "main moves on")
    return base, pull


def test_main_s_newer_files_stay_and_only_the_pull_request_s_changes_are_taken(
    forked: tuple[Path, Path],
) -> None:
    """Mirroring the pull request's folder would delete c.yaml, which main gained after
    the branch left it: its employer would show as "newly unmanaged" in a comment about
    a pull request that never touched it."""
    base, pull = forked
    config = (base / "mijnloket-gitops.yaml").read_text()
    imported = import_pull_request(base, pull)
    assert sorted(p.name for p in (base / "employers").iterdir()) == ["a.yaml", "b.yaml", "c.yaml"]
    assert imported.files == ("employers/b.yaml",)
    assert imported.notice == "", "the configuration is untouched: nothing to flag"
    assert (base / "mijnloket-gitops.yaml").read_text() == config


def test_a_setting_main_changed_after_the_fork_is_no_change_of_the_pull_request(
    forked: tuple[Path, Path],
) -> None:
    base, pull = forked
    moved = LOKET.replace("acceptance", "production") + "safety:\n  max_employer_share: 0.5\n"
    (base / "mijnloket-gitops.yaml").write_text(moved)
    git(base, "commit", "-qam", "main goes to production")
    imported = import_pull_request(base, pull)  # not refused: the branch changed no setting
    assert imported.notice == ""
    assert (base / "mijnloket-gitops.yaml").read_text() == moved


def test_a_configuration_the_pull_request_changed_is_checked_and_flagged(
    forked: tuple[Path, Path],
) -> None:
    base, pull = forked
    (pull / "mijnloket-gitops.yaml").write_text(LOKET + "require_tier: false\n")
    git(pull, "commit", "-qam", "no tiers")
    imported = import_pull_request(base, pull)
    assert "> - **require\\_tier**: true → false" in imported.notice
    assert FORK_UNKNOWN not in imported.notice
    assert load_settings(base).config.require_tier is False
    (pull / "mijnloket-gitops.yaml").write_text(LOKET.replace("acceptance", "production"))
    git(pull, "commit", "-qam", "and the environment")
    with pytest.raises(PullRequestRefused, match=r"provider\.environment"):
        import_pull_request(base, pull)


def test_a_file_the_pull_request_made_a_symlink_is_skipped_and_not_kept(
    forked: tuple[Path, Path],
) -> None:
    base, pull = forked
    (pull / "employers" / "a.yaml").unlink()
    (pull / "employers" / "a.yaml").symlink_to("/etc/passwd")
    git(pull, "add", "-A")
    git(pull, "commit", "-qm", "a symlink")
    imported = import_pull_request(base, pull)
    assert imported.skipped == ("employers/a.yaml",)
    assert not (base / "employers" / "a.yaml").exists()
    assert sorted(p.name for p in (base / "employers").iterdir()) == ["b.yaml", "c.yaml"]


def test_a_folder_the_pull_request_made_a_file_is_replaced_or_refused(
    forked: tuple[Path, Path], valid_employer: str
) -> None:
    base, pull = forked
    (base / "employers" / "x").mkdir()
    (base / "employers" / "x" / "a.yaml").write_text(valid_employer)
    git(base, "add", "-A")
    git(base, "commit", "-qm", "a folder")
    git(pull, "pull", "-q", "--no-rebase", "--no-edit", str(base), "main")
    shutil.rmtree(pull / "employers" / "x")
    (pull / "employers" / "x").write_text(valid_employer)
    git(pull, "add", "-A")
    git(pull, "commit", "-qm", "the folder becomes a file")
    (base / "employers" / "x" / "later.yaml").write_text(valid_employer)
    git(base, "add", "-A")
    git(base, "commit", "-qm", "main adds to the folder")
    with pytest.raises(PullRequestRefused, match="merge the base branch into it first"):
        import_pull_request(base, pull)
    git(base, "rm", "-q", "employers/x/later.yaml")
    git(base, "commit", "-qm", "main takes it back")
    imported = import_pull_request(base, pull)
    assert (base / "employers" / "x").is_file()
    assert "employers/x" in imported.files


def test_a_shallow_checkout_is_mirrored_and_the_comment_says_so(
    forked: tuple[Path, Path], tmp_path: Path
) -> None:
    base, pull = forked
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{pull}", str(shallow))
    imported = import_pull_request(base, shallow)
    assert imported.notice == FORK_UNKNOWN
    assert sorted(p.name for p in (base / "employers").iterdir()) == ["a.yaml", "b.yaml"]


def test_cli_import_removes_an_old_notice_when_there_is_nothing_to_say(
    forked: tuple[Path, Path], tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    base, pull = forked
    notice = tmp_path / "temp" / "settings.md"
    notice.parent.mkdir()
    notice.write_text("from an earlier run\n")
    done = run_cli(
        "github", "import-pull-request", "--from", pull, "--repo", base, "--notice", notice
    )
    assert done.exit_code == 0, done.output
    assert not notice.exists()


def test_the_plan_workflow_checks_out_both_histories() -> None:
    steps = yaml.safe_load(template("mijnloket-pr-plan.yml"))["jobs"]["plan"]["steps"]
    checkouts = [s for s in steps if "actions/checkout" in str(s.get("uses", ""))]
    assert len(checkouts) == 2
    assert all(s["with"]["fetch-depth"] == 0 for s in checkouts)


def test_a_config_key_from_the_pull_request_cannot_start_a_workflow_command(
    base: Path, tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    """The privileged step printed the pull request's config errors as they were: a key
    holding a line break reached stderr as ``::add-mask::`` or a fake ``::error``."""
    config = LOKET + '"x\\n::error title=SPOOF::y\\n::add-mask::z": 1\n'
    pull = _repo(tmp_path / "pull", config, {})
    result = run_cli("github", "import-pull-request", "--from", pull, "--repo", base)
    assert result.exit_code == 1, result.output
    assert "SPOOF" in result.stderr  # the message names the key ...
    lines = result.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[start].removeprefix("::stop-commands::")
    end = lines.index(f"::{token}::")
    outside = lines[:start] + lines[end + 1 :]
    assert not any(line.startswith("::") for line in outside), lines  # ... only as text
    assert any("SPOOF" in line for line in lines[start:end])


def test_a_price_change_is_flagged_and_the_cost_uses_the_base_branchs_prices() -> None:
    """``pricing`` was neither taken from main nor flagged: a pull request could lower a
    tier's price with its upgrade and show the cost as "(unchanged)"."""
    from mijnloket_gitops.config import RepoConfig
    from mijnloket_gitops.gitops.pr_settings import effective, notice

    base = RepoConfig.model_validate({"pricing": {"tiers": {"start": 10, "plus": 30}}})
    pull = RepoConfig.model_validate({"pricing": {"tiers": {"start": 10, "plus": 10}}})
    assert effective(base, pull).pricing == base.pricing
    said = notice(base, pull)
    assert "Prices: the cost in this comment is at the base branch's prices" in said
    assert "**pricing.tiers.plus**: 30.0 → 10.0" in said
    assert notice(base, base) == ""


def test_changes_outside_the_employer_files_and_the_config_head_the_comment(
    forked: tuple[Path, Path], run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    """A pull request that also edited a workflow (dropping ``environment:
    loket-approval``) or force-added .mijnloket/ got the same clean plan comment, and
    the apply's approver saw nothing: a CAUTION banner lists those paths, in the notice
    that heads the comment and the apply summary (settings.md)."""
    base, pull = forked
    (pull / ".github" / "workflows").mkdir(parents=True)
    (pull / ".github" / "workflows" / "mijnloket-apply.yml").write_text("on: push\n")
    (pull / ".mijnloket").mkdir()
    (pull / ".mijnloket" / "journal.json").write_text("{}\n")
    git(pull, "add", "-A", "-f")
    git(pull, "commit", "-qm", "and the workflows")
    notice = tmp_path / "settings.md"
    args = ("--from", pull, "--repo", base, "--notice", notice)
    result = run_cli("github", "import-pull-request", *args)
    assert result.exit_code == 0, result.output
    said = notice.read_text()
    assert said.startswith("> [!CAUTION]\n> **This pull request also changes files outside")
    assert "> - .github/workflows/mijnloket-apply.yml\n" in said
    assert "> - .mijnloket/journal.json\n" in said
    assert "employers/b.yaml" not in said  # employer files are the plan's


def test_a_pull_request_of_employer_files_only_gets_no_banner(
    forked: tuple[Path, Path],
) -> None:
    base, pull = forked
    assert import_pull_request(base, pull).notice == ""
