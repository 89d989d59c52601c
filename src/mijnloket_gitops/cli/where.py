"""``--where EXPR``: the selector option shared by plan, edit, report and explain."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from mijnloket_gitops.config import Settings
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.gitutil import changed_files
from mijnloket_gitops.plan.safety import Portfolio
from mijnloket_gitops.plan.scope import Repository
from mijnloket_gitops.selection import compile_selector, select

F = TypeVar("F", bound=Callable[..., Any])

WHERE_HELP = (
    "Only employers the selector picks, e.g. "
    "'product=MijnLoket and user-type=werkgevergebruiker' "
    "(fields: tier, product, addendum, user-type, login, right, path, name, id, "
    "label.NAME; "
    "and / or / not; see the README's Selectors section)."
)


def where_option(func: F) -> F:
    """``--where EXPR``."""
    return click.option("--where", "where", metavar="EXPR", help=WHERE_HELP)(func)


def selected(
    settings: Settings,
    employers: Sequence[tuple[str, EmployerFile]],
    where: str | None,
    changed_since: str | None = None,
) -> Sequence[tuple[str, EmployerFile]]:
    """The employers ``--where`` and ``--changed-since`` pick (raises SelectorError)."""
    selector = compile_selector(where, settings.catalog)
    changed: set[Path] | None = None
    if changed_since:
        changed = changed_files(settings.root, changed_since)
    return select(selector, employers, settings.root, changed)


def narrow(settings: Settings, repository: Repository, where: str) -> Repository:
    """``repository`` with only the files ``--where`` picks in scope.

    The employers it leaves out still count for the share guards (with their files,
    as every employer outside a plan's scope does), and the plan's ``meta.scope``
    records the expression.
    """
    picked = list(selected(settings, repository.in_scope, where))
    kept = {e.employer_id.lower() for _, e in picked}
    dropped = [e for _, e in repository.in_scope if e.employer_id.lower() not in kept]
    outside = repository.managed.outside
    counts = Portfolio(
        outside.employers + len(dropped),
        outside.activations + sum(len(e.products) for e in dropped),
        outside.grants + sum(len(u.rights) for e in dropped for u in e.users),
    )
    scope = {**repository.scope, "where": where, "employers_in_scope": len(picked)}
    if scope["kind"] == "all":
        scope["kind"] = "where"
    return dataclasses.replace(
        repository,
        in_scope=picked,
        scope=scope,
        managed=dataclasses.replace(repository.managed, outside=counts),
    )
