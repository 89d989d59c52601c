"""The scaffolded workflows, action.yml and ci.yml as an attacker would read them:
zizmor finds nothing at its default persona, every third-party action is pinned to
the commit of the tag its comment names, the action installs only hash-locked
dependencies, secrets reach only the steps that need them, and each job has a
timeout and no checkout that keeps credentials."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mijnloket_gitops.gitops.pins import ACTIONS
from mijnloket_gitops.gitops.scaffold import TEMPLATES, Source, rendered

ROOT = Path(__file__).resolve().parent.parent
COMMIT = "0123456789abcdef0123456789abcdef01234567"
SOURCE = Source("acme/mijnloket-gitops", "v1.2.3", COMMIT)
WORKFLOWS = {p: n for p, n in TEMPLATES.items() if p.startswith(".github/workflows/")}
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")


def _scaffolded() -> dict[str, str]:
    return {path: rendered(name, SOURCE) for path, name in WORKFLOWS.items()}


def _all_files() -> dict[str, str]:
    files = _scaffolded()
    files["action.yml"] = (ROOT / "action.yml").read_text(encoding="utf-8")
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        files[f"this repository: {path.name}"] = path.read_text(encoding="utf-8")
    return files


def _uses(text: str) -> Iterator[tuple[str, str]]:
    for line in text.splitlines():
        if match := USES.match(line):
            yield match["ref"], match["rest"].strip()


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor_finds_nothing(tmp_path: Path, persona: str) -> None:
    """Zero findings at the default persona, and at the auditor's: what remains is
    ignored in place, with the reason next to the ignore comment."""
    binary = shutil.which("zizmor")
    if binary is None:
        pytest.fail("zizmor is not installed; `pip install -e '.[test]'` installs it")
    files = {path: rendered(name, SOURCE) for path, name in TEMPLATES.items()}
    for path in [*WORKFLOWS, ".github/dependabot.yml"]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(files[path], encoding="utf-8")
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    shutil.copy(ROOT / ".github" / "workflows" / "ci.yml", tmp_path / ".github/workflows/ci.yml")
    done = subprocess.run(
        [binary, "--offline", "--no-progress", "--persona", persona, "--format", "plain", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr


def test_every_third_party_action_is_pinned_to_its_tags_commit() -> None:
    for name, text in _all_files().items():
        for ref, comment in _uses(text):
            if ref.startswith("./") or ref.startswith("acme/mijnloket-gitops@"):
                continue
            action, _, commit = ref.partition("@")
            assert re.fullmatch(r"[0-9a-f]{40}", commit), f"{name}: {ref} is not pinned"
            assert action in ACTIONS, f"{name}: {action} is not in pins.ACTIONS"
            pin = ACTIONS[action]
            assert (commit, comment) == (pin.commit, f"# {pin.tag}"), f"{name}: {ref} {comment}"
    for action, pin in ACTIONS.items():
        assert re.fullmatch(r"[0-9a-f]{40}", pin.commit), action
        assert re.fullmatch(r"v\d+\.\d+\.\d+", pin.tag), action


def test_the_action_itself_is_pinned_in_every_scaffolded_workflow() -> None:
    for path, text in _scaffolded().items():
        if path.endswith("mijnloket-review.yml"):  # issue 23: runs no action at all
            assert list(_uses(text)) == []
            continue
        ours = [(r, c) for r, c in _uses(text) if r.startswith("acme/mijnloket-gitops@")]
        assert ours, path
        assert set(ours) == {(f"acme/mijnloket-gitops@{COMMIT}", "# v1.2.3")}, path


def _jobs(text: str) -> dict[str, dict[str, Any]]:
    return dict(yaml.safe_load(text)["jobs"])


def test_jobs_have_timeouts_and_checkouts_keep_no_credentials() -> None:
    for name, text in _all_files().items():
        if name == "action.yml":
            continue
        for job_name, job in _jobs(text).items():
            assert isinstance(job.get("timeout-minutes"), int), f"{name}: {job_name}"
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, f"{name}: {job_name}"


def test_secrets_reach_only_jobs_in_the_loket_environment() -> None:
    """Secrets live in the environment `loket` (deployment branches: main), so a pull
    request that edits a workflow cannot reach them."""
    for path, text in _scaffolded().items():
        for job_name, job in _jobs(text).items():
            if "secrets." in yaml.safe_dump(job):
                assert job.get("environment") == "loket", f"{path}: {job_name}"


def test_the_pull_request_workflow_holds_nothing_worth_stealing() -> None:
    text = _scaffolded()[".github/workflows/mijnloket-pr.yml"]
    workflow = yaml.safe_load(text)
    assert list(workflow[True]) == ["pull_request"]  # PyYAML reads `on` as True
    assert "secrets." not in text and "environment" not in text
    for job in workflow["jobs"].values():
        assert set(job["permissions"]) <= {"contents", "security-events"}
        assert job["permissions"]["contents"] == "read"


def test_the_plan_job_never_runs_the_pull_request() -> None:
    """workflow_run runs main's file; the pull request is checked out to its own folder,
    after the tool was installed, and only read by import-pull-request."""
    workflow = yaml.safe_load(_scaffolded()[".github/workflows/mijnloket-pr-plan.yml"])
    assert list(workflow[True]) == ["workflow_run"]
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    assert steps[0]["with"]["command"] == "setup"
    pull = next(i for i, s in enumerate(steps) if s.get("with", {}).get("path") == "pull-request")
    for step in steps[pull + 1 :]:
        folder = re.findall(r"(?<![-\w])pull-request(?![-\w])", step.get("run", ""))
        assert not folder or "import-pull-request --from pull-request" in step["run"]
        assert step.get("with", {}).get("working-directory", "base") == "base"


def test_pull_requests_from_forks_get_no_plan() -> None:
    """A fork's author has no access to the repository: a plan would post live state
    (logins, rights) to them and spend the Loket.nl token on their behalf, and
    actions/checkout v7 refuses a fork's code in a workflow_run job anyway."""
    text = _scaffolded()[".github/workflows/mijnloket-pr-plan.yml"]
    (job,) = yaml.safe_load(text)["jobs"].values()
    condition = " ".join(job["if"].split())
    assert "github.event.workflow_run.event == 'pull_request'" in condition
    assert "github.event.workflow_run.head_repository.full_name == github.repository" in condition
    # a push cancels the checks of the commit before it: no plan (and no token spent) for it
    assert "github.event.workflow_run.conclusion != 'cancelled'" in condition
    assert "&&" in condition and "||" not in condition
    assert "allow-unsafe-pr-checkout" not in text


def test_the_settings_notice_reaches_the_comment_and_the_apply_summary() -> None:
    """What a pull request changes besides employer files is written next to the plan
    (so the artifact carries it), put first in the comment, and shown by apply."""
    notice = "$RUNNER_TEMP/mijnloket-plan/settings.md"
    (job,) = _jobs(_scaffolded()[".github/workflows/mijnloket-pr-plan.yml"]).values()
    runs = {step.get("name", ""): step.get("run", "") for step in job["steps"]}
    assert f'--notice "{notice}"' in runs["Take the pull request's employer files"]
    comment = runs["Post the plan on the pull request"]
    assert comment.count('--notice-file "$notice"') == 2 and f'notice="{notice}"' in comment
    upload = next(s for s in job["steps"] if s.get("name") == "Save the plan for apply")
    assert upload["with"]["path"] == "${{ runner.temp }}/mijnloket-plan/"
    apply = _jobs(_scaffolded()[".github/workflows/mijnloket-apply.yml"])["reviewed"]
    assert any("for part in settings.md plan.md" in s.get("run", "") for s in apply["steps"])


def test_the_app_token_uses_the_client_id_not_the_deprecated_app_id() -> None:
    """create-github-app-token v3 marks `app-id` deprecated ("Use 'client-id'
    instead"): every run would warn, and a later major removes it."""
    steps = 0
    for path, text in _scaffolded().items():
        for job in _jobs(text).values():
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/create-github-app-token@"):
                    steps += 1
                    assert "app-id" not in step["with"], path
                    assert step["with"]["client-id"] == "${{ vars.MIJNLOKET_APP_CLIENT_ID }}"
                    assert step["if"] == "vars.MIJNLOKET_APP_CLIENT_ID != ''", path
    assert steps == 4


def test_only_the_token_steps_of_the_action_see_the_secrets_token() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    holders = [
        step["name"]
        for step in action["runs"]["steps"]
        if "inputs.secrets-token" in yaml.safe_dump(step)
    ]
    assert holders == [
        "Restore the provider's state (Loket.nl token store, or a seeded sandbox)",
        "mijnloket-gitops ${{ inputs.command }}",
        "Save the rotated Loket.nl refresh token",
    ]
    install = action["runs"]["steps"][1]["run"]
    assert "--require-hashes" in install and '/bin/python" -P -m pip' in install
    assert "requirements/action.txt" in install


def test_dispatch_and_drift_only_from_the_default_branch() -> None:
    files = _scaffolded()
    apply = _jobs(files[".github/workflows/mijnloket-apply.yml"])
    assert "github.ref_name == github.event.repository.default_branch" in apply["replan"]["if"]
    assert "check-tip" in yaml.safe_dump(apply["apply"])
    assert "concurrency" not in apply["approve"]  # the wait holds no token group
    drift = _jobs(files[".github/workflows/mijnloket-drift.yml"])
    # The schedule event's payload holds no `repository`: comparing with its default
    # branch alone would skip every scheduled check.
    assert drift["drift"]["if"] == (
        "github.event_name == 'schedule' || "
        "github.ref_name == github.event.repository.default_branch"
    )


def test_every_token_job_waits_in_line_and_nothing_else_holds_the_token_group() -> None:
    """Loket.nl's token rotates on use: one job at a time, and a pending apply must
    never be replaced by a newer PR plan (queue: max keeps every pending run)."""
    holders = set()
    for path, text in _scaffolded().items():
        for job_name, job in _jobs(text).items():
            uses_token = "secrets.LOKET_TOKEN_STORE" in yaml.safe_dump(job)
            group = job.get("concurrency", {})
            assert uses_token == (group.get("group") == "mijnloket-loket-token"), job_name
            if uses_token:
                assert (group["cancel-in-progress"], group["queue"]) == (False, "max")
                holders.add(f"{path}:{job_name}")
    assert len(holders) == 4  # PR plan, hand-run plan, apply, drift


def test_artifacts_with_live_state_are_kept_briefly() -> None:
    for path, text in _scaffolded().items():
        for job in _jobs(text).values():
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/upload-artifact@"):
                    days = step["with"]["retention-days"]
                    if isinstance(days, str):  # configurable, with the default after ||
                        default = re.fullmatch(r"\$\{\{ vars\.\w+ \|\| (\d+) \}\}", days)
                        assert default is not None, days
                        days = int(default[1])
                    journal = step["with"]["name"] == "mijnloket-journal"
                    assert days <= (90 if journal else 7), f"{path}: {step['name']}"


def _requirement_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line):
            names.add(match[1].lower().replace("_", "-"))
    return names


def test_the_hash_lock_covers_every_dependency() -> None:
    lock = (ROOT / "requirements" / "action.txt").read_text(encoding="utf-8")
    locked = _requirement_names(lock)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for dependency in project["project"]["dependencies"]:
        name = re.split(r"[<>=!~;\[ ]", dependency, maxsplit=1)[0].lower()
        assert name.replace("_", "-") in locked, f"{name} is not in requirements/action.txt"
    assert "setuptools" in locked  # builds the action without build isolation
    blocks = re.split(r"\n(?=[A-Za-z])", lock.split("\n\n", 1)[1])
    for block in blocks:
        if "==" in block:
            assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_pull_request_plan_compares_ownership_with_mains_checkout() -> None:
    """The workflow_run job has no GITHUB_BASE_REF: plan gets --base origin/<default
    branch>, the ref actions/checkout leaves for main's checkout (no `ref:`, so it is
    the default branch's commit the pull request's files replace)."""
    (job,) = _jobs(_scaffolded()[".github/workflows/mijnloket-pr-plan.yml"]).values()
    base = next(s for s in job["steps"] if s.get("with", {}).get("path") == "base")
    assert "ref" not in base["with"] and "repository" not in base["with"]
    plan = next(s for s in job["steps"] if s.get("id") == "plan")
    assert plan["with"]["working-directory"] == "base"
    assert plan["with"]["args"] == "--base origin/${{ github.event.repository.default_branch }}"


def test_the_plan_comment_says_until_when_apply_accepts_the_plan() -> None:
    """Posted with main's configuration (-C base) and the saved plan, the comment's
    footer names the moment after which the merge's apply refuses the plan as too old."""
    (job,) = _jobs(_scaffolded()[".github/workflows/mijnloket-pr-plan.yml"]).values()
    post = next(s for s in job["steps"] if s.get("name") == "Post the plan on the pull request")
    planned = next(line for line in post["run"].splitlines() if "--body-file" in line)
    assert planned.strip().startswith("mijnloket-gitops -C base github upsert-comment")
    assert '--plan-file "$PLANNED"' in post["run"]


def test_apply_restores_the_previous_journals_and_keeps_them_all_again() -> None:
    """Single use across fresh runners: before apply, the journals of the previous
    apply run on main are restored (found by `github journal-run`, never by name
    alone); after it, the whole folder is uploaded again for 90 days, except after a
    failed restore (an incomplete set must not become the newest)."""
    job = _jobs(_scaffolded()[".github/workflows/mijnloket-apply.yml"])["apply"]
    # pull-requests: the reviews, for the approvals the plan needs (issue 23)
    assert job["permissions"] == {"actions": "read", "contents": "read", "pull-requests": "read"}
    steps = job["steps"]

    def index(predicate: Any) -> int:
        return next(i for i, s in enumerate(steps) if predicate(s))

    checkout = index(lambda s: str(s.get("uses", "")).startswith("actions/checkout@"))
    find = index(lambda s: s.get("id") == "journal")
    restore = index(lambda s: s.get("id") == "restore")
    pruned = index(lambda s: "github prune-journals" in s.get("run", ""))
    applied = index(lambda s: s.get("id") == "apply")
    keep = index(
        lambda s: s.get("with", {}).get("name") == "mijnloket-journal" and "upload" in s["uses"]
    )
    assert checkout < find < restore < pruned < applied < keep
    assert "--keep-days 90" in steps[pruned]["run"]
    assert 'github journal-run --commit "$GITHUB_SHA"' in steps[find]["run"]
    assert steps[restore]["if"] == "steps.journal.outputs.run-id != ''"
    assert steps[restore]["uses"].startswith("actions/download-artifact@")
    assert steps[restore]["with"] == {
        "name": "mijnloket-journal",
        "path": ".mijnloket/journal",
        "run-id": "${{ steps.journal.outputs.run-id }}",
        "github-token": "${{ github.token }}",
    }
    assert "if" not in steps[applied]  # a failed lookup or restore: nothing is applied
    upload = steps[keep]["with"]
    assert upload["path"] == ".mijnloket/journal/" and upload["retention-days"] == 90
    assert upload["overwrite"] is True
    condition = " ".join(steps[keep]["if"].split())
    assert "steps.journal.outcome == 'success'" in condition
    assert "steps.restore.outcome != 'failure'" in condition


def test_the_app_token_asks_only_what_writing_an_environment_secret_needs() -> None:
    """The token store is a secret of the ``loket`` environment: writing it takes
    "Environments: write"; the app token asked for "Secrets: write" (every repository
    secret) as well."""
    found = 0
    for path, text in _scaffolded().items():
        jobs = yaml.safe_load(text)["jobs"]
        for job in jobs.values():
            steps = job.get("steps", [])
            stores = [s for s in steps if "token-secret-environment" in (s.get("with") or {})]
            for step in steps:
                if "create-github-app-token" not in str(step.get("uses", "")):
                    continue
                found += 1
                assert stores, path  # the job writes an environment secret ...
                given = step["with"]
                assert given.get("permission-environments") == "write", path
                assert "permission-secrets" not in given, path  # ... and nothing else
    assert found == 4


def test_every_job_with_the_loket_environment_first_refuses_a_public_repository() -> None:
    checked = 0
    for path, text in _scaffolded().items():
        for name, job in yaml.safe_load(text)["jobs"].items():
            if job.get("environment") != "loket":
                continue
            runs = [str(step.get("run", "")) for step in job["steps"]]
            assert "mijnloket-gitops github require-private" in runs[1], (path, name)
            assert "Install mijnloket-gitops" in job["steps"][0]["name"], (path, name)
            checked += 1
    assert checked == 5  # pr-plan, drift, apply (two jobs), approvals (issue 23)


def test_apply_checks_the_approvals_of_the_reviewed_plan_before_applying() -> None:
    """issue 23: the approvals a plan needs are checked again in the apply job, with the
    reviewed pull request and commit, before the apply step; a hand-run plan (no pull
    request) skips the check."""
    jobs = _jobs(_scaffolded()[".github/workflows/mijnloket-apply.yml"])
    assert jobs["reviewed"]["outputs"] == {
        "pull-request": "${{ steps.reviewed.outputs.pull-request }}",
        "head-sha": "${{ steps.reviewed.outputs.head-sha }}",
    }
    job = jobs["apply"]
    assert "reviewed" in job["needs"]
    steps = job["steps"]
    (check,) = [i for i, s in enumerate(steps) if "github check-approvals" in s.get("run", "")]
    applied = next(i for i, s in enumerate(steps) if s.get("id") == "apply")
    downloaded = next(i for i, s in enumerate(steps) if s.get("name") == "Download the plan")
    assert downloaded < check < applied
    step = steps[check]
    assert step["if"] == "needs.reviewed.outputs.pull-request != ''"
    assert '--pr "$PR" --head-sha "$HEAD_SHA"' in step["run"]
    assert step["env"]["HEAD_SHA"] == "${{ needs.reviewed.outputs.head-sha }}"


def test_the_approvals_check_runs_mains_file_after_each_review() -> None:
    """issue 23: the review-marking workflow runs the pull request's file, so it holds
    nothing; the check itself runs main's (workflow_run), never checks the pull request
    out, reads the plan main's plan workflow saved, and sets the commit status."""
    files = _scaffolded()
    review = yaml.safe_load(files[".github/workflows/mijnloket-review.yml"])
    assert list(review[True]) == ["pull_request_review"]
    assert "secrets." not in files[".github/workflows/mijnloket-review.yml"]
    assert all(job["permissions"] == {} for job in review["jobs"].values())
    approvals = yaml.safe_load(files[".github/workflows/mijnloket-approvals.yml"])
    assert approvals[True] == {
        "workflow_run": {"workflows": [review["name"]], "types": ["completed"]}
    }
    (job,) = approvals["jobs"].values()
    assert job["environment"] == "loket"
    assert job["permissions"] == {
        "actions": "read",
        "pull-requests": "read",
        "statuses": "write",
    }
    condition = " ".join(job["if"].split())
    assert "github.event.workflow_run.head_repository.full_name == github.repository" in condition
    text = yaml.safe_dump(job)
    assert "actions/checkout" not in text
    runs = [s.get("run", "") for s in job["steps"]]
    assert any("github plan-run" in r for r in runs)
    assert "--status" in runs[-1] and "github check-approvals" in runs[-1]
    plan = _jobs(files[".github/workflows/mijnloket-pr-plan.yml"])["plan"]
    assert plan["permissions"]["statuses"] == "write"
    last = plan["steps"][-1]
    assert "github check-approvals" in last["run"] and "--status" in last["run"]
    assert last["continue-on-error"] is True  # a missing approval is the status, not the job
