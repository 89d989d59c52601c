"""Selectors: one small expression language that picks employer files.

``plan --where``, ``edit``, ``report`` and ``explain`` all select employers through
:func:`compile_selector` and :func:`select`, so an expression means the same
everywhere. The grammar is in :mod:`.syntax`, the fields in :mod:`.compile`.

Examples::

    product=MijnLoket and user-type=werkgevergebruiker
    tier>=plus and not product="MijnLoket - Assistent"
    addendum in (requested, none) or path="employers/noord/*"
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.selection.compile import Predicate, Subject, compile_node
from mijnloket_gitops.selection.syntax import SelectorError, parse

__all__ = ["Selector", "SelectorError", "Subject", "compile_selector", "select"]


@dataclass(frozen=True)
class Selector:
    """A compiled selector; ``expression`` is None for "every employer"."""

    expression: str | None
    predicate: Predicate

    def __call__(self, subject: Subject) -> bool:
        return self.predicate(subject)


def compile_selector(expression: str | None, catalog: Catalog) -> Selector:
    """The selector for ``expression`` (None or blank: everything).

    Raises :class:`SelectorError` (exit 1) naming the column of the problem.
    """
    if expression is None:
        return Selector(None, lambda _: True)
    return Selector(expression, compile_node(expression, parse(expression), catalog))


def select(
    selector: Selector,
    employers: Iterable[tuple[str, EmployerFile]],
    root: Path,
    changed: set[Path] | None = None,
) -> Sequence[tuple[str, EmployerFile]]:
    """The ``(path, employer)`` pairs the selector picks, in the given order.

    ``changed`` (from ``--changed-since``) narrows the pick to those files.
    """
    picked = []
    for path, employer in employers:
        if changed is not None and Path(path).resolve() not in changed:
            continue
        if selector.expression is None or selector(Subject(path, employer, root)):
            picked.append((path, employer))
    return picked
