"""The portfolio report as data: what every renderer (markdown, html, json) shows.

:func:`build_report` counts from the valid employer files only; live drift and git
dates come in as arguments, so this module neither reads git nor a provider.

The addendum pipeline has four stages: no addendum, requested, signed with the
evidence still pending (``evidence: pending``, the backlog import leaves), and
signed with its date and ticket. The backlog is also listed employer by employer.
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
STAGES = ("none", "requested", "evidence_pending", "signed")
"""The addendum pipeline, in order; ``signed`` counts only complete evidence."""
STATUSES = STAGES  # the name older callers import


def stage(employer: EmployerFile) -> str:
    """The employer's stage in the addendum pipeline (one of :data:`STAGES`)."""
    if employer.addendum.status == "signed" and employer.addendum.evidence == "pending":
        return "evidence_pending"
    return employer.addendum.status


def _who(employer: EmployerFile, path: str) -> dict[str, Any]:
    return {"employer_id": employer.employer_id, "name": employer.name, "path": path}


def build_report(
    catalog: Catalog,
    employers: Sequence[tuple[str, EmployerFile]],
    *,
    today: dt.date,
    requested_since: Mapping[str, dt.date] | None = None,
    pricing: PricingConfig | None = None,
    drift: Mapping[str, Mapping[str, int]] | None = None,
    drift_steps: Mapping[str, Sequence[str]] | None = None,
    selector: str | None = None,
    group_by: str | None = None,
) -> dict[str, Any]:
    """The report's JSON form (``report --format json``).

    ``employers`` are ``(path as shown, file)``; ``requested_since`` maps the resolved
    path to the date; ``drift`` maps employer ids to step counts by action and
    ``drift_steps`` to the steps themselves, as people read them; ``group_by`` names
    the label the employers are grouped by.
    """
    since = requested_since or {}
    steps_of = drift_steps or {}
    tiers: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    adoption: Counter[str] = Counter()
    labels: dict[str, Counter[str]] = {}
    rows: list[dict[str, Any]] = []
    requested: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    drifted: list[dict[str, Any]] = []
    total_cost = Decimal(0)
    cost_by_tier = dict.fromkeys(TIERS, Decimal(0))
    for path, employer in sorted(employers, key=lambda item: item[1].name.casefold()):
        tier = derive_tier(catalog, employer.products).tier or "none"
        tiers[tier] += 1
        where = stage(employer)
        stages[where] += 1
        adoption.update(set(employer.products))
        own = dict(employer.labels or {})
        for name, value in own.items():
            labels.setdefault(name, Counter())[value] += 1
        row: dict[str, Any] = {
            **_who(employer, path),
            "tier": tier,
            "addendum": where,
            "products": len(set(employer.products)),
            "labels": own,
        }
        if group_by is not None:
            row["group"] = _label(own, group_by)
        if pricing is not None:
            cost = monthly_cost(pricing, catalog, employer.employer_id, employer.products).total
            row["monthly_cost"] = as_number(cost)
            total_cost += cost
            cost_by_tier[tier] += cost
        if drift is not None:
            row["drift"] = dict(drift.get(employer.employer_id, {}))
            if any(row["drift"].values()):
                steps = list(steps_of.get(employer.employer_id, ()))
                drifted.append({**_who(employer, path), "steps": steps})
        rows.append(row)
        if where == "evidence_pending":
            pending.append(_who(employer, path))
        if employer.addendum.status == "requested":
            date = _lookup(since, path)
            requested.append(
                {
                    **_who(employer, path),
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
        "group_by": group_by,
        "employers_total": count,
        "tiers": {t: tiers[t] for t in TIERS},
        "addendum": {s: stages[s] for s in STAGES},
        "products": _adoption(catalog, adoption, count),
        "labels": {n: dict(sorted(labels[n].items())) for n in sorted(labels)},
        "requested": requested,
        "evidence_pending": pending,
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
        report["drift"] = {
            "employers_with_drift": len(drifted),
            "employers_checked": count,
            "employers": drifted,
        }
    return report


def _label(labels: Mapping[str, str], name: str) -> str | None:
    """The value of label ``name`` (names match case-insensitively), if the file has it."""
    folded = name.casefold()
    return next((v for k, v in labels.items() if k.casefold() == folded), None)


def _adoption(catalog: Catalog, adoption: Counter[str], count: int) -> list[dict[str, Any]]:
    """Every product, the most adopted first (catalog order among equals)."""
    names = catalog.sort(set(catalog.products) | set(adoption))
    ranked = sorted(range(len(names)), key=lambda i: (-adoption[names[i]], i))
    return [
        {
            "product": names[i],
            "employers": adoption[names[i]],
            "share": round(adoption[names[i]] / count, 4) if count else 0.0,
        }
        for i in ranked
    ]


def _lookup(since: Mapping[str, dt.date], path: str) -> dt.date | None:
    return since.get(str(Path(path).resolve()))
