"""``show``: render a saved plan (``plan --out``) for people or tools, reading nothing else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from mijnloket_gitops.cli.common import Choice, use_color
from mijnloket_gitops.plan.render import RENDERERS, RenderOptions
from mijnloket_gitops.plan.saved import read_plan


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


@click.command()
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="text for people, markdown for a pull-request comment, json for tools.",
)
def show(plan_file: Path, fmt: str) -> None:
    """Show a saved plan (from `plan --out`) as text, Markdown or JSON.

    Reads only the file: no repository, provider or network is needed, so a plan
    downloaded from CI can be reviewed anywhere. Exit 1 if it is not a saved plan.
    """
    click.echo(render_saved(read_plan(plan_file), fmt), nl=False)


COMMANDS = (show,)
