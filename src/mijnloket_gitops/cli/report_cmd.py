"""``report``: the portfolio at a glance (markdown, html, json)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import click

from mijnloket_gitops.cli.common import employers_dir, repo_option, settings_for, use_color
from mijnloket_gitops.cli.where import selected, where_option
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import ExitCode, MijnloketError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.files.writing import write_text
from mijnloket_gitops.report import FORMATS
from mijnloket_gitops.report.history import requested_since
from mijnloket_gitops.report.model import build_report
from mijnloket_gitops.validate.report.text import text_report
from mijnloket_gitops.validate.runner import validate_paths

ACTIONS = ("activate", "deactivate", "grant", "revoke")


@click.command("report")
@where_option
@click.option("--changed-since", metavar="REF", help="Only files changed since this git ref.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="markdown",
    show_default=True,
    help="markdown (tables and Mermaid charts, e.g. for a job summary), html (one "
    "self-contained file), json (for tools).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout."
)
@click.option("--live", is_flag=True, help="Read live state too and show drift per employer.")
@click.option(
    "--group-by",
    metavar="LABEL",
    help="Group the employers by this label of the files (e.g. sector).",
)
@repo_option
def report(
    where: str | None,
    changed_since: str | None,
    fmt: str,
    out: Path | None,
    live: bool,
    group_by: str | None,
    repo: Path,
) -> None:
    """Show the portfolio: tiers, product adoption, the addendum pipeline.

    Counts the valid employer files (invalid ones are reported on stderr and left
    out, exit 1). "Requested since" comes from git history: the commit that wrote
    the file's `status: requested` line. With --live, live state is read through
    the configured provider and every employer's drift (steps a plan would take) is
    shown with its steps. With `pricing:` in mijnloket-gitops.yaml, the monthly cost
    too; with --group-by LABEL, the employers grouped by one of the files' labels.
    """
    settings = settings_for(repo)
    folder = employers_dir(settings)
    validation = validate_paths(
        [folder], settings.catalog, require_tier=settings.config.require_tier
    )
    employers = selected(settings, validation.employers, where, changed_since)
    requested = [p for p, e in employers if e.addendum.status == "requested"]
    drift, steps = _drift(settings, employers, validation.employers) if live else (None, None)
    data = build_report(
        settings.catalog,
        employers,
        today=dt.date.today(),
        requested_since=requested_since(settings.root, folder, requested),
        pricing=settings.config.pricing,
        drift=drift,
        drift_steps=steps,
        selector=where,
        group_by=group_by,
    )
    if group_by and not any(
        name.casefold() == group_by.casefold() for name in data["labels"]
    ):  # a typo would otherwise put every employer under "(no label)"
        known = ", ".join(data["labels"]) or "none"
        click.secho(
            f"warning: no employer file has the label {group_by!r} (labels: {known})",
            fg="yellow",
            err=True,
        )
    text = FORMATS[fmt](data)
    if out is None:
        click.echo(text, nl=False)
    else:
        try:
            if not out.exists():
                out.touch()
            write_text(out, text)
        except OSError as error:
            raise MijnloketError(f"{out}: cannot write the report: {error.strerror}") from None
        click.echo(f"Wrote the {fmt} report to {out}.", err=True)
    if validation.errors:
        click.echo(text_report(validation, use_color()), err=True, nl=False)
        click.secho("Invalid employer files are not in the report.", fg="red", err=True)
        raise SystemExit(ExitCode.ERROR)


def _drift(
    settings: Settings,
    employers: Sequence[tuple[str, EmployerFile]],
    everything: list[tuple[str, EmployerFile]],
) -> tuple[dict[str, dict[str, int]], dict[str, list[str]]]:
    """Steps a plan would take per employer: counted by action, and as people read
    them (reads live state)."""
    # Imported here: only --live needs the provider machinery.
    from mijnloket_gitops.cli.plan_cmd import plan_repository
    from mijnloket_gitops.plan.managed import managed_from_models
    from mijnloket_gitops.plan.safety import Overrides
    from mijnloket_gitops.plan.scope import Repository
    from mijnloket_gitops.validate.runner import ValidationResult

    in_scope = {e.employer_id.lower() for _, e in employers}
    repository = Repository(
        ValidationResult([], []),
        list(employers),
        managed=managed_from_models((e for _, e in everything), in_scope),
    )
    # force: guards refuse applying, not looking; a report only looks.
    result = plan_repository(settings, repository, Overrides(force=True), list_unmanaged=False)
    drift: dict[str, dict[str, int]] = {}
    steps: dict[str, list[str]] = {}
    for employer in result.plan.employers:
        counts = Counter(s.step.action.value for s in employer.steps)
        drift[employer.employer_id] = {a: counts[a] for a in ACTIONS}
        steps[employer.employer_id] = [
            f"{s.step.action} {s.step.subject}" + (" (manual)" if s.manual else "")
            for s in employer.steps
        ]
    return drift, steps


COMMANDS = (report,)
