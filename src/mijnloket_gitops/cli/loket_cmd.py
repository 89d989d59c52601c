"""``loket probe``: what the configured Loket.nl account can do, and what the tool does
because of it. The first thing to run against Loket's acceptance environment, and
what a support ticket gets attached.

``loket check``: the provider's assumptions about Loket's answers, proven or refuted
on this Loket.nl (:mod:`mijnloket_gitops.loket.check`); with ``--write`` reversible
round trips on a scratch employer. It writes the Loket profile the provider uses."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mijnloket_gitops.cli.common import repo_option, settings_for
from mijnloket_gitops.config import LoketProviderConfig, Settings
from mijnloket_gitops.errors import ConfigError, ExitCode


@click.group()
def loket() -> None:
    """Commands for the Loket.nl provider."""


@loket.command(short_help="What this Loket.nl offers, asked with GET and OPTIONS.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools and support tickets.",
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Decide every capability afresh, replacing the cached decisions (what probe "
    "always does; the cache's notes name this flag).",
)
@repo_option
def probe(fmt: str, refresh: bool, repo: Path) -> None:
    """Ask Loket.nl, with safe requests only (GET, OPTIONS), what it offers.

    Shows each capability, how it was decided (answered, 404, 405, 501, profile,
    configured, documented, unproven, ...) and what the tool does because of it.
    Write capabilities are never tried by writing: `loket check --write` proves them.
    Always decides afresh and refreshes the capability cache (`--refresh` says so).
    """
    settings = settings_for(repo)
    _loket_config(settings, "probe")
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


def _loket_config(settings: Settings, command: str) -> LoketProviderConfig:
    config = settings.config.provider
    if not isinstance(config, LoketProviderConfig):
        raise ConfigError(
            f"`loket {command}` needs the loket provider: set provider.type: loket in "
            "mijnloket-gitops.yaml"
        )
    return config


@loket.command(short_help="Prove the assumptions about Loket.nl's answers.")
@click.option(
    "--write",
    is_flag=True,
    help="Also run reversible round trips (grant then revoke a right, switch a module on "
    "then off) on the employer --employer names; always restored.",
)
@click.option("--employer", "employer_id", help="The scratch employer (id) to check and write.")
@click.option("--user", "login", help="The werkgevergebruiker (login) whose right is switched.")
@click.option("--right", help="The right (description) to grant and revoke.")
@click.option("--module", help="The module (product name) to switch on and off.")
@click.option(
    "--i-know-this-is-production",
    "production_ok",
    is_flag=True,
    help="Allow --write against Loket's production API (refused otherwise).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools and support tickets.",
)
@click.option(
    "--capture",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a scrubbed shape capture (keys, JSON types, id formats; no values) here.",
)
@click.option(
    "--no-profile",
    "no_profile",
    is_flag=True,
    help="Do not write the Loket profile (.mijnloket/loket-profile.json).",
)
@repo_option
def check(
    write: bool,
    employer_id: str | None,
    login: str | None,
    right: str | None,
    module: str | None,
    production_ok: bool,
    fmt: str,
    capture: Path | None,
    no_profile: bool,
    repo: Path,
) -> None:
    """Prove the provider's assumptions about Loket.nl's answers, before production.

    Read-only by default: every read the provider uses, each answer checked against
    the assumed shape (envelope, paging, field names and JSON types, id formats); each
    assumption reported as confirmed, refuted or not testable here. With --write
    --employer ID (a scratch employer; refused against production unless
    --i-know-this-is-production): a right granted then revoked and a module switched on
    then off, each verified by a read, journaled like apply and always restored, also
    after a failure or Ctrl-C. Writes the Loket profile the provider uses from then on.
    Exit 0 when nothing was refuted, 1 otherwise, 3 when refused, 130 on Ctrl-C.
    """
    if write and not employer_id:
        raise click.UsageError("--write needs --employer ID (a scratch employer)")
    settings = settings_for(repo)
    config = _loket_config(settings, "check")
    from mijnloket_gitops.cli.apply_flow import STATE_DIR
    from mijnloket_gitops.loket.check.findings import render_text
    from mijnloket_gitops.loket.check.run import (
        CheckOptions,
        profile_of,
        refuse_production,
        run_check,
    )
    from mijnloket_gitops.loket.profile import load_profile, profile_path, write_profile
    from mijnloket_gitops.loket.session import ApiSession  # imports httpx: only here

    options = CheckOptions(write, employer_id, login, right, module, production_ok)
    api_url, _ = config.urls
    refuse_production(api_url, options)
    gated = frozenset(p.name for p in settings.catalog.products.values() if p.gate)
    with ApiSession(config, settings.root) as session:
        report, captured = run_check(
            session.api, options, journal_dir=settings.root / STATE_DIR / "journal", gated=gated
        )
    if capture is not None:
        captured.write(capture)
    written = None
    if not no_profile and not report.interrupted:
        path = profile_path(settings.root)
        try:
            previous = load_profile(path, api_url)
        except ConfigError:
            previous = None  # damaged: this check rewrites it from scratch
        write_profile(path, profile_of(report, previous, wrote=write))
        written = path
    if fmt == "json":
        click.echo(json.dumps(report.data, indent=2, ensure_ascii=False))
    else:
        for line in render_text(report):
            click.echo(line)
        if written is not None:
            click.echo(f"Profile written to {written}: the provider uses what it proves.")
    if report.interrupted:
        raise SystemExit(ExitCode.INTERRUPTED)
    if not report.ok:
        raise SystemExit(ExitCode.ERROR)


COMMANDS = (loket,)
