"""One plan comment per pull request and one drift issue, updated in place.

Both are found by a hidden HTML marker on their first line *and* their author (the
bot that writes them, ``github-actions[bot]`` or a GitHub App's ``<slug>[bot]``), the
drift issue also by its label, across every page of comments or issues: anyone who
can comment can write the marker, but the bot never edits or deletes what someone
else wrote. A pull request never collects a pile of plan comments and drift never
opens a second issue. Bodies are capped at GitHub's size limit with a note saying
so. These functions return what they did; they never print.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mijnloket_gitops.gitops.github import GitHub
from mijnloket_gitops.plan.render import GITHUB_COMMENT_LIMIT, MARKER

DRIFT_MARKER = "<!-- mijnloket-gitops:drift -->"
"""The first line of the drift issue's body."""

DRIFT_LABEL = "mijnloket-drift"
BOT = "github-actions[bot]"
"""The author of what the workflows write with ``GITHUB_TOKEN``."""

DRIFT_TITLE = "mijnloket-gitops: live state differs from the configuration (drift)"
TRUNCATED = (
    "\n\n> [!WARNING]\n> Cut to stay under GitHub's limit of {limit:,} characters; "
    "the full plan is in the workflow run's artifacts.\n"
)

Action = Literal["created", "updated", "unchanged", "closed", "none"]


@dataclass(frozen=True)
class Published:
    """What was done, and where (the comment's or issue's web address)."""

    action: Action
    url: str | None = None
    deleted_duplicates: int = 0


def cap(body: str, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """``body`` cut at a line end with a note when it is over ``limit`` characters."""
    if len(body) <= limit:
        return body
    note = TRUNCATED.format(limit=limit)
    fence = "\n```"
    head = body[: limit - len(note) - len(fence)]
    if "\n" in head:
        head = head.rsplit("\n", 1)[0]
    if head.count("```") % 2:  # close the code block the cut left open
        head += fence
    return head + note


def with_marker(body: str, marker: str, drop: str | None = None) -> str:
    """``body`` with ``marker`` as its first line (and any ``drop`` line removed)."""
    lines = [line for line in body.splitlines() if line.strip() not in {marker, drop}]
    return "\n".join([marker, *lines]) + "\n"


def _marked(item: dict[str, Any], marker: str, author: str) -> bool:
    by = (item.get("user") or {}).get("login")
    return by == author and str(item.get("body") or "").lstrip().startswith(marker)


def with_notice(body: str, notice: str) -> str:
    """``body`` with ``notice`` (what the pull request changes besides employer files)
    first, where a long plan cut to the comment limit cannot lose it."""
    return f"{notice.rstrip()}\n\n{body}" if notice.strip() else body


def footer(commit: str, run_url: str, valid_until: dt.datetime | None = None) -> str:
    """The line that ties a plan comment to its commit and run, and says until when
    apply accepts the plan (``safety.max_plan_age_hours``) when that is known."""
    line = f"\n---\nPlan for commit `{commit[:12]}`, made by [this run]({run_url})."
    if valid_until is not None:
        until = valid_until.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        line += (
            f" Merged after {until}, it is too old to apply (`safety.max_plan_age_hours`):"
            " push again or re-run this plan before merging."
        )
    return line + "\n"


def upsert_comment(github: GitHub, pr: int, body: str, author: str = BOT) -> Published:
    """Create or update the pull request's plan comment (the one by ``author`` that
    starts with MARKER).

    Further such comments (left by older versions or a race) are deleted, so exactly
    one remains; comments by anyone else are left alone, marker or not.
    """
    body = cap(with_marker(body, MARKER))
    comments = github.paginate(f"{github.repo}/issues/{pr}/comments")
    found = [c for c in comments if _marked(c, MARKER, author)]
    for extra in found[1:]:
        github.call("DELETE", f"{github.repo}/issues/comments/{extra['id']}")
    if not found:
        created = github.call("POST", f"{github.repo}/issues/{pr}/comments", json={"body": body})
        return Published("created", created.get("html_url"))
    comment = found[0]
    if comment.get("body") == body:
        return Published("unchanged", comment.get("html_url"), len(found) - 1)
    updated = github.call(
        "PATCH", f"{github.repo}/issues/comments/{comment['id']}", json={"body": body}
    )
    return Published("updated", updated.get("html_url"), len(found) - 1)


def find_drift_issue(github: GitHub, author: str = BOT) -> dict[str, Any] | None:
    """The open issue with DRIFT_LABEL, opened by ``author``, whose body starts with
    DRIFT_MARKER (pull requests skipped)."""
    query = {"state": "open", "labels": DRIFT_LABEL, "creator": author}
    for issue in github.paginate(f"{github.repo}/issues", query):
        labels = {str(label.get("name")) for label in issue.get("labels") or []}
        if (
            "pull_request" not in issue
            and DRIFT_LABEL in labels
            and _marked(issue, DRIFT_MARKER, author)
        ):
            return issue
    return None


def _create_drift_issue(github: GitHub, body: str) -> Published:
    created = github.call(
        "POST",
        f"{github.repo}/issues",
        json={"title": DRIFT_TITLE, "body": body, "labels": [DRIFT_LABEL]},
    )
    return Published("created", created.get("html_url"))


def open_drift_issue(github: GitHub, plan_markdown: str, author: str = BOT) -> Published:
    """Open the drift issue with the plan, or update the open one."""
    body = cap(with_marker(plan_markdown, DRIFT_MARKER, drop=MARKER))
    issue = find_drift_issue(github, author)
    if issue is None:
        return _create_drift_issue(github, body)
    if issue.get("body") == body:
        return Published("unchanged", issue.get("html_url"))
    github.call("PATCH", f"{github.repo}/issues/{issue['number']}", json={"body": body})
    return Published("updated", issue.get("html_url"))


def drift_check_failed(github: GitHub, run_url: str, author: str = BOT) -> Published:
    """Say in the drift issue (opened for it when there is none) that the check
    failed: a dead token must not hide in a run log nobody reads."""
    note = (
        f"> [!CAUTION]\n> The drift check failed ([run]({run_url})): live state could not "
        "be compared with the configuration. When the log says the Loket.nl token is dead, "
        "run `mijnloket-gitops auth login` and store the new token (see the README).\n"
    )
    issue = find_drift_issue(github, author)
    if issue is None:
        return _create_drift_issue(github, cap(with_marker(note, DRIFT_MARKER)))
    github.call("POST", f"{github.repo}/issues/{issue['number']}/comments", json={"body": note})
    return Published("updated", issue.get("html_url"))


def close_drift_issue(github: GitHub, note: str, author: str = BOT) -> Published:
    """Close the open drift issue with a comment saying why; nothing if there is none."""
    issue = find_drift_issue(github, author)
    if issue is None:
        return Published("none")
    number = issue["number"]
    github.call("POST", f"{github.repo}/issues/{number}/comments", json={"body": note})
    github.call(
        "PATCH",
        f"{github.repo}/issues/{number}",
        json={"state": "closed", "state_reason": "completed"},
    )
    return Published("closed", issue.get("html_url"))


def failed_plan_body(commit: str, run_url: str) -> str:
    """The plan comment when no plan could be made: the old plan must not stay up."""
    return (
        f"{MARKER}\n## mijnloket-gitops plan\n\n"
        "> [!WARNING]\n"
        f"> No plan for commit `{commit[:12]}`: making it failed (invalid files, a "
        "provider error, a plan refused before it was written, or a change to a connection "
        f"setting, which only main may make). See [the run]({run_url}).\n"
        "> The plan shown here before was for an older commit, so it was removed.\n"
    )


def run_url(environ: Mapping[str, str]) -> str:
    """The web address of the current workflow run (from the runner's variables)."""
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY", "")
    return f"{server}/{repository}/actions/runs/{environ.get('GITHUB_RUN_ID', '')}"
