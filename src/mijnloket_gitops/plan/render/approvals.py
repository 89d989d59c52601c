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


def approvals_markdown(plan: Data, escape: Callable[[object], str]) -> str:
    """The Markdown section of the needed approvals (empty when none is needed)."""
    needed = approval_lines(plan, escape)
    if not needed:
        return ""
    lines = [
        "### Approvals needed\n\n`github check-approvals` fails until each has an "
        "approving review at the pull request's head commit.\n\n"
    ]
    for head, reasons in needed:
        lines.append(f"- **{head}**\n" + "".join(f"  - {reason}\n" for reason in reasons))
    return "".join(lines) + "\n"
