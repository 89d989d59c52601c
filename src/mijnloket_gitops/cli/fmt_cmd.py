"""``fmt``: rewrite employer files in canonical form, or (``--check``) show the diff."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from mijnloket_gitops.cli.common import employers_dir, repo_option, settings_for, use_color
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.fmt import iter_formats
from mijnloket_gitops.validate.diagnostics import Diagnostic
from mijnloket_gitops.validate.discovery import discover
from mijnloket_gitops.visible import printable

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
    files, problems = discover(list(paths) or [employers_dir(settings)])
    color = use_color(sys.stderr)
    for diagnostic in problems:
        click.echo(_diagnostic(diagnostic, color), err=True)
    # Each file is reported (and written) as soon as it is formatted, and then let go:
    # nothing waits for the last of 100,000 files, and memory stays flat.
    tally = _Tally(failed=bool(problems))
    formats = iter_formats(
        files,
        settings.catalog,
        require_tier=settings.config.require_tier,
        action="check" if check else "write",
    )
    for item in formats:
        tally.files += 1
        for diagnostic in item.diagnostics:
            click.echo(_diagnostic(diagnostic, color), err=True)
        if item.text is None:
            tally.not_formatted += 1
            tally.failed = True
            if item.error:
                click.echo(printable(f"{item.path}: error: {item.error}"), err=True)
            continue
        if not item.changed:
            continue
        tally.changed += 1
        if check:
            click.echo(item.outcome, nl=False)
        elif item.outcome == "written":
            click.echo(printable(f"reformatted {item.path}"))
        else:
            click.echo(printable(f"{item.path}: error: {item.outcome}"), err=True)
            tally.failed = True
    click.echo(tally.summary(check), err=True)
    if tally.failed or (check and tally.changed):
        raise SystemExit(ExitCode.ERROR)


@dataclass
class _Tally:
    failed: bool = False
    files: int = 0
    changed: int = 0
    not_formatted: int = 0

    def summary(self, check: bool) -> str:
        canonical = self.files - self.changed - self.not_formatted
        parts = [
            f"{self.changed} {'would be reformatted' if check else 'reformatted'}",
            f"{canonical} {'already canonical' if check else 'unchanged'}",
        ]
        if self.not_formatted:
            parts.append(f"{self.not_formatted} not formatted")
        return ", ".join(parts)


def _diagnostic(d: Diagnostic, color: bool) -> str:
    """The line validate's text report gives (``path:line:col: severity [rule] ...``)."""
    severity = click.style(d.severity, fg=_COLORS[d.severity], bold=True) if color else d.severity
    line = f"{printable(d.path)}:{d.line}:{d.column}: {severity} [{d.rule}] {printable(d.message)}"
    return f"{line}\n    hint: {printable(d.hint)}" if d.hint else line


COMMANDS = (fmt_command,)
