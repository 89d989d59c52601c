"""``init``: scaffold a configuration repository."""

from __future__ import annotations

from pathlib import Path

import click

from mijnloket_gitops.gitops.scaffold import (
    DEFAULT_REPOSITORY,
    Source,
    inside_git,
    plan_writes,
    resolve,
    scaffold_files,
    write_files,
)


@click.command()
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option(
    "--source",
    metavar="OWNER/NAME[@REF]",
    default=None,
    help=f"Where the workflows take the action and pre-commit the hooks from "
    f"[default: {DEFAULT_REPOSITORY}@v<this version>]. A tag is pinned to its commit "
    "(asked of GitHub); give @<commit> to pin without asking.",
)
@click.option("--force", is_flag=True, help="Overwrite files that exist (.gitignore too).")
def init(directory: Path, source: str | None, force: bool) -> None:
    """Scaffold a configuration repository in DIRECTORY (default: here).

    Writes employers/ with one commented example, mijnloket-gitops.yaml (sandbox
    provider; the Loket.nl section commented out), the GitHub workflows for pull
    requests, apply and drift, dependabot.yml, .pre-commit-config.yaml, editor
    settings for the schemas, schemas/, .gitignore and a README. Files that exist are
    kept and listed (.gitignore gets the lines it lacks); --force overwrites them.
    """
    chosen = resolve(Source.parse(source) if source else Source())
    writes = plan_writes(directory, scaffold_files(chosen), force)
    write_files(directory, writes.write, overwrite=force)
    write_files(directory, writes.merged, overwrite=True)
    for path in sorted(writes.write):
        click.echo(f"  created {path}")
    for path in sorted(writes.merged):
        click.echo(f"  added the missing lines to {path}")
    for path in writes.skipped:
        click.echo(f"  skipped {path} (exists; --force overwrites it)")
    if not chosen.pinned:
        click.secho(
            f"warning: could not find the commit of {chosen.repository}@{chosen.ref}; the "
            "workflows use the tag, which can be moved. Pin it: run init again with --source "
            "OWNER/NAME@<commit> --force, or edit the `uses:` lines.",
            fg="yellow",
            err=True,
        )
    if source is None:
        click.echo(
            f"The workflows take the action and hooks from {DEFAULT_REPOSITORY} at this"
            " version; if you use a fork or mirror, run init again with --source OWNER/NAME@REF"
            " --force, or edit the `uses:` lines."
        )
    steps = "mijnloket-gitops validate && mijnloket-gitops sandbox seed && mijnloket-gitops plan"
    if inside_git(directory):
        here = "" if directory == Path(".") else f"cd {directory} && "
        click.echo(f"Next: {here}{steps}")
    else:
        click.echo(f"Next: cd {directory} && git init && {steps}")


COMMANDS = (init,)
