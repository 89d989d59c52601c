"""Turn a parsed selector into a predicate over employer files.

Fields and what they match (``=`` means "has", ``!=`` means "has not" for the fields
that hold several values per employer):

========== ============================================== =======================
field      matches                                        operators
========== ============================================== =======================
tier       the derived tier: start, plus, pro, none       = != < <= > >= in
product    a product in ``products`` (exact catalog name) = != in
addendum   ``addendum.status``: signed, requested, none   = != in
user-type  a user of that type is listed                  = != in
login      a user whose login matches the glob            = != in
right      a user holds the right (exact catalog name)    = != in
path       the file's path from the repository, glob      = != in
name       the employer's name, glob, case-insensitive    = != in
id         the employer_id, glob, case-insensitive        = != in
label.NAME the file's label NAME, glob, case-insensitive   = != in
========== ============================================== =======================

``label.NAME != x`` also picks employers without that label.

Globs: ``*`` (also across ``/``), ``?``, ``[...]``. Names are checked against the
catalog when the selector is compiled, so a misspelt product is an error, not an
empty selection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import translate
from functools import cached_property
from pathlib import Path
from typing import get_args

from mijnloket_gitops.catalog import TIER_RANK, Catalog, UserType
from mijnloket_gitops.files.model import LABEL_KEY_PATTERN, AddendumStatus, EmployerFile
from mijnloket_gitops.selection.syntax import BoolOp, Condition, Node, Not, SelectorError, Value
from mijnloket_gitops.tier import derive_tier


@dataclass(frozen=True)
class Subject:
    """What a selector looks at: one valid employer file."""

    file: str
    """The file's path as the validator gave it."""
    employer: EmployerFile
    root: Path = Path(".")

    @cached_property
    def path(self) -> str:
        """The file's path relative to the repository, with ``/`` (only ``path`` asks)."""
        resolved = Path(self.file).resolve()
        try:
            return resolved.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(self.file).as_posix()


Predicate = Callable[[Subject], bool]
_Test = Callable[[Subject, str], bool]

_TIERS = ("none", "start", "plus", "pro")
_ALIASES = {"user_type": "user-type", "usertype": "user-type", "employer_id": "id"}
_ORDERED = {"<", "<=", ">", ">="}


def _glob(pattern: str, *, fold: bool) -> re.Pattern[str]:
    return re.compile(translate(pattern), re.IGNORECASE if fold else 0)


class _Compiler:
    def __init__(self, expression: str, catalog: Catalog) -> None:
        self.expression = expression
        self.catalog = catalog

    def fail(self, column: int, message: str) -> SelectorError:
        return SelectorError(self.expression, column, message)

    def node(self, node: Node) -> Predicate:
        if isinstance(node, Not):
            inner = self.node(node.operand)
            return lambda s: not inner(s)
        if isinstance(node, BoolOp):
            parts = [self.node(n) for n in node.operands]
            if node.op == "and":
                return lambda s: all(p(s) for p in parts)
            return lambda s: any(p(s) for p in parts)
        return self.condition(node)

    def condition(self, cond: Condition) -> Predicate:
        field = _ALIASES.get(cond.field, cond.field)
        builder = _FIELDS.get(field)
        if builder is None and field.startswith(_LABEL):
            builder = self.label(cond)
        if builder is None:
            raise self.fail(
                cond.column,
                f"unknown field {cond.field!r}; fields: {', '.join(sorted(_FIELDS))}, label.NAME",
            )
        if cond.op in _ORDERED and field != "tier":
            raise self.fail(cond.column, f"{cond.op} compares tiers only; use = or != here")
        tests = [builder(self, value) for value in cond.values]
        if cond.op in _ORDERED:
            return _compare_tier(self.catalog, cond.op, cond.values[0].text.lower())
        if cond.op == "!=":
            test = tests[0]
            return lambda s: not test(s)
        if len(tests) == 1:
            return tests[0]
        return lambda s: any(t(s) for t in tests)

    def choice(self, value: Value, allowed: tuple[str, ...], what: str) -> str:
        text = value.text.lower()
        if text not in allowed:
            raise self.fail(
                value.column, f"unknown {what} {value.text!r}; one of: {', '.join(allowed)}"
            )
        return text

    def label(self, cond: Condition) -> Callable[[_Compiler, Value], Predicate]:
        name = cond.field[len(_LABEL) :]
        if not _LABEL_NAME.match(name):
            raise self.fail(
                cond.column,
                f"label.{name}: a label's name is letters, digits, _ and -, e.g. label.sector",
            )
        return lambda c, value: _label_test(name, value)

    def product(self, value: Value) -> str:
        if value.text in self.catalog.products:
            return value.text
        closest = self.catalog.closest(value.text)
        hint = (
            f"; did you mean {closest!r}?" if closest else "; `mijnloket-gitops catalog` lists them"
        )
        quote = "" if value.quoted else " (quote names with spaces)"
        raise self.fail(value.column, f"unknown product {value.text!r}{hint}{quote}")

    def right(self, value: Value) -> str:
        if value.text in self.catalog.rights:
            return value.text
        closest = self.catalog.closest_right(value.text)
        hint = f"; did you mean {closest!r}?" if closest else ""
        raise self.fail(value.column, f"unknown right {value.text!r}{hint}")


_LABEL = "label."
_LABEL_NAME = re.compile(LABEL_KEY_PATTERN)


def _label_test(name: str, value: Value) -> Predicate:
    """The file's label ``name`` (names match case-insensitively) matches the glob."""
    pattern = _glob(value.text, fold=True)
    folded = name.casefold()

    def test(s: Subject) -> bool:
        labels = s.employer.labels or {}
        return any(k.casefold() == folded and pattern.match(v) for k, v in labels.items())

    return test


def _compare_tier(catalog: Catalog, op: str, tier: str) -> Predicate:
    rank = TIER_RANK[tier]
    compare: dict[str, Callable[[int], bool]] = {
        "<": lambda r: r < rank,
        "<=": lambda r: r <= rank,
        ">": lambda r: r > rank,
        ">=": lambda r: r >= rank,
    }
    check = compare[op]
    return lambda s: check(TIER_RANK[derive_tier(catalog, s.employer.products).tier or "none"])


def _tier_field(c: _Compiler, value: Value) -> Predicate:
    wanted = c.choice(value, _TIERS, "tier")
    catalog = c.catalog
    return lambda s: (derive_tier(catalog, s.employer.products).tier or "none") == wanted


def _product_field(c: _Compiler, value: Value) -> Predicate:
    name = c.product(value)
    return lambda s: name in s.employer.products


def _addendum_field(c: _Compiler, value: Value) -> Predicate:
    status = c.choice(value, get_args(AddendumStatus), "addendum status")
    return lambda s: s.employer.addendum.status == status


def _user_type_field(c: _Compiler, value: Value) -> Predicate:
    kind = c.choice(value, get_args(UserType), "user type")
    return lambda s: any(u.type == kind for u in s.employer.users)


def _login_field(c: _Compiler, value: Value) -> Predicate:
    pattern = _glob(value.text, fold=True)
    return lambda s: any(pattern.match(u.login) for u in s.employer.users)


def _right_field(c: _Compiler, value: Value) -> Predicate:
    name = c.right(value)
    return lambda s: any(name in u.rights for u in s.employer.users)


def _path_field(c: _Compiler, value: Value) -> Predicate:
    pattern = _glob(value.text.removeprefix("./"), fold=False)
    return lambda s: pattern.match(s.path) is not None


def _name_field(c: _Compiler, value: Value) -> Predicate:
    pattern = _glob(value.text, fold=True)
    return lambda s: pattern.match(s.employer.name) is not None


def _id_field(c: _Compiler, value: Value) -> Predicate:
    pattern = _glob(value.text, fold=True)
    return lambda s: pattern.match(s.employer.employer_id) is not None


_FIELDS: dict[str, Callable[[_Compiler, Value], Predicate]] = {
    "tier": _tier_field,
    "product": _product_field,
    "addendum": _addendum_field,
    "user-type": _user_type_field,
    "login": _login_field,
    "right": _right_field,
    "path": _path_field,
    "name": _name_field,
    "id": _id_field,
}


def compile_node(expression: str, node: Node, catalog: Catalog) -> Predicate:
    """A predicate for ``node``; raises :class:`SelectorError` for unknown names."""
    return _Compiler(expression, catalog).node(node)
