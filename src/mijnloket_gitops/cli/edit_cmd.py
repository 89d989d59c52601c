"""``edit``: bulk changes to employer files, keeping every comment."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import get_args

import click

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.cli.common import employers_dir, repo_option, settings_for, use_color
from mijnloket_gitops.cli.where import selected, where_option
from mijnloket_gitops.edit.run import EditRequest, EditRun, edit_files, parse_wave
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.evidence import EvidenceRow, SheetProblem, read_sheet, resolve_rows
from mijnloket_gitops.validate.report.text import text_report
from mijnloket_gitops.validate.runner import validate_paths
from mijnloket_gitops.visible import printable
from mijnloket_gitops.words import plural


@click.command("edit")
@where_option
@click.option("--changed-since", metavar="REF", help="Only files changed since this git ref.")
@click.option("--activate", multiple=True, metavar="PRODUCT", help="Activate with prerequisites.")
@click.option("--deactivate", multiple=True, metavar="PRODUCT", help="Deactivate a product.")
@click.option("--cascade", is_flag=True, help="--deactivate removes what depends on it too.")
@click.option(
    "--choose",
    multiple=True,
    metavar="PRODUCT",
    help="For a 'requires one of' group --activate must fill: take this member.",
)
@click.option("--grant", multiple=True, metavar="RIGHT", help="Grant a right (needs --to).")
@click.option("--revoke", multiple=True, metavar="RIGHT", help="Revoke a right (needs --to).")
@click.option(
    "--to",
    multiple=True,
    metavar="TYPE|LOGIN",
    help="Users for --grant / --revoke: a user type (ak-gebruiker, werkgevergebruiker) "
    "or a login listed in the file (repeatable).",
)
@click.option(
    "--limit", type=int, metavar="N", help="Change at most N employers (the first by path)."
)
@click.option("--wave", metavar="K/M", help="Only wave K of M (a stable split by employer_id).")
@click.option(
    "--set-addendum",
    type=click.Choice(["signed", "requested", "none"]),
    help="Set addendum.status of every selected file (signed needs --evidence).",
)
@click.option(
    "--evidence",
    "evidence_sheet",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.csv",
    help="Fill in the addendum of the employers in this spreadsheet export (columns "
    "employer_id or file, status, signed_on, ticket); every row is checked first and "
    "nothing is written unless all of them, and all the files, are right.",
)
@click.option("--diff", "show_diff", is_flag=True, help="Print the unified diff of each file.")
@click.option("--dry-run", is_flag=True, help="Write nothing.")
@repo_option
def edit(
    where: str | None,
    changed_since: str | None,
    activate: tuple[str, ...],
    deactivate: tuple[str, ...],
    cascade: bool,
    choose: tuple[str, ...],
    grant: tuple[str, ...],
    revoke: tuple[str, ...],
    to: tuple[str, ...],
    limit: int | None,
    wave: str | None,
    set_addendum: str | None,
    evidence_sheet: Path | None,
    show_diff: bool,
    dry_run: bool,
    repo: Path,
) -> None:
    """Change many employer files at once, keeping every comment.

    Selects employers with --where (and --changed-since), then per file: deactivate,
    activate (with what the product requires, and the new tier), revoke, grant.
    Files are written in fmt's canonical form and pass validate afterwards. An
    employer the change cannot be made for (an unsigned addendum, dependants without
    --cascade, a user type that cannot hold the right) is listed and left alone.
    --set-addendum sets the addendum status; --evidence fills the addendum (status,
    signed_on, ticket) of each employer in a sheet and removes `evidence: pending` and
    the lines import wrote to ask for it.
    Exit 0 when every selected file was edited or needed nothing, 1 if any was refused.
    """
    if set_addendum and evidence_sheet:
        raise click.UsageError("give --set-addendum or --evidence, not both")
    settings = settings_for(repo)
    rows: list[EvidenceRow] = []
    if evidence_sheet is not None:
        rows, problems = read_sheet(evidence_sheet)
        _refuse_sheet(problems)
    request = EditRequest(
        activate,
        deactivate,
        cascade,
        grant,
        revoke,
        to,
        choose,
        limit,
        parse_wave(wave) if wave else None,
        set_addendum=set_addendum,  # type: ignore[arg-type]  # click.Choice checked it
        from_sheet=evidence_sheet is not None,
    )
    request.check(settings.catalog, get_args(UserType))
    validation = validate_paths(
        [employers_dir(settings)],
        settings.catalog,
        require_tier=settings.config.require_tier,
    )
    if validation.errors:
        click.echo(text_report(validation, use_color()), err=True, nl=False)
        click.secho("Fix the employer files first; nothing was edited.", fg="red", err=True)
        raise SystemExit(ExitCode.ERROR)
    picked = selected(settings, validation.employers, where, changed_since)
    whole = False
    if evidence_sheet is not None:
        folder = employers_dir(settings)
        changes, problems = resolve_rows(
            evidence_sheet,
            rows,
            [(Path(p), e.employer_id) for p, e in validation.employers],
            settings.root,
            str(folder),
        )
        _refuse_sheet(problems)
        request = replace(request, evidence=changes)
        picked = [(p, e) for p, e in picked if e.employer_id.casefold() in changes]
        whole = True
    pricing = settings.config.pricing
    run = edit_files(
        picked,
        settings.catalog,
        request,
        require_tier=settings.config.require_tier,
        prices=pricing.products if pricing else None,
        write=not dry_run,
        whole=whole,
    )
    if whole and not dry_run and run.with_status("refused"):
        _report(run, show_diff)
        click.secho(
            f"Nothing was written: every employer of {evidence_sheet} must take its "
            "row; fix the files or the sheet and run edit again.",
            fg="red",
            err=True,
        )
        raise SystemExit(ExitCode.ERROR)
    failed = _report(run, show_diff)
    for item in run.files:
        if item.write_error is not None:
            click.echo(printable(f"error: {item.path}: {item.write_error}"), err=True)
            failed = True
    click.echo(_summary(run, dry_run))
    if failed:
        raise SystemExit(ExitCode.ERROR)


def _refuse_sheet(problems: list[SheetProblem]) -> None:
    """Print every problem of the sheet and stop, before any file is written."""
    if not problems:
        return
    for problem in problems:
        click.echo(printable(f"error: {problem}"), err=True)
    click.secho(
        f"{plural(len(problems), 'problem')} in the sheet; nothing was written.",
        fg="red",
        err=True,
    )
    raise SystemExit(ExitCode.ERROR)


def _report(run: EditRun, show_diff: bool) -> bool:
    for item in run.files:
        if item.status == "changed":
            click.echo(f"{item.path}: {'; '.join(item.notes)}")
            for line in item.dropped:
                click.echo(f"    comment removed with its line: {line}")
            if show_diff:
                click.echo(item.diff(), nl=False)
        elif item.status == "refused":
            click.echo(f"{item.path}: refused: {item.refusal}", err=True)
    return bool(run.with_status("refused"))


def _summary(run: EditRun, dry_run: bool) -> str:
    unwritten = [f for f in run.with_status("changed") if f.write_error is not None]
    changed = len(run.with_status("changed")) - len(unwritten)
    parts = [
        f"{changed} {'would be changed' if dry_run else 'changed'}",
        f"{len(run.with_status('unchanged'))} unchanged",
    ]
    if unwritten:
        parts.append(f"{len(unwritten)} could not be written")
    if run.with_status("refused"):
        parts.append(f"{len(run.with_status('refused'))} refused")
    if run.with_status("held back"):
        parts.append(f"{len(run.with_status('held back'))} held back by --limit")
    if run.outside_wave:
        parts.append(f"{run.outside_wave} in other waves")
    return f"{plural(len(run.files), 'employer')} selected: " + ", ".join(parts)


COMMANDS = (edit,)
