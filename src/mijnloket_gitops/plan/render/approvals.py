"""The approvals a plan needs, in rendered plans (issue 23): only when the plan has
``approvals`` (the repository configures ``approvals:``) and one is needed."""

from __future__ import annotations

from collections.abc import Callable

from mijnloket_gitops.plan.render.common import Data

HEADING = "Approvals needed before apply (github check-approvals checks them):"


def approval_lines(plan: Data, escape: Callable[[object], str]) -> list[tuple[str, list[str]]]:
    """Per needed approval its line (name, reviewers, flag) and its reasons;
    ``escape`` makes a value safe for the output format."""
    return [
        (
            f"{escape(a['name'])} by {', '.join(escape(r) for r in a['reviewers'])}"
            f" ({escape(a['when'])})",
            [escape(reason) for reason in a["reasons"]],
        )
        for a in plan.get("approvals") or ()
    ]
