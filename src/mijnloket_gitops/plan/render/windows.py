"""Change windows in rendered plans (issue 23): only when the plan has
``blocked_by_window`` (the repository configures ``windows:``) and something is in it.

A plan is made at one moment; ``apply`` checks the windows again when it runs.
"""

from __future__ import annotations

from collections.abc import Callable

from mijnloket_gitops.plan.render.common import Data

HEADING = (
    "Blocked by a change window when the plan was made (apply checks again when it runs"
    " and refuses, exit 3, while one holds):"
)
LIFTED_HEADING = "Change windows overridden (recorded in the journal):"


def blocked_lines(plan: Data, escape: Callable[[object], str]) -> list[str]:
    """One line per standing block, naming the window, its end and the override;
    ``escape`` makes a value safe for the output format."""
    return [
        f"{escape(b['name'])} ({escape(b['employer_id'])}): {escape(b['message'])};"
        f" override with {escape(b['flag'])}"
        for b in plan.get("blocked_by_window") or ()
        if "overridden_by" not in b
    ]


def lifted_lines(plan: Data, escape: Callable[[object], str]) -> list[str]:
    """One line per block that ``--override-window`` lifts."""
    return [
        f"{escape(b['name'])} ({escape(b['employer_id'])}): {escape(b['message'])}"
        f" [overridden by {escape(b['overridden_by'])}]"
        for b in plan.get("blocked_by_window") or ()
        if "overridden_by" in b
    ]
