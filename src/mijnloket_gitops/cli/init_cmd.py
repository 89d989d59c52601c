"""``init``: scaffold a configuration repository."""

from __future__ import annotations

from pathlib import Path

import click

from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.gitops.scaffold import DEFAULT_REPOSITORY, Source, conflicts, scaffold_files
from mijnloket_gitops.gitops.scaffold import write_files as write


@click.command()
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option(
    "--source",
    metavar="OWNER/NAME[@REF]",
    default=None,
    help=f"Where the workflows take the action and pre-commit the hooks from "
    f"[default: {DEFAULT_REPOSITORY}@v<this version>].",
)
def init(directory: Path, source: str | None) -> None:
    """Scaffold a configuration repository in DIRECTORY (default: here).

    Writes employers/ with one commented example, mijnloket-gitops.yaml (sandbox
    provider; the Loket.nl section commented out), the GitHub workflows for pull
    requests, apply and drift, .pre-commit-config.yaml, editor settings for the
    schemas, schemas/, .gitignore and a README. Refuses (exit 1, nothing written)
    when any of these files exists.
    """
    chosen = Source.parse(source) if source else Source()
    files = scaffold_files(chosen)
    existing = conflicts(directory, files)
    if existing:
        click.secho(
            f"error: these files exist in {directory}; nothing was written:", fg="red", err=True
        )
        for path in existing:
            click.echo(f"  {path}", err=True)
        raise SystemExit(ExitCode.ERROR)
    write(directory, files)
    for path in sorted(files):
        click.echo(f"  created {path}")
    if source is None:
        click.echo(
            f"The workflows take the action and hooks from {DEFAULT_REPOSITORY} at this"
            " version; if you use a fork or mirror, run init again with --source OWNER/NAME@REF"
            " in an empty directory, or edit the `uses:` lines."
        )
    click.echo(
        f"Next: cd {directory} && git init && mijnloket-gitops validate && "
        "mijnloket-gitops sandbox seed && mijnloket-gitops plan"
    )


COMMANDS = (init,)
