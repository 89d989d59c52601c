"""``sandbox seed | show | set``: drive the embedded sandbox that stands in for Loket.nl."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.cli.common import Choice, FullHelpGroup, repo_option, settings_for, use_color
from mijnloket_gitops.config import Settings
from mijnloket_gitops.providers.sandbox import sandbox_path
from mijnloket_gitops.sandbox.db import SandboxError
from mijnloket_gitops.sandbox.edit import Edit, apply_edit
from mijnloket_gitops.sandbox.seed import create_seeded, seed_state
from mijnloket_gitops.sandbox.show import (
    Shown,
    render_detail,
    render_json,
    render_seed,
    render_table,
)
from mijnloket_gitops.sandbox.store import EmployerRecord, Store
from mijnloket_gitops.sandbox.writer import USER_TYPES
from mijnloket_gitops.validate.report.text import text_report
from mijnloket_gitops.validate.runner import validate_paths

F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    """``--db PATH``: another sandbox database than the repository's."""
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="The sandbox database (default: provider.path of mijnloket-gitops.yaml, "
        "or .mijnloket/sandbox.sqlite).",
    )(func)


def _database(settings: Settings, db: Path | None) -> Path:
    return db if db is not None else sandbox_path(settings)


@click.group(cls=FullHelpGroup)
def sandbox() -> None:
    """The embedded sandbox: a SQLite file standing in for Loket.nl."""


@sandbox.command()
@click.option("--reset", is_flag=True, help="Replace an existing sandbox database.")
@db_option
@repo_option
def seed(reset: bool, db: Path | None, repo: Path) -> None:
    """Create the sandbox with the repository's employers, some of them drifted.

    MijnLoket is available exactly where the file's addendum is signed; a few employers
    differ from their files so that the first plan has something to do (within the
    safety limits), and a few employers without a file are added. Exit 1 when the
    employer files are invalid or the database exists (without --reset).
    """
    settings = settings_for(repo)
    path = _database(settings, db)
    if path.exists() and not reset:
        raise SandboxError(f"sandbox database {path} already exists; use --reset to replace it")
    result = validate_paths(
        [repo / settings.config.employers_dir],
        settings.catalog,
        require_tier=settings.config.require_tier,
    )
    if result.errors:
        click.echo(text_report(result, use_color(sys.stderr)), err=True, nl=False)
        raise SandboxError(f"not seeding {path}: the employer files have errors")
    state = seed_state(result.employers, settings.catalog, settings.config.safety)
    create_seeded(path, state, settings.catalog, reset=reset)
    click.echo(render_seed(str(path), state), nl=False)


def _shown(store: Store, records: list[EmployerRecord]) -> list[Shown]:
    live = store.live([r.employer_id for r in records])
    return [Shown(r, live[r.employer_id]) for r in records if r.employer_id in live]


@sandbox.command()
@click.argument("employer", required=False)
@click.option(
    "--format",
    "fmt",
    type=Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts.",
)
@db_option
@repo_option
def show(employer: str | None, fmt: str, db: Path | None, repo: Path) -> None:
    """Show live state: every employer, or those matching EMPLOYER (id or part of a name)."""
    settings = settings_for(repo)
    path = _database(settings, db)
    with Store.open(path) as store:
        records = store.find(employer) if employer else store.employers()
        if not records:
            raise SandboxError(f"no employer in the sandbox matches {employer!r}")
        shown = _shown(store, records)
    if fmt == "json":
        click.echo(render_json(str(path), shown, settings.catalog), nl=False)
    elif employer:
        click.echo("\n".join(render_detail(s, settings.catalog) for s in shown), nl=False)
    else:
        click.echo(render_table(str(path), shown, settings.catalog), nl=False)


def _pairs(separator: str, what: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def parse(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> Any:
        pairs = []
        for value in values:
            left, sep, right = value.rpartition(separator)
            if not sep or not left.strip() or not right.strip():
                raise click.BadParameter(f"{value!r} is not {what}")
            pairs.append((left.strip(), right.strip()))
        return tuple(pairs)

    return parse


def _users(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> Any:
    users = _pairs(":", "LOGIN:TYPE")(ctx, param, values)
    for _, kind in users:
        if kind not in USER_TYPES:
            raise click.BadParameter(f"user type {kind!r} is not one of {', '.join(USER_TYPES)}")
    return users


def _resolve(store: Store, query: str) -> EmployerRecord:
    found = store.find(query)
    if not found:
        raise SandboxError(f"no employer in the sandbox matches {query!r}")
    if len(found) > 1:
        names = "\n".join(f"  {e.employer_id}  {e.company_name}" for e in found)
        raise SandboxError(f"{query!r} matches {len(found)} employers; use the id:\n{names}")
    return found[0]


@sandbox.command("set")
@click.argument("employer")
@click.option("--activate", multiple=True, metavar="PRODUCT", help="Switch a product on.")
@click.option("--deactivate", multiple=True, metavar="PRODUCT", help="Switch a product off.")
@click.option(
    "--grant",
    multiple=True,
    metavar="RIGHT=LOGIN",
    callback=_pairs("=", "RIGHT=LOGIN"),
    help="Give a user a right for this employer.",
)
@click.option(
    "--revoke",
    multiple=True,
    metavar="RIGHT=LOGIN",
    callback=_pairs("=", "RIGHT=LOGIN"),
    help="Take a right away.",
)
@click.option(
    "--add-user",
    multiple=True,
    metavar="LOGIN:TYPE",
    callback=_users,
    help="Create a user (ak-gebruiker or werkgevergebruiker) and link it to this employer.",
)
@click.option(
    "--portal-available/--no-portal-available",
    default=None,
    help="Whether Loket has processed the addendum (MijnLoket can be activated).",
)
@db_option
@repo_option
def set_(
    employer: str,
    activate: tuple[str, ...],
    deactivate: tuple[str, ...],
    grant: tuple[tuple[str, str], ...],
    revoke: tuple[tuple[str, str], ...],
    add_user: tuple[tuple[str, str], ...],
    portal_available: bool | None,
    db: Path | None,
    repo: Path,
) -> None:
    """Change live state of EMPLOYER (id or part of a name) by hand, causing drift.

    All changes are made together or not at all. Product and right names must be in
    the catalog; dependencies are not enforced (a warning says what is now unmet).
    """
    edit = Edit(
        portal_available=portal_available,
        add_users=tuple((login, cast(UserType, kind)) for login, kind in add_user),
        activate=activate,
        deactivate=deactivate,
        grant=grant,
        revoke=revoke,
    )
    if edit.empty:
        raise click.UsageError("nothing to change; give at least one option (see --help)")
    settings = settings_for(repo)
    with Store.open(_database(settings, db)) as store:
        record = _resolve(store, employer)
        result = apply_edit(store, record.employer_id, edit, settings.catalog)
    click.echo(f"{record.company_name} ({record.employer_id})")
    for line in result.lines:
        click.echo(f"  {line}")
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


COMMANDS = (sandbox,)
