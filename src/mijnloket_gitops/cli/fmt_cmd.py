"""``fmt``: rewrite employer files in canonical form, or (``--check``) show the diff."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mijnloket_gitops.cli.common import employers_dir, repo_option, settings_for, use_color
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.fmt import FormatRun, format_paths, write_text
from mijnloket_gitops.validate.diagnostics import Diagnostic

_COLORS = {"error": "red", "warning": "yellow"}


@click.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Change nothing: print a diff per file that is not canonical, exit 1 if any.",
)
@click.option(
    "--employers-only",
    is_flag=True,
    help="Skip PATHS outside the repository's employers_dir (the pre-commit hook passes "
    "every staged YAML file; this reads where employer files live from the configuration).",
)
@repo_option
def fmt_command(paths: tuple[Path, ...], check: bool, employers_only: bool, repo: Path) -> None:
    """Rewrite employer files in canonical form, keeping every comment.

    Fixed key order, products in catalog order, users by login, rights in catalog
    order, two-space indentation, plain or double-quoted strings; the data never
    changes. PATHS are files or directories (default: the repository's employers/).
    A file that does not read is left alone and reported as validate reports it.
    Exit 0 when every file is (now) canonical, 1 otherwise.
    """
    settings = settings_for(repo, required=not paths or employers_only)
    if employers_only and paths:
        inside = employers_dir(settings).resolve()
        paths = tuple(p for p in paths if inside in p.resolve().parents)
        if not paths:
            return  # nothing staged is an employer file
    run = format_paths(
        list(paths) or [employers_dir(settings)],
        settings.catalog,
        require_tier=settings.config.require_tier,
    )
    color = use_color(sys.stderr)
    failed = False
    for diagnostic in run.all_diagnostics:
        click.echo(_diagnostic(diagnostic, color), err=True)
        failed = True
    for item in run.files:
        if item.error:
            click.echo(f"{item.path}: error: {item.error}", err=True)
            failed = True
    for item in run.changed:
        if check:
            click.echo(item.diff(), nl=False)
            continue
        assert item.text is not None
        try:
            write_text(Path(item.path), item.text)
        except OSError as error:
            click.echo(f"{item.path}: error: cannot write: {error.strerror or error}", err=True)
            failed = True
        else:
            click.echo(f"reformatted {item.path}")
    click.echo(_summary(run, check), err=True)
    if failed or (check and run.changed):
        raise SystemExit(ExitCode.ERROR)


def _diagnostic(d: Diagnostic, color: bool) -> str:
    """The line validate's text report gives (``path:line:col: severity [rule] ...``)."""
    severity = click.style(d.severity, fg=_COLORS[d.severity], bold=True) if color else d.severity
    line = f"{d.path}:{d.line}:{d.column}: {severity} [{d.rule}] {d.message}"
    return f"{line}\n    hint: {d.hint}" if d.hint else line


def _summary(run: FormatRun, check: bool) -> str:
    changed, failed = len(run.changed), len(run.failed)
    canonical = len(run.files) - changed - failed
    parts = [
        f"{changed} {'would be reformatted' if check else 'reformatted'}",
        f"{canonical} {'already canonical' if check else 'unchanged'}",
    ]
    if failed:
        parts.append(f"{failed} not formatted")
    return ", ".join(parts)


COMMANDS = (fmt_command,)
