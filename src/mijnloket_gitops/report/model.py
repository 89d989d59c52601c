"""The portfolio report as data: what every renderer (markdown, html, json) shows.

:func:`build_report` counts from the valid employer files only; live drift and git
dates come in as arguments, so this module neither reads git nor a provider.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import PricingConfig
from mijnloket_gitops.cost import as_number, monthly_cost
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.tier import derive_tier

REPORT_VERSION = 1
TIERS = ("none", "start", "plus", "pro")
STATUSES = ("none", "requested", "signed")


def build_report(
    catalog: Catalog,
    employers: Sequence[tuple[str, EmployerFile]],
    *,
    today: dt.date,
    requested_since: Mapping[str, dt.date] | None = None,
    pricing: PricingConfig | None = None,
    drift: Mapping[str, Mapping[str, int]] | None = None,
    selector: str | None = None,
) -> dict[str, Any]:
    """The report's JSON form (``report --format json``).

    ``employers`` are ``(path as shown, file)``; ``requested_since`` maps the resolved
    path to the date; ``drift`` maps employer ids to step counts by action.
    """
    since = requested_since or {}
    tiers: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    adoption: Counter[str] = Counter()
    rows: list[dict[str, Any]] = []
    requested: list[dict[str, Any]] = []
    total_cost = Decimal(0)
    cost_by_tier = dict.fromkeys(TIERS, Decimal(0))
    for path, employer in sorted(employers, key=lambda item: item[1].name.casefold()):
        tier = derive_tier(catalog, employer.products).tier or "none"
        tiers[tier] += 1
        statuses[employer.addendum.status] += 1
        adoption.update(set(employer.products))
        row: dict[str, Any] = {
            "employer_id": employer.employer_id,
            "name": employer.name,
            "path": path,
            "tier": tier,
            "addendum": employer.addendum.status,
            "products": len(set(employer.products)),
        }
        if pricing is not None:
            cost = monthly_cost(pricing, catalog, employer.employer_id, employer.products).total
            row["monthly_cost"] = as_number(cost)
            total_cost += cost
            cost_by_tier[tier] += cost
        if drift is not None:
            row["drift"] = dict(drift.get(employer.employer_id, {}))
        rows.append(row)
        if employer.addendum.status == "requested":
            date = _lookup(since, path)
            requested.append(
                {
                    "employer_id": employer.employer_id,
                    "name": employer.name,
                    "path": path,
                    "since": date.isoformat() if date else None,
                    "days": (today - date).days if date else None,
                }
            )
    requested.sort(key=lambda r: (r["days"] is None, -(r["days"] or 0), r["name"]))
    count = len(rows)
    report: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "date": today.isoformat(),
        "selector": selector,
        "employers_total": count,
        "tiers": {t: tiers[t] for t in TIERS},
        "addendum": {s: statuses[s] for s in STATUSES},
        "products": [
            {
                "product": name,
                "employers": adoption[name],
                "share": round(adoption[name] / count, 4) if count else 0.0,
            }
            for name in catalog.sort(set(catalog.products) | set(adoption))
        ],
        "requested": requested,
        "employers": rows,
    }
    if pricing is not None:
        report["cost"] = {
            "currency": pricing.currency,
            "period": "month",
            "total": as_number(total_cost),
            "by_tier": {t: as_number(cost_by_tier[t]) for t in TIERS},
        }
    if drift is not None:
        drifted = [r for r in rows if any(r["drift"].values())]
        report["drift"] = {"employers_with_drift": len(drifted), "employers_checked": count}
    return report


def _lookup(since: Mapping[str, dt.date], path: str) -> dt.date | None:
    return since.get(str(Path(path).resolve()))
