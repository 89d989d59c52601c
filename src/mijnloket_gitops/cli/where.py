"""``--where EXPR``: the selector option shared by plan, edit, report and explain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from mijnloket_gitops.config import Settings
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.gitutil import changed_files
from mijnloket_gitops.selection import compile_selector, select

F = TypeVar("F", bound=Callable[..., Any])

WHERE_HELP = (
    "Only employers the selector picks, e.g. "
    "'product=MijnLoket and user-type=werkgevergebruiker' "
    "(fields: tier, product, addendum, user-type, login, right, path, name, id; "
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
