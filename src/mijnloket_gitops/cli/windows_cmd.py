"""``windows``: the change windows and when they are next in effect; and the refusal
of an apply that a window blocks (issue 23)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.cli.common import Choice, repo_option, settings_for
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.governance import clock
from mijnloket_gitops.governance.listing import window_listing
from mijnloket_gitops.plan.model import Plan


def enforce_windows(plan: Plan, journal: Journal) -> None:
    """Journal the lifted window blocks; refuse (exit 3) while one stands."""
    blocks = plan.blocked_by_window or ()
    lifted = [b for b in blocks if b.overridden_by is not None]
    if lifted:
        journal.record("windows-overridden", blocks=[b.data for b in lifted])
        for block in lifted:
            click.secho(
                f"overridden by {block.overridden_by}: {block.name} ({block.employer_id})"
                f" is {block.message}",
                fg="yellow",
                err=True,
            )
    refused = plan.window_refusals
    if not refused:
        return
    journal.record("windows-refused", blocks=[b.data for b in refused])
    for block in refused:
        click.secho(
            f"refused: {block.name} ({block.employer_id}) is {block.message};"
            f" override with {block.flag}",
            fg="red",
            err=True,
        )
    click.echo(
        "Nothing was applied. Wait for the window, leave those employers out (--target), "
        "or override deliberately with --override-window NAME.",
        err=True,
    )
    raise SystemExit(ExitCode.REFUSED)


def _text(listing: list[dict[str, Any]]) -> str:
    if not listing:
        return "No change windows are configured (windows: in mijnloket-gitops.yaml).\n"
    lines: list[str] = []
    for window in listing:
        where = f"; where {window['where']}" if window["where"] else ""
        lines.append(
            f"{window['name']} ({window['kind']}, {window['timezone']}): "
            f"{window['schedule']} for {window['duration']}{where}"
        )
        periods = window["periods"]
        if not periods:
            lines.append("  no further periods: the schedule has ended")
        for index, period in enumerate(periods):
            now = index == 0 and window["in_effect"]
            label = "in effect now" if now else "next"
            start = period["start"].replace("T", " ")
            end = period["end"].replace("T", " ")
            until = f"until after {end}" if period["longer"] else f"until {end}"
            lines.append(f"  {label}: {until}" if now else f"  {label}: {start} {until}")
        lines.append("")
    return "\n".join(lines)


@click.command()
@click.option(
    "--count",
    type=click.IntRange(min=1, max=100),
    default=3,
    show_default=True,
    help="Periods listed per window.",
)
@click.option(
    "--format",
    "fmt",
    type=Choice(["json", "text"]),
    default="text",
    show_default=True,
    help="text for people, json for tools.",
)
@repo_option
def windows(count: int, fmt: str, repo: Path) -> None:
    """List the change windows and when each is next in effect.

    Times are on each window's wall clock, with their UTC offset. Occurrences that
    follow on one another are shown as one period.
    """
    settings = settings_for(repo, required=False)
    listing = window_listing(settings.config.windows, settings.windows, clock.now(), count)
    if fmt == "json":
        click.echo(json.dumps({"windows": listing}, indent=2, ensure_ascii=False))
    else:
        click.echo(_text(listing), nl=False)


COMMANDS = (windows,)
