"""``sandbox show``: the live state of the sandbox for people and for scripts.

The JSON form is ``{"format_version": 1, "database": ..., "employers": [...]}``; each
employer is :attr:`LiveEmployer.data` plus ``employer_number``,
``chamber_of_commerce_number`` and the derived ``tier``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.providers.base import LiveEmployer
from mijnloket_gitops.sandbox.seed import SeedEmployer
from mijnloket_gitops.sandbox.store import EmployerRecord
from mijnloket_gitops.tier import derive_tier
from mijnloket_gitops.words import plural

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Shown:
    """One employer as ``show`` presents it."""

    record: EmployerRecord
    live: LiveEmployer

    def data(self, catalog: Catalog) -> dict[str, Any]:
        return {
            **self.live.data,
            "employer_number": self.record.employer_number,
            "chamber_of_commerce_number": self.record.chamber_of_commerce_number,
            "tier": derive_tier(catalog, self.live.products).tier,
        }


def render_json(database: str, shown: Sequence[Shown], catalog: Catalog) -> str:
    data = {
        "format_version": FORMAT_VERSION,
        "database": database,
        "employers": [s.data(catalog) for s in shown],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _portal(shown: Shown, catalog: Catalog) -> str:
    tier = derive_tier(catalog, shown.live.products).tier
    if tier is not None:
        return f"on, {tier}"
    return "available" if shown.live.portal_available else "not available"


def render_table(database: str, shown: Sequence[Shown], catalog: Catalog) -> str:
    """One line per employer."""
    header = ("EMPLOYER", "ID", "NUMBER", catalog.portal.upper(), "PRODUCTS", "RIGHTS")
    rows = [
        (
            s.live.name,
            s.live.employer_id,
            str(s.record.employer_number),
            _portal(s, catalog),
            str(len(s.live.products)),
            str(sum(len(u.rights) for u in s.live.users.values())),
        )
        for s in shown
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"Sandbox {database}: {len(shown)} employer{'' if len(shown) == 1 else 's'}"]
    for row in [header, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def render_detail(shown: Shown, catalog: Catalog) -> str:
    """Everything about one employer."""
    live, record = shown.live, shown.record
    tier = derive_tier(catalog, live.products)
    if tier.tier is not None:
        portal = f"on, tier {tier.tier} ({tier.because()})"
    elif live.portal_available:
        portal = "off; available (Loket has processed the addendum)"
    else:
        portal = "off; not available until Loket processes the signed addendum"
    lines = [
        live.name,
        f"  id                  {live.employer_id}",
        f"  employer number     {record.employer_number}",
        f"  chamber of commerce {record.chamber_of_commerce_number or '-'}",
        f"  {catalog.portal:<19} {portal}",
        f"  products ({len(live.products)})",
    ]
    for name in catalog.sort(live.products):
        lines.append(f"    {name}" + ("" if name in catalog.products else "  (not in the catalog)"))
    lines.append(f"  users ({len(live.users)})")
    for _, user in sorted(live.users.items()):
        rights = ", ".join(sorted(user.rights)) or "no rights"
        lines.append(f"    {user.login}  {user.type}  {rights}")
    return "\n".join(lines) + "\n"


def render_seed(database: str, state: Sequence[SeedEmployer]) -> str:
    """What ``sandbox seed`` created, and where live differs from the files."""
    managed = [e for e in state if e.path is not None]
    drifted = [e for e in managed if e.drift]
    lines = [
        f"Seeded {database}: {plural(len(managed), 'employer')} from their files "
        f"({len(drifted)} {'differs' if len(drifted) == 1 else 'differ'} live), "
        f"{len(state) - len(managed)} unmanaged."
    ]
    for employer in drifted:
        lines.append(f"  {employer.name} ({employer.path}):")
        lines.extend(f"    {note}" for note in employer.drift)
    lines.append("Next: `mijnloket-gitops plan` shows what apply would change.")
    return "\n".join(lines) + "\n"
