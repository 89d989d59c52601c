"""``import``: write employer files from live state, for employers configured by hand."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import click

from mijnloket_gitops.cli.common import Progress, repo_option, settings_for, use_color
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.evidence import read_sheet
from mijnloket_gitops.files.model import UUID_PATTERN
from mijnloket_gitops.onboard import (
    ImportedFile,
    ImportOptions,
    ImportResult,
    Outcome,
    import_employers,
    select,
)
from mijnloket_gitops.onboard.evidence import ImportEvidence
from mijnloket_gitops.onboard.run import SCHEMA_FILE
from mijnloket_gitops.providers.registry import open_provider
from mijnloket_gitops.validate.report.text import text_report
from mijnloket_gitops.validate.runner import validate_paths
from mijnloket_gitops.visible import printable
from mijnloket_gitops.words import plural

_UUID = re.compile(UUID_PATTERN)
_DONE = {
    Outcome.WRITTEN: "wrote",
    Outcome.OVERWRITTEN: "overwrote",
    Outcome.UPDATED: "updated",
    Outcome.UNCHANGED: "unchanged",
}
_DRY = {
    Outcome.WRITTEN: "would write",
    Outcome.OVERWRITTEN: "would overwrite",
    Outcome.UPDATED: "would update",
    Outcome.UNCHANGED: "unchanged",
}


def _ids(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    wrong = [v for v in values if not _UUID.match(v)]
    if wrong:
        raise click.BadParameter(
            f"{', '.join(map(repr, wrong))} is not an employer id (a UUID, as in employer_id)"
        )
    return values


def _line(item: ImportedFile, dry_run: bool) -> tuple[str, bool]:
    """The line for one file, and whether it is a problem (for stderr)."""
    who = f"({item.name}, {item.employer_id})"
    if item.outcome == Outcome.EXISTS:
        return f"{item.path} {who}: exists, not overwritten; use --force to replace it", True
    if item.outcome == Outcome.FAILED:
        return f"{item.path} {who}: error: {item.error}", True
    if item.outcome == Outcome.SKIPPED:
        exists = item.path.exists()
        return f"{item.path} {who}: {'has a file' if exists else 'no file'}, left alone", False
    verb = (_DRY if dry_run else _DONE)[item.outcome]
    filled = f"; {item.evidence}" if item.evidence else ""
    return f"{verb} {item.path} {who}{filled}", False


def _summary(result: ImportResult) -> str:
    written = result.count(Outcome.WRITTEN, Outcome.OVERWRITTEN)
    parts = [
        f"{written} {'would be written' if result.dry_run else 'written'}",
        f"{result.count(Outcome.EXISTS)} skipped (exists)",
        plural(result.unknown_products, "unknown product"),
        f"{plural(result.evidence_gaps, 'evidence gap')} to fill "
        f"(in {plural(result.gap_files, 'file')})",
    ]
    filled = sum(1 for f in result.files if f.evidence and f.outcome in _DONE)
    if filled:
        parts.append(f"{plural(filled, 'addendum', 'addenda')} from the evidence sheet")
    if result.addendum_unknown:
        parts.append(
            f"{plural(result.addendum_unknown, 'addendum status', 'addendum statuses')}"
            " unknown (MijnLoket off live)"
        )
    updated, unchanged = result.count(Outcome.UPDATED), result.count(Outcome.UNCHANGED)
    if updated or unchanged:
        parts.insert(1, f"{updated} {'would be updated' if result.dry_run else 'updated'}")
        parts.insert(2, f"{unchanged} unchanged")
    left = result.count(Outcome.SKIPPED)
    if left:
        parts.insert(1, f"{left} left alone")
    failed = result.count(Outcome.FAILED)
    if failed:
        parts.append(f"{failed} failed")
    return ", ".join(parts) + "."


def _report(result: ImportResult, *, named: bool) -> None:
    """Print a line per file that was (or would be) written, updated or is a problem.

    Files left alone or unchanged get a line only when their employer was named with
    --employer: in a portfolio of hundreds, ``--missing`` and ``--update`` would
    otherwise bury the few files they wrote under a line per untouched employer; the
    summary counts them.
    """
    quiet = {Outcome.SKIPPED, Outcome.UNCHANGED}
    for item in result.files:
        if item.evidence and item.outcome == Outcome.SKIPPED:
            click.secho(
                f"warning: {item.path}: left alone, so its row of the evidence sheet was not "
                "used; `edit --evidence` fills in existing files",
                fg="yellow",
                err=True,
            )
        if item.outcome in quiet and not named:
            continue
        if item.diff:
            click.echo(item.diff, nl=False)
        text, problem = _line(item, result.dry_run)
        if problem:
            click.secho(text, fg="red", err=True)
        else:
            click.echo(text)
        if item.unknown_products:
            names = ", ".join(map(repr, item.unknown_products))
            click.secho(
                f"warning: {item.path}: live products not in the catalog, kept as a comment: "
                f"{names}",
                fg="yellow",
                err=True,
            )
        if item.addendum_unknown:
            click.echo(
                f"note: {item.path}: MijnLoket is off live, so whether an addendum was "
                "requested cannot be read; written as `status: none`, change it to "
                "`requested` where one was"
            )
    click.echo(_summary(result))
    if result.evidence_gaps and not result.dry_run:
        click.echo(
            "Fill in addendum.signed_on and addendum.ticket from Loket's confirmation tickets "
            "and remove `evidence: pending` (`mijnloket-gitops validate` lists them as "
            "evidence-pending), or all at once from a spreadsheet: `mijnloket-gitops edit "
            "--evidence FILE.csv`. Until then plan shows those employers and apply leaves them "
            "alone."
        )


@click.command("import")
@click.option("--all", "everything", is_flag=True, help="Import every live employer.")
@click.option(
    "--employer",
    "employers",
    multiple=True,
    metavar="ID",
    callback=_ids,
    help="Import this employer (its Loket employer id; repeatable).",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the files (default: the repository's employers_dir).",
)
@click.option(
    "--missing",
    is_flag=True,
    help="Only employers that have no file yet; leave existing files alone (implies --all "
    "without --employer).",
)
@click.option(
    "--update",
    "--refresh-only",
    "update",
    is_flag=True,
    help="Refresh existing files from live state, showing the diff; keeps the addendum "
    "evidence, comments, names and users the provider cannot see (implies --all without "
    "--employer; with --missing, also writes new files).",
)
@click.option(
    "--evidence",
    "evidence_sheet",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.csv",
    help="Fill in the addendum (status, signed_on, ticket) of the employers in this "
    "spreadsheet export, as `edit --evidence` does; every row is checked first.",
)
@click.option(
    "--dry-run", is_flag=True, help="List (and with --update, diff) what would be written."
)
@click.option(
    "--force",
    is_flag=True,
    help="Rewrite files that exist from live state; their addendum evidence is kept.",
)
@repo_option
def import_command(
    everything: bool,
    employers: tuple[str, ...],
    output_dir: Path | None,
    missing: bool,
    update: bool,
    evidence_sheet: Path | None,
    dry_run: bool,
    force: bool,
    repo: Path,
) -> None:
    """Write one employer file per live employer, in canonical form.

    Products, every user (with or without rights) and the derived tier come from live
    state. What live state cannot tell is written as a commented gap: the addendum's
    signed_on and ticket where MijnLoket is on (validate reports them until filled in),
    whether an addendum was requested where MijnLoket is off (said per file and in the
    summary), products the catalog does not know, rights of users the provider cannot
    see. An employer
    that already has a file keeps its path; existing files are never overwritten
    without --force (which keeps their addendum evidence). --missing writes only the
    files that do not exist yet; --update (or --refresh-only) rewrites existing files
    from live state, printing the diff, and keeps what live state cannot know.
    Exit 0 when every file was written, updated or left alone on purpose (or, with
    --dry-run, would be), 1 when a file exists (without --force, --missing or
    --update), cannot be read or written, or an --employer does not exist live.
    """
    if everything and employers:
        raise click.UsageError("give --all or --employer ID, not both")
    if not (everything or employers or missing or update):
        raise click.UsageError("give --all, --missing, --update or at least one --employer ID")
    if force and (missing or update):
        raise click.UsageError("--force rewrites files from scratch; not with --missing/--update")
    settings = settings_for(repo)
    evidence = _sheet(evidence_sheet, settings.root) if evidence_sheet else None
    options = ImportOptions(
        output_dir=output_dir or repo / settings.config.employers_dir,
        schema=repo / SCHEMA_FILE,
        employer_ids=employers,
        dry_run=dry_run,
        force=force,
        missing=missing,
        update=update,
        evidence=evidence,
    )
    with open_provider(settings) as provider:
        ids = select(provider, options)
        progress = Progress(len(ids), "Reading live state")
        try:
            result = import_employers(provider, settings.catalog, options, ids, progress)
        finally:
            progress.close()
    _report(result, named=bool(employers))
    written = result.count(Outcome.WRITTEN, Outcome.OVERWRITTEN, Outcome.UPDATED)
    if written and not dry_run and not options.schema.is_file():
        # The modeline names the schema relative to each file; without it editors
        # report the modeline itself instead of checking the file.
        click.echo(
            f"The files' modeline points at {options.schema}, which does not exist yet: "
            f"`mijnloket-gitops schema --output-dir {options.schema.parent}` writes it, so "
            "that editors check and complete the files."
        )
    broken = _check_written(result, settings) if not dry_run else False
    if broken or not result.ok:
        raise SystemExit(ExitCode.ERROR)


def _sheet(path: Path, root: Path) -> ImportEvidence:
    """The sheet's rows; every problem printed and exit 1 before anything is read."""
    rows, problems = read_sheet(path)
    for problem in problems:
        click.echo(printable(f"error: {problem}"), err=True)
    if problems:
        click.secho(
            f"{plural(len(problems), 'problem')} in the sheet; nothing was imported.",
            fg="red",
            err=True,
        )
        raise SystemExit(ExitCode.ERROR)
    return ImportEvidence(path, tuple(rows), root)


def _check_written(result: ImportResult, settings: Settings) -> bool:
    """Validate the files just written: live state can break a rule the files must keep
    (a MijnLoket product live without MijnLoket), and such a file would block its own
    plan; better to say so now, with the rule, than at the next plan."""
    written = {Outcome.WRITTEN, Outcome.OVERWRITTEN, Outcome.UPDATED}
    paths = [item.path for item in result.files if item.outcome in written]
    if not paths:
        return False
    checked = validate_paths(paths, settings.catalog, require_tier=settings.config.require_tier)
    errors = [d for d in checked.diagnostics if d.severity == "error"]
    if not errors:
        return False
    click.echo(text_report(replace(checked, diagnostics=errors), use_color()), err=True, nl=False)
    click.secho(
        "Live state breaks these rules, so the files above do not validate; fix them in "
        "Loket.nl or in the file before planning (plan leaves them out until then).",
        fg="red",
        err=True,
    )
    return True


COMMANDS = (import_command,)
