"""``github check-approvals``: does every approval a plan needs have an approving review?

A review counts when it is the reviewer's latest deciding review on the pull request
(``APPROVED``, ``CHANGES_REQUESTED`` or ``DISMISSED``; comments change nothing), it
approves, and it was made at the pull request's head commit: a push after an approval
needs a new one, as GitHub's "dismiss stale approvals" does. A reviewer ``@org/team``
is met by an active member of that team (GitHub's team membership API, which needs a
token that may read the organisation's members); ``@login`` by that login.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.gitops.github import GitHub

DECIDING = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}


@dataclass(frozen=True)
class ApprovalStatus:
    """One needed approval and who gave it (empty: still missing)."""

    name: str
    reviewers: tuple[str, ...]
    approved_by: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def met(self) -> bool:
        return bool(self.approved_by)


def approvers(reviews: Iterable[Mapping[str, Any]], head_sha: str) -> list[str]:
    """The logins whose latest deciding review approves ``head_sha``, in review order."""
    latest: dict[str, Mapping[str, Any]] = {}
    for review in reviews:
        user = (review.get("user") or {}).get("login")
        if user and review.get("state") in DECIDING:
            latest.pop(user, None)  # keep the order of each user's latest review
            latest[user] = review
    return [
        user
        for user, review in latest.items()
        if review["state"] == "APPROVED" and review.get("commit_id") == head_sha
    ]


def _member(github: GitHub, team: str, login: str, cache: dict[tuple[str, str], bool]) -> bool:
    if (team, login) not in cache:
        org, slug = team.split("/", 1)
        # team slugs are lower case ("@org/Sales" is the team sales)
        found = github.get_if_found(f"/orgs/{org}/teams/{slug.lower()}/memberships/{login}")
        cache[(team, login)] = isinstance(found, dict) and found.get("state") == "active"
    return cache[(team, login)]


def check_approvals(
    github: GitHub,
    pull_request: int,
    needed: Sequence[Mapping[str, Any]],
    head_sha: str | None,
    members: GitHub | None = None,
) -> tuple[str, list[ApprovalStatus]]:
    """(the head commit checked, the status of each of ``needed``, the plan's
    ``approvals`` entries). ``head_sha`` defaults to the pull request's head;
    ``members`` asks for team membership (default: ``github``)."""
    teams = members or github
    if head_sha is None:
        pull = github.call("GET", f"{github.repo}/pulls/{pull_request}")
        head_sha = str(pull["head"]["sha"])
    reviews = list(github.paginate(f"{github.repo}/pulls/{pull_request}/reviews"))
    approving = approvers(reviews, head_sha)
    cache: dict[tuple[str, str], bool] = {}
    statuses = []
    for approval in needed:
        reviewers = [str(r).removeprefix("@") for r in approval["reviewers"]]
        by = [
            login
            for login in approving
            if any(
                _member(teams, r, login, cache) if "/" in r else r.lower() == login.lower()
                for r in reviewers
            )
        ]
        statuses.append(
            ApprovalStatus(
                approval["name"],
                tuple(approval["reviewers"]),
                tuple(by),
                tuple(approval.get("reasons", ())),
            )
        )
    return head_sha, statuses


STATUS_CONTEXT = "mijnloket approvals"
"""The commit status ``check-approvals --status`` sets: the required check of rulesets."""


def post_status(github: GitHub, head_sha: str, statuses: Sequence[ApprovalStatus]) -> None:
    """Set the commit status :data:`STATUS_CONTEXT` on ``head_sha``: success when every
    approval is met, failure naming the missing ones otherwise."""
    missing = [s.name for s in statuses if not s.met]
    description = (
        "approvals missing: " + ", ".join(missing) if missing else "every approval is given"
    )
    github.call(
        "POST",
        f"{github.repo}/statuses/{head_sha}",
        json={
            "state": "failure" if missing else "success",
            "context": STATUS_CONTEXT,
            "description": description[:140],
        },
    )
