"""The workflow scripts against a fake GitHub REST API on 127.0.0.1: the plan comment,
the drift issue, the reviewed plan's run, and clear errors without the token."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.gitops import publish
from mijnloket_gitops.gitops.github import GitHub, GitHubEnv, GitHubError
from mijnloket_gitops.gitops.journals import JOURNAL_ARTIFACT, journal_run, prune
from mijnloket_gitops.gitops.reviewed import pull_request_for_run, reviewed_run
from mijnloket_gitops.plan.render import GITHUB_COMMENT_LIMIT, MARKER
from tests.github_fake import BOT, REPO, TOKEN, FakeGitHub, serve

PLAN = f"{MARKER}\n## mijnloket-gitops plan\n\nNo changes.\n"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    yield from serve()


@pytest.fixture
def github(fake: FakeGitHub) -> Iterator[GitHub]:
    with GitHub(GitHubEnv(fake.url, REPO, TOKEN)) as client:
        yield client


@pytest.fixture
def env(fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    """The runner's variables pointing at the fake, for CLI tests."""
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.test")
    monkeypatch.setenv("GITHUB_RUN_ID", "77")
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return fake


def test_creates_the_comment_when_there_is_none(fake: FakeGitHub, github: GitHub) -> None:
    fake.comment(7, "LGTM")
    result = publish.upsert_comment(github, 7, PLAN)
    assert result.action == "created"
    assert [c["body"] for c in fake.comments[7]] == ["LGTM", PLAN]


def test_finds_the_comment_by_marker_across_pages_and_updates_it(
    fake: FakeGitHub, github: GitHub
) -> None:
    for n in range(230):
        fake.comment(7, f"comment {n}")
    ours = fake.comment(7, f"{MARKER}\nold plan\n", BOT)
    for n in range(5):
        fake.comment(7, f"later {n}")
    result = publish.upsert_comment(github, 7, PLAN.replace("No changes.", "Two changes."))
    assert result.action == "updated"
    assert len(fake.comments[7]) == 236
    assert ours["body"].startswith(MARKER) and "Two changes." in ours["body"]
    assert any("page=3" in path for _, path in fake.log)
    assert ("PATCH", f"/repos/{REPO}/issues/comments/{ours['id']}") in fake.log


def test_same_plan_twice_changes_nothing(fake: FakeGitHub, github: GitHub) -> None:
    publish.upsert_comment(github, 7, PLAN)
    assert publish.upsert_comment(github, 7, PLAN).action == "unchanged"
    assert len(fake.comments[7]) == 1


def test_a_quoted_marker_is_not_ours_and_extra_copies_are_deleted(
    fake: FakeGitHub, github: GitHub
) -> None:
    quoted = fake.comment(7, f"> {MARKER}\n> as the bot said")
    fake.comment(7, f"{MARKER}\nfirst", BOT)
    fake.comment(7, f"{MARKER}\nsecond", BOT)
    result = publish.upsert_comment(github, 7, PLAN)
    assert (result.action, result.deleted_duplicates) == ("updated", 1)
    assert [c["body"] for c in fake.comments[7]] == [quoted["body"], PLAN]


def test_a_planted_marker_comment_is_never_edited_or_deleted(
    fake: FakeGitHub, github: GitHub
) -> None:
    """Anyone who can comment can write the marker: only the bot's comment is ours."""
    planted = fake.comment(7, f"{MARKER}\n## Plan\n\nNo changes. Approve!\n", "mallory")
    result = publish.upsert_comment(github, 7, PLAN)
    assert (result.action, result.deleted_duplicates) == ("created", 0)
    assert planted in fake.comments[7] and "Approve!" in planted["body"]
    assert [c["user"]["login"] for c in fake.comments[7]] == ["mallory", BOT]
    assert not any(m in ("PATCH", "DELETE") for m, _ in fake.log)
    app = publish.upsert_comment(github, 7, PLAN, author="loket-app[bot]")
    assert app.action == "created"  # a GitHub App's comments are found by its login


def test_a_planted_drift_issue_is_never_taken_for_ours(fake: FakeGitHub, github: GitHub) -> None:
    body = f"{publish.DRIFT_MARKER}\nNo drift, all good."
    unlabelled = fake.issue(body, user=BOT)
    by_someone = fake.issue(body, user="mallory", labels=(publish.DRIFT_LABEL,))
    assert publish.open_drift_issue(github, PLAN).action == "created"
    assert unlabelled["body"] == body and by_someone["body"] == body
    ours = fake.issues[-1]
    assert [label["name"] for label in ours["labels"]] == [publish.DRIFT_LABEL]
    assert publish.close_drift_issue(github, "gone").action == "closed"
    assert by_someone["state"] == "open"


def test_a_failed_drift_check_is_reported_in_the_issue(fake: FakeGitHub, github: GitHub) -> None:
    first = publish.drift_check_failed(github, "https://github.test/run/1")
    assert first.action == "created"
    issue = fake.issues[-1]
    assert "The drift check failed ([run](https://github.test/run/1))" in issue["body"]
    again = publish.drift_check_failed(github, "https://github.test/run/2")
    assert again.action == "updated"
    assert "run/2" in fake.comments[issue["number"]][0]["body"]


def test_the_marker_is_added_when_the_body_lacks_it(fake: FakeGitHub, github: GitHub) -> None:
    publish.upsert_comment(github, 7, "just text\n")
    assert fake.comments[7][0]["body"] == f"{MARKER}\njust text\n"


def test_bodies_over_the_limit_are_cut_with_a_note(fake: FakeGitHub, github: GitHub) -> None:
    huge = PLAN + "```diff\n" + "+ activate MijnLoket\n" * 5000 + "```\n"
    assert len(huge) > GITHUB_COMMENT_LIMIT
    publish.upsert_comment(github, 7, huge)  # the fake answers 422 above the limit
    body = fake.comments[7][0]["body"]
    assert len(body) <= GITHUB_COMMENT_LIMIT
    assert body.startswith(MARKER)
    assert body.count("```") % 2 == 0
    assert body.rstrip().endswith("the full plan is in the workflow run's artifacts.")


def test_cap_leaves_short_bodies_alone() -> None:
    assert publish.cap("short") == "short"
    assert len(publish.cap("x" * 70_000, limit=3_000)) <= 3_000


def test_drift_issue_opens_updates_and_closes(fake: FakeGitHub, github: GitHub) -> None:
    fake.issue(
        f"{publish.DRIFT_MARKER}\na pull request, not ours",
        pull_request=True,
        user=BOT,
        labels=(publish.DRIFT_LABEL,),
    )
    fake.issue("an unrelated issue")
    created = publish.open_drift_issue(github, PLAN)
    assert created.action == "created"
    ours = fake.issues[-1]
    assert ours["title"] == publish.DRIFT_TITLE
    assert ours["body"].startswith(publish.DRIFT_MARKER) and MARKER not in ours["body"]
    assert publish.open_drift_issue(github, PLAN).action == "unchanged"
    assert publish.open_drift_issue(github, PLAN + "more\n").action == "updated"
    assert len([i for i in fake.issues if i["body"].startswith(publish.DRIFT_MARKER)]) == 2

    closed = publish.close_drift_issue(github, "Drift is gone.")
    assert closed.action == "closed"
    assert (ours["state"], ours["state_reason"]) == ("closed", "completed")
    assert fake.comments[ours["number"]][0]["body"] == "Drift is gone."
    assert publish.close_drift_issue(github, "again").action == "none"


def test_drift_issue_is_found_on_a_later_page(fake: FakeGitHub, github: GitHub) -> None:
    for n in range(120):
        fake.issue(f"issue {n}")
    ours = fake.issue(f"{publish.DRIFT_MARKER}\nold", user=BOT, labels=(publish.DRIFT_LABEL,))
    assert publish.open_drift_issue(github, PLAN).action == "updated"
    assert "No changes." in ours["body"]


PLAN_WF = "mijnloket-pr-plan.yml"
NAME = "mijnloket-plan-11-h3ad"


def _run(fake: FakeGitHub, run_id: int, created: str, **extra: str) -> None:
    run = {"id": run_id, "path": f".github/workflows/{PLAN_WF}", "event": "workflow_run",
           "status": "completed", "conclusion": "success", "created_at": created,
           "html_url": f"https://github.test/{REPO}/actions/runs/{run_id}"} | extra  # fmt: skip
    fake.runs.append(run)
    fake.artifacts.append(
        {"id": run_id * 10, "name": NAME, "expired": False, "created_at": created,
         "workflow_run": {"id": run_id, "head_sha": "main-sha"}}
    )  # fmt: skip


def _reviewed_setup(fake: FakeGitHub) -> None:
    fake.pulls_for_commit["m3rge"] = [
        {"number": 12, "merged_at": None, "merge_commit_sha": "other", "head": {"sha": "x"}},
        {"number": 11, "merged_at": "2026-11-02T10:00:00Z", "merge_commit_sha": "m3rge",
         "head": {"sha": "h3ad"}},
    ]  # fmt: skip
    _run(fake, 501, "2026-11-01T09:00:00Z")
    _run(fake, 502, "2026-11-01T10:00:00Z")


def test_reviewed_plan_is_the_newest_successful_plan_run_of_the_merged_pr(
    fake: FakeGitHub, github: GitHub
) -> None:
    _reviewed_setup(fake)
    found = reviewed_run(github, "m3rge", PLAN_WF, "mijnloket-plan")
    assert (found.run_id, found.pull_request, found.head_sha) == (502, 11, "h3ad")


@pytest.mark.parametrize(
    "planted",
    [
        {"event": "pull_request"},  # the PR's own workflow uploaded an artifact of that name
        {"path": ".github/workflows/mijnloket-pr.yml"},
        {"conclusion": "failure"},  # the plan failed after the upload
    ],
    ids=["pull_request-event", "other-workflow", "failed-run"],
)
def test_a_planted_artifact_of_the_same_name_is_never_the_reviewed_plan(
    fake: FakeGitHub, github: GitHub, planted: dict[str, str]
) -> None:
    _reviewed_setup(fake)
    _run(fake, 503, "2026-11-01T11:00:00Z", **planted)  # newest, but not ours
    found = reviewed_run(github, "m3rge", PLAN_WF, "mijnloket-plan")
    assert found.run_id == 502
    fake.runs[:] = [r for r in fake.runs if r["id"] == 503]
    fake.artifacts[:] = [a for a in fake.artifacts if a["workflow_run"]["id"] == 503]
    with pytest.raises(GitHubError, match="no successful run"):
        reviewed_run(github, "m3rge", PLAN_WF, "mijnloket-plan")


def test_no_reviewed_plan_for_a_direct_push_or_an_expired_artifact(
    fake: FakeGitHub, github: GitHub
) -> None:
    _reviewed_setup(fake)
    with pytest.raises(GitHubError, match="not the merge of a pull request"):
        reviewed_run(github, "d1rect", PLAN_WF, "mijnloket-plan")
    for artifact in fake.artifacts:
        artifact["expired"] = True
    with pytest.raises(GitHubError, match=r"no successful run.*'mijnloket-plan-11-h3ad'.*by hand"):
        reviewed_run(github, "m3rge", PLAN_WF, "mijnloket-plan")


def test_the_pull_request_of_a_workflow_run(fake: FakeGitHub, github: GitHub) -> None:
    fake.pulls += [
        {"number": 4, "state": "open", "head": {"label": "fork:main", "sha": "old"}},
        {"number": 5, "state": "open", "head": {"label": "fork:main", "sha": "h3ad"}},
    ]
    assert pull_request_for_run(github, "h3ad", "fork:main") == 5
    with pytest.raises(GitHubError, match="no open pull request from fork:main"):
        pull_request_for_run(github, "pushed-again", "fork:main")


def test_errors_say_what_failed_and_never_show_the_token(fake: FakeGitHub, github: GitHub) -> None:
    fake.fail[f"/repos/{REPO}/issues/7/comments"] = (403, "Resource not accessible by integration")
    with pytest.raises(GitHubError) as error:
        publish.upsert_comment(github, 7, PLAN)
    message = str(error.value)
    assert "GET /repos/acme/loket-config/issues/7/comments answered 403" in message
    assert "Resource not accessible by integration" in message and "permissions" in message
    assert TOKEN not in message


def test_bad_credentials_and_unreachable_servers(fake: FakeGitHub) -> None:
    with (
        GitHub(GitHubEnv(fake.url, REPO, "wrong-token-123")) as client,
        pytest.raises(GitHubError, match="401: Bad credentials"),
    ):
        publish.open_drift_issue(client, PLAN)
    with (
        GitHub(GitHubEnv("http://127.0.0.1:9", REPO, TOKEN)) as client,
        pytest.raises(GitHubError, match="ConnectError") as error,
    ):
        publish.open_drift_issue(client, PLAN)
    assert TOKEN not in str(error.value)


def test_next_page_host_check(fake: FakeGitHub) -> None:
    real = fake.url
    for n in range(101):
        fake.comment(7, f"c{n}")
    fake.url = "http://127.0.0.2:1"
    with (
        GitHub(GitHubEnv(real, REPO, TOKEN)) as client,
        pytest.raises(GitHubError, match="another host; refusing to send the token"),
    ):
        publish.upsert_comment(client, 7, PLAN)


def test_environment_errors() -> None:
    with pytest.raises(GitHubError, match=r"GITHUB_TOKEN is not set.*github\.token"):
        GitHubEnv.from_environ({"GITHUB_REPOSITORY": REPO})
    with pytest.raises(GitHubError, match="owner/name"):
        GitHubEnv.from_environ({"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "nope"})
    env = GitHubEnv.from_environ({"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO})
    assert env.api_url == "https://api.github.com"
    assert TOKEN not in repr(env)


# The CLI, as the workflows call it.


def test_cli_upsert_comment_and_plan_failed(
    env: FakeGitHub, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    body = tmp_path / "plan.md"
    body.write_text(PLAN, encoding="utf-8")
    args = ("--pr", "7", "--body-file", str(body), "--commit", "0123456789abcdef")
    result = run_cli("github", "upsert-comment", *args)
    assert result.exit_code == 0, result.output
    assert "Plan comment created" in result.output
    (made,) = env.comments[7]
    assert "Plan for commit `0123456789ab`, made by [this run](" in made["body"]
    assert "https://github.test/acme/loket-config/actions/runs/77" in made["body"]
    assert "too old to apply" not in made["body"]  # no --plan-file: nothing said
    result = run_cli("github", "upsert-comment", "--pr", "7", "--plan-failed", "--commit", "abc")
    assert result.exit_code == 0, result.output
    (comment,) = env.comments[7]
    assert comment["body"].startswith(MARKER)
    assert "No plan for commit `abc`" in comment["body"]
    assert "https://github.test/acme/loket-config/actions/runs/77" in comment["body"]
    assert run_cli("github", "upsert-comment", "--pr", "7").exit_code == ExitCode.USAGE


def test_cli_comment_leads_with_the_settings_notice(
    env: FakeGitHub, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    """What a pull request changes besides employer files (import-pull-request
    --notice) heads the comment, also when no plan could be made."""
    body, notice = tmp_path / "plan.md", tmp_path / "settings.md"
    body.write_text(PLAN, encoding="utf-8")
    notice.write_text("> [!IMPORTANT]\n> **Changes settings.**\n", encoding="utf-8")
    args = ("--pr", "7", "--commit", "abc", "--notice-file", str(notice))
    assert run_cli("github", "upsert-comment", *args, "--body-file", str(body)).exit_code == 0
    (made,) = env.comments[7]
    assert made["body"].startswith(MARKER + "\n> [!IMPORTANT]\n> **Changes settings.**\n\n")
    assert PLAN.strip().splitlines()[-1] in made["body"]
    assert run_cli("github", "upsert-comment", *args, "--plan-failed").exit_code == 0
    (failed,) = env.comments[7]
    assert "**Changes settings.**" in failed["body"] and "No plan for commit" in failed["body"]
    notice.unlink()  # no notice written this run: the comment is the plan alone
    assert run_cli("github", "upsert-comment", *args, "--body-file", str(body)).exit_code == 0
    (plain,) = env.comments[7]
    assert "Changes settings" not in plain["body"]


def test_cli_drift_issue(env: FakeGitHub, run_cli: Callable[..., Result], tmp_path: Path) -> None:
    body = tmp_path / "plan.md"
    body.write_text(PLAN, encoding="utf-8")
    opened = run_cli("github", "drift-issue", "--state", "open", "--body-file", str(body))
    assert opened.exit_code == 0 and "Drift issue created" in opened.output
    closed = run_cli("github", "drift-issue", "--state", "closed")
    assert closed.exit_code == 0 and "Drift issue closed" in closed.output
    wrong = run_cli("github", "drift-issue", "--state", "closed", "--body-file", str(body))
    assert wrong.exit_code == ExitCode.USAGE


def test_cli_reviewed_plan_writes_step_outputs(
    env: FakeGitHub,
    run_cli: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _reviewed_setup(env)
    outputs = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    result = run_cli("github", "reviewed-plan", "--commit", "m3rge")
    assert result.exit_code == 0, result.output
    assert outputs.read_text() == (f"run-id=502\npull-request=11\nhead-sha=h3ad\nartifact={NAME}\n")
    result = run_cli("github", "reviewed-plan", "--commit", "d1rect")
    assert result.exit_code == 3  # refused: nothing unreviewed is applied
    assert "not the merge of a pull request" in result.output


APPLY_WF = ".github/workflows/mijnloket-apply.yml"


def _apply_run(fake: FakeGitHub, run_id: int, created: str, **extra: Any) -> None:
    """An apply run on main that uploaded its journals."""
    run = {"id": run_id, "path": APPLY_WF, "event": "push", "head_branch": "main",
           "head_sha": f"c{run_id}", "head_repository": {"full_name": REPO},
           "status": "completed", "conclusion": "success"} | extra  # fmt: skip
    fake.runs.append(run)
    fake.artifacts.append(
        {"id": run_id * 10, "name": JOURNAL_ARTIFACT, "expired": False, "created_at": created,
         "workflow_run": {"id": run_id}}
    )  # fmt: skip


def _journal_setup(fake: FakeGitHub) -> None:
    fake.history[:] = ["c601", "c602", "m3rge"]
    _apply_run(fake, 601, "2026-11-01T09:00:00Z")
    _apply_run(fake, 602, "2026-11-01T10:00:00Z", conclusion="failure")  # still restored


def test_the_journals_come_from_the_newest_apply_run_on_main(
    fake: FakeGitHub, github: GitHub
) -> None:
    assert journal_run(github, "m3rge") is None  # the first apply: nothing to restore
    _journal_setup(fake)
    assert journal_run(github, "m3rge") == 602
    assert journal_run(github, "c602") == 602  # a re-run sees its own earlier attempt
    fake.artifacts[-1]["expired"] = True
    assert journal_run(github, "m3rge") == 601


@pytest.mark.parametrize(
    "planted",
    [
        {"event": "pull_request"},  # a pull request's own workflow of that name
        {"head_branch": "feature"},  # pushed to a branch with an edited apply workflow
        {"path": ".github/workflows/mijnloket-pr.yml"},
        {"head_repository": {"full_name": "someone/fork"}},
        {"head_sha": "t4g"},  # a tag named main: its commit is not in main's history
    ],
    ids=["pull_request-event", "other-branch", "other-workflow", "fork", "outside-history"],
)
def test_a_planted_journal_artifact_is_never_restored(
    fake: FakeGitHub, github: GitHub, planted: dict[str, Any]
) -> None:
    """A planted journal could hide a completed plan (or invent one): only the apply
    workflow's runs on main, for commits in main's history, count."""
    _journal_setup(fake)
    _apply_run(fake, 603, "2026-11-01T11:00:00Z", **planted)  # newest, but not ours
    assert journal_run(github, "m3rge") == 602


def test_cli_journal_run_writes_the_run_id_or_nothing(
    env: FakeGitHub, run_cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    first = run_cli("github", "journal-run", "--commit", "m3rge")
    assert first.exit_code == 0 and "No earlier apply journal" in first.output
    _journal_setup(env)
    assert run_cli("github", "journal-run", "--commit", "m3rge").exit_code == 0
    assert outputs.read_text() == "run-id=\nrun-id=602\n"


def test_cli_errors_are_clear_and_tokenless(
    env: FakeGitHub,
    run_cli: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = tmp_path / "plan.md"
    body.write_text(PLAN, encoding="utf-8")
    env.fail[f"/repos/{REPO}/issues"] = (403, "Resource not accessible by integration")
    result = run_cli("github", "drift-issue", "--state", "open", "--body-file", str(body))
    assert result.exit_code == 1
    assert "error: GitHub API GET /repos/acme/loket-config/issues answered 403" in result.output
    assert TOKEN not in result.output
    monkeypatch.delenv("GITHUB_TOKEN")
    result = run_cli("github", "drift-issue", "--state", "closed")
    assert result.exit_code == 1 and "GITHUB_TOKEN is not set" in result.output


def test_cli_check_tip_refuses_an_older_commit(
    env: FakeGitHub, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("github", "check-tip", "--commit", "m3rge").exit_code == 0
    env.branches["main"] = "newer"
    result = run_cli("github", "check-tip", "--commit", "m3rge")
    assert result.exit_code == 3
    assert "no longer the tip of main (newer is)" in result.output
    assert "Nothing was applied" in result.output


def test_cli_pull_request_of_run_writes_step_outputs(
    env: FakeGitHub,
    run_cli: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env.pulls.append({"number": 5, "state": "open", "head": {"label": "fork:x", "sha": "h3ad"}})
    outputs = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    args = ("--head-sha", "h3ad", "--head-label", "fork:x")
    result = run_cli("github", "pull-request-of-run", *args)
    assert result.exit_code == 0, result.output
    assert outputs.read_text() == "pull-request=5\nartifact=mijnloket-plan-5-h3ad\n"
    stale = run_cli("github", "pull-request-of-run", "--head-sha", "old", "--head-label", "fork:x")
    assert stale.exit_code == 3 and "no open pull request from fork:x" in stale.output


def test_end_to_end_a_fresh_runner_restores_the_journals_and_refuses_a_replay(
    env: FakeGitHub, run_cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The apply job on two fresh runners: the first applies the plan and keeps its
    journal as the artifact; the second (a re-run, the same plan) restores the artifact
    that `github journal-run` picks and is refused. Without the restore it would apply
    the plan again: that replay is what the restore prevents."""
    examples = Path(__file__).resolve().parent.parent / "employers"
    first, temp = tmp_path / "runner-1", tmp_path / "runner-temp"
    shutil.copytree(examples, first / "employers")
    monkeypatch.setenv("RUNNER_TEMP", str(temp))
    assert run_cli("github", "prepare-provider", "--repo", first).exit_code == 0
    monkeypatch.setenv("INPUT_WORKING_DIRECTORY", str(first))
    monkeypatch.setenv("INPUT_PLAN_FILE", "p/plan.json")
    monkeypatch.setenv("INPUT_COMMAND", "plan")
    assert run_cli("github", "run-action").exit_code == 0
    monkeypatch.setenv("INPUT_COMMAND", "apply")
    applied = run_cli("github", "run-action")
    assert applied.exit_code == 0, applied.output
    artifact = tmp_path / "artifact-mijnloket-journal"  # "Keep the apply journals"
    shutil.copytree(first / ".mijnloket" / "journal", artifact)
    env.history[:] = ["m3rge"]
    _apply_run(env, 601, "2026-11-01T09:00:00Z", head_sha="m3rge")

    def fresh_runner(name: str, restore: bool) -> Result:
        # the same workspace path, as on GitHub's runners; the sandbox's live state
        # stands in for Loket.nl's; the journals are gone
        shutil.rmtree(first / ".mijnloket" / "journal")
        outputs = tmp_path / f"{name}.out"
        monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
        assert run_cli("github", "journal-run", "--commit", "m3rge").exit_code == 0
        assert outputs.read_text() == "run-id=601\n"
        if restore:  # "Restore the journals of the previous apply"
            shutil.copytree(artifact, first / ".mijnloket" / "journal")
        return run_cli("github", "run-action")

    replayed = fresh_runner("runner-2", restore=True)
    assert replayed.exit_code == 3, replayed.output
    assert "was already applied completely" in replayed.output
    unrestored = fresh_runner("runner-3", restore=False)
    assert unrestored.exit_code == 0, unrestored.output  # the replay


def test_the_comment_says_until_when_apply_accepts_the_plan(
    env: FakeGitHub, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    """The plan job posts with -C base: main's safety.max_plan_age_hours (here 24) and
    the plan's meta.created_at give the moment after which a merge is too late."""
    base = tmp_path / "base"
    (base / "employers").mkdir(parents=True)
    (base / "mijnloket-gitops.yaml").write_text("version: 1\nsafety:\n  max_plan_age_hours: 24\n")
    plan = tmp_path / "plan.json"
    plan.write_text('{"meta": {"created_at": "2026-11-01T10:30:00+00:00"}}', encoding="utf-8")
    body = tmp_path / "plan.md"
    body.write_text(PLAN, encoding="utf-8")
    args = ("--pr", "7", "--body-file", body, "--commit", "abc", "--plan-file", plan)
    result = run_cli("-C", base, "github", "upsert-comment", *args)
    assert result.exit_code == 0, result.output
    (made,) = env.comments[7]
    assert (
        "Merged after 2026-11-02 10:30 UTC, it is too old to apply "
        "(`safety.max_plan_age_hours`): push again or re-run this plan before merging."
    ) in made["body"]


def _journal(folder: Path, name: str, finished: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ['{"event": "attempt", "run_id": "r"}']
    lines += ['{"event": "finished", "result": "ok", "exit_code": 0}'] if finished else []
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_restored_journals_are_kept_no_longer_than_their_retention(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    """Journals name people: the chain of artifacts drops finished ones past 90 days,
    but keeps an interrupted one (its open steps are for the next apply)."""
    folder = tmp_path / "journal"
    old = _journal(folder, "20260801T090000.000Z-aaaaaaaaaaaa.jsonl", finished=True)
    crashed = _journal(folder, "20260801T100000.000Z-bbbbbbbbbbbb.jsonl", finished=False)
    young = _journal(folder, "20261101T090000.000Z-cccccccccccc.jsonl", finished=True)
    foreign = _journal(folder, "notes.jsonl", finished=True)
    now = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
    assert prune(folder, 90, now) == [old]
    assert [p.exists() for p in (old, crashed, young, foreign)] == [False, True, True, True]
    assert prune(folder, 90, now) == []
    result = run_cli("github", "prune-journals", "--dir", folder, "--keep-days", "1")
    assert result.exit_code == 0, result.output
    assert "Removed 1 journal older than 1 day." in result.output  # the young one
    assert not young.exists() and crashed.exists()


@pytest.mark.parametrize(
    ("private", "code", "said"),
    [
        (True, 0, "acme/loket-config is private."),
        (False, 3, "acme/loket-config is public: plan comments, artifacts, journals"),
        (None, 3, "acme/loket-config is of unknown visibility"),
    ],
)
def test_require_private_refuses_a_public_repository(
    env: FakeGitHub, run_cli: Callable[..., Result], private: bool | None, code: int, said: str
) -> None:
    """Nothing kept live state (logins, rights: personal data) out of a public
    configuration repository's comments, artifacts, journals and drift issue."""
    env.private = private
    result = run_cli("github", "require-private")
    assert result.exit_code == code, result.output
    assert said in result.output
