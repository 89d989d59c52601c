"""``journal``: list the apply journals, or show one."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mijnloket_gitops.apply.history import find_run, journal_files, read_events, summarise
from mijnloket_gitops.cli.common import Choice, repo_option, settings_for
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.plan.render.common import clean

JOURNAL_DIR = Path(".mijnloket") / "journal"


def _show_line(event: dict[str, object]) -> str:
    skip = {"time", "run_id", "event", "actor", "commit", "dirty", "forced", "provider_target"}
    rest = ", ".join(
        f"{k}={clean(json.dumps(v, ensure_ascii=False))}"
        for k, v in event.items()
        if k not in skip and v not in (None, [], {})
    )
    return f"{clean(event.get('time', ''))}  {clean(event.get('event', '')):<18} {rest}"


@click.command()
@click.argument("run", required=False)
@click.option(
    "--format",
    "fmt",
    type=Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools (one object per journal, or the events of RUN).",
)
@repo_option
def journal(run: str | None, fmt: str, repo: Path) -> None:
    """List the journals of apply attempts, oldest first, or show the one of RUN.

    RUN is a run id (or its start) from the listing. Every apply attempt has a
    journal, also refused and no-op ones.
    """
    directory = settings_for(repo).root / JOURNAL_DIR
    if run is not None:
        path = find_run(directory, run)
        if path is None:
            raise MijnloketError(f"no journal of run {run!r} in {directory}")
        events = list(read_events(path))
        if fmt == "json":
            click.echo(json.dumps(events, indent=2, ensure_ascii=False))
            return
        click.echo(f"Journal {path}")
        for event in events:
            click.echo(_show_line(event))
        return
    summaries = [summarise(p) for p in journal_files(directory)]
    if fmt == "json":
        click.echo(json.dumps([s.data for s in summaries], indent=2, ensure_ascii=False))
        return
    if not summaries:
        click.echo(f"No journals yet in {directory}.")
        return
    for s in summaries:
        click.echo(
            f"{s.run_id}  {clean(s.started)}  {s.result:<11} exit {s.exit_code!s:<4}"
            f" {s.steps_done} done, {s.steps_failed} failed  plan {s.plan_id or '-'}"
            f"  {clean(s.actor)}"
        )


COMMANDS = (journal,)
