"""``loket probe``: what the configured Loket.nl account can do, and what the tool does
because of it. The first thing to run against Loket's acceptance environment, and
what a support ticket gets attached."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mijnloket_gitops.cli.common import repo_option, settings_for
from mijnloket_gitops.config import LoketProviderConfig
from mijnloket_gitops.errors import ConfigError


@click.group()
def loket() -> None:
    """Commands for the Loket.nl provider."""


@loket.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools and support tickets.",
)
@repo_option
def probe(fmt: str, repo: Path) -> None:
    """Ask Loket.nl, with safe requests only (GET, OPTIONS), what it offers.

    Shows each capability, how it was decided (answered, 404, 405, 403, allow,
    configured, ...) and what the tool does because of it. Write capabilities are
    never tried by writing. Refreshes the capability cache.
    """
    settings = settings_for(repo)
    if not isinstance(settings.config.provider, LoketProviderConfig):
        raise ConfigError(
            "`loket probe` needs the loket provider: set provider.type: loket in "
            "mijnloket-gitops.yaml"
        )
    from mijnloket_gitops.loket.provider import LoketProvider  # imports httpx: only here

    with LoketProvider.from_settings(settings) as provider:
        decisions = provider.probe()
        target = provider.target
    if fmt == "json":
        document = {
            "format_version": 1,
            "api_url": target,
            "capabilities": [d.data for d in decisions],
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    click.echo(f"Loket.nl capabilities of {target}:")
    width = max(len(d.capability) for d in decisions)
    for d in decisions:
        state = "yes" if d.available else "no "
        click.echo(f"  {d.capability:<{width}}  {state}  ({d.how}): {d.consequence}")


COMMANDS = (loket,)
