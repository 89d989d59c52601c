"""``init``: scaffold a configuration repository."""

from __future__ import annotations

import re
from pathlib import Path

import click

from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.gitops.scaffold import (
    DEFAULT_REPOSITORY,
    Source,
    inside_git,
    plan_writes,
    resolve,
    scaffold_files,
    write_files,
)

_OWNER = re.compile(r"@[A-Za-z0-9-]+(?:/[A-Za-z0-9_.-]+)?")


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
@click.option(
    "--allow-unpinned",
    is_flag=True,
    help="Write the workflows with the tag when its commit cannot be found (a tag can be "
    "moved: the workflows holding the `loket` environment would run what it points at).",
)
@click.option(
    "--code-owner",
    "owners",
    multiple=True,
    metavar="@USER|@ORG/TEAM",
    help="Who must review changes to .github/, .mijnloket/ and mijnloket-gitops.yaml "
    "(.github/CODEOWNERS; repeatable). Without it the lines are written commented out.",
)
def init(
    directory: Path,
    source: str | None,
    force: bool,
    allow_unpinned: bool,
    owners: tuple[str, ...],
) -> None:
    """Scaffold a configuration repository in DIRECTORY (default: here).

    Writes employers/ with one commented example, mijnloket-gitops.yaml (sandbox
    provider; the Loket.nl section commented out), the GitHub workflows for pull
    requests, apply and drift, dependabot.yml, .pre-commit-config.yaml, editor
    settings for the schemas, schemas/, .gitignore and a README. Files that exist are
    kept and listed (.gitignore gets the lines it lacks); --force overwrites them.
    """
    chosen = resolve(Source.parse(source) if source else Source())
    if not chosen.pinned and not allow_unpinned:
        raise MijnloketError(
            f"could not find the commit of {chosen.repository}@{chosen.ref}, so nothing was"
            " written: workflows that use a tag run whatever the tag points at later, with"
            " the `loket` environment's secrets. Give --source OWNER/NAME@<commit>, or"
            " --allow-unpinned to write the tag anyway."
        )
    bad = [owner for owner in owners if not _OWNER.fullmatch(owner)]
    if bad:
        raise MijnloketError(f"--code-owner takes @USER or @ORG/TEAM, not {bad[0]!r}")
    writes = plan_writes(directory, scaffold_files(chosen, owners), force)
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
    if not owners and ".github/CODEOWNERS" in writes.write:
        click.echo(
            "Name who must review .github/, .mijnloket/ and mijnloket-gitops.yaml in"
            " .github/CODEOWNERS (or run init again with --code-owner @ORG/TEAM --force),"
            " and require code owner review on the default branch."
        )
    steps = "mijnloket-gitops validate && mijnloket-gitops sandbox seed && mijnloket-gitops plan"
    if inside_git(directory):
        here = "" if directory == Path(".") else f"cd {directory} && "
        click.echo(f"Next: {here}{steps}")
    else:
        click.echo(f"Next: cd {directory} && git init && {steps}")


COMMANDS = (init,)
