"""``show``: render a saved plan (``plan --out``) for people or tools, reading nothing else;
or, with ``--live``, one employer's live state (:mod:`mijnloket_gitops.onboard.live_view`)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from mijnloket_gitops.cli.common import Choice, repo_option, settings_for, use_color
from mijnloket_gitops.files.model import UUID_PATTERN, EmployerFile
from mijnloket_gitops.onboard.live_view import as_json, as_yaml, find_employer, read_view
from mijnloket_gitops.plan.render import RENDERERS, RenderOptions
from mijnloket_gitops.plan.saved import read_plan
from mijnloket_gitops.providers.registry import open_provider
from mijnloket_gitops.validate.runner import validate_paths


def saved_plan_data(document: Mapping[str, Any]) -> dict[str, Any]:
    """The plan of a saved plan file, without the live state it was computed from."""
    return {k: v for k, v in document.items() if k != "live"}


def render_saved(document: Mapping[str, Any], fmt: str) -> str:
    repository = os.environ.get("GITHUB_REPOSITORY")
    options = RenderOptions(
        color=use_color() and fmt == "text",
        title=f"Plan for {repository}" if repository else None,
    )
    return RENDERERS[fmt](saved_plan_data(document), options)


LIVE_FORMATS = ("yaml", "json")


@click.command()
@click.argument("target", metavar="PLAN_FILE | EMPLOYER")
@click.option(
    "--format",
    "fmt",
    type=Choice(sorted({*RENDERERS, *LIVE_FORMATS})),
    default=None,
    help="A plan: text (default) for people, markdown for a pull-request comment, json "
    "for tools. --live: yaml (default, the employer file format) or json.",
)
@click.option(
    "--live",
    is_flag=True,
    help="Show EMPLOYER (an id, its file, or its file's name or company name) as live "
    "state has it, read through the configured provider.",
)
@repo_option
def show(target: str, fmt: str | None, live: bool, repo: Path) -> None:
    """Show a saved plan (from `plan --out`) as text, Markdown or JSON; or, with
    --live, one employer's live products, users and rights.

    A plan: reads only the file, so no repository, provider or network is needed and
    a plan downloaded from CI can be reviewed anywhere. Exit 1 if it is not a saved
    plan. --live: the employer file that live state implies (as `import` would write
    it), or JSON with the live state too; nothing is written.
    """
    if live:
        _show_live(target, fmt or "yaml", repo)
        return
    if fmt == "yaml":
        raise click.UsageError("--format yaml goes with --live; a plan is text, markdown, json")
    plan_file = Path(target)
    if not plan_file.is_file():
        raise click.UsageError(
            f"{target}: no such plan file (to show an employer's live state, add --live)"
        )
    click.echo(render_saved(read_plan(plan_file), fmt or "text"), nl=False)


def _show_live(target: str, fmt: str, repo: Path) -> None:
    if fmt not in LIVE_FORMATS:
        raise click.UsageError(f"--live shows yaml or json, not {fmt}")
    settings = settings_for(repo, required=False)
    employers: list[tuple[str, EmployerFile]] = []
    folder = settings.root / settings.config.employers_dir
    if not re.match(UUID_PATTERN, target) and folder.is_dir():
        employers = validate_paths([folder], settings.catalog).employers
    employer_id = find_employer(target, employers)
    with open_provider(settings) as provider:
        view = read_view(provider, settings.catalog, employer_id)
    click.echo(as_yaml(view, settings.catalog) if fmt == "yaml" else as_json(view), nl=False)


COMMANDS = (show,)
