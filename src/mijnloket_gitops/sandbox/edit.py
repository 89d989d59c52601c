"""``sandbox set``: change live state by hand, as a consultant in the web UI would.

Names are checked against the catalog (a typo is refused with the closest name), but
dependencies are not: people do switch off a product that another one needs, and the
next plan must cope. Loket's own refusals still hold (MijnLoket only once the portal
is available, rights only for users that exist). All changes of one edit are one
transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from mijnloket_gitops.catalog import Catalog, UserType
from mijnloket_gitops.sandbox.db import SandboxError
from mijnloket_gitops.sandbox.store import Store

SET_ORIGIN = "set"


@dataclass(frozen=True)
class Edit:
    """What ``sandbox set`` was asked to change for one employer."""

    portal_available: bool | None = None
    add_users: tuple[tuple[str, UserType], ...] = ()
    activate: tuple[str, ...] = ()
    deactivate: tuple[str, ...] = ()
    grant: tuple[tuple[str, str], ...] = ()
    """(right, login) pairs."""
    revoke: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return self.portal_available is None and not any(
            (self.add_users, self.activate, self.deactivate, self.grant, self.revoke)
        )


@dataclass
class EditResult:
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _check_names(edit: Edit, catalog: Catalog) -> None:
    problems: list[str] = []
    for name in (*edit.activate, *edit.deactivate):
        if name not in catalog.products:
            close = catalog.closest(name)
            hint = f"; did you mean {close!r}?" if close else ""
            problems.append(f"unknown product {name!r}{hint}")
    for right, _ in (*edit.grant, *edit.revoke):
        if right not in catalog.rights:
            close = catalog.closest_right(right)
            hint = f"; did you mean {close!r}?" if close else ""
            problems.append(f"unknown right {right!r}{hint}")
    if problems:
        raise SandboxError("\n".join(dict.fromkeys(problems)))


def _line(changed: bool, sign: str, subject: str) -> str:
    return f"{sign} {subject}" if changed else f"  {subject} (no change)"


def apply_edit(store: Store, employer_id: str, edit: Edit, catalog: Catalog) -> EditResult:
    """Make ``edit`` in one transaction; all of it or, on an error, nothing."""
    _check_names(edit, catalog)
    result = EditResult()
    out = result.lines
    with store.write(SET_ORIGIN) as tx:
        if edit.portal_available is not None:
            changed = tx.set_portal_available(employer_id, edit.portal_available)
            state = "available" if edit.portal_available else "not available"
            out.append(_line(changed, "~", f"{catalog.portal} {state}"))
        for login, kind in edit.add_users:
            out.append(_line(tx.add_user(employer_id, login, kind), "+", f"user {login} ({kind})"))
        for name in catalog.sort(edit.activate):
            out.append(
                _line(tx.activate(employer_id, name, catalog.products[name].gate), "+", name)
            )
        for name in reversed(catalog.sort(edit.deactivate)):
            out.append(_line(tx.deactivate(employer_id, name), "-", name))
        for right, login in edit.grant:
            out.append(_line(tx.grant(employer_id, login, right), "+", f"{right} for {login}"))
        for right, login in edit.revoke:
            out.append(_line(tx.revoke(employer_id, login, right), "-", f"{right} for {login}"))
    live = store.live([employer_id]).get(employer_id)
    if live is not None:
        result.warnings = unmet_dependencies(catalog, live.products)
    return result


def unmet_dependencies(catalog: Catalog, products: Collection[str]) -> list[str]:
    """What the catalog says is wrong with a set of active products (for warnings)."""
    found: list[str] = []
    for name in catalog.sort(products):
        product = catalog.products.get(name)
        if product is None:
            continue
        for need in product.requires:
            if need not in products:
                found.append(f"{name} is active without {need}")
        for group in product.requires_one_of:
            if not set(group) & set(products):
                found.append(f"{name} is active without one of {' / '.join(group)}")
        for other in product.excludes:
            if other in products and catalog.order.get(other, 0) > catalog.order[name]:
                found.append(f"{name} and {other} are both active")
    return found
