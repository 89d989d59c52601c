"""The report as GitHub Markdown: tables plus Mermaid charts (GitHub renders them).

Charts use only long-stable Mermaid syntax: ``pie`` for the tiers, ``xychart-beta``
bars for product adoption, a left-to-right ``flowchart`` for the addendum pipeline.
Labels are quoted and stripped of the characters that would end a quoted label.
"""

from __future__ import annotations

from typing import Any

from mijnloket_gitops.cost import format_money
from mijnloket_gitops.plan.render.escape import escape_markdown as md

TIER_LABELS = {"none": "No MijnLoket", "start": "Start", "plus": "Plus", "pro": "Pro"}
REQUESTED_SHOWN = 50
"""Requested addenda listed by name before "and N more"."""


def _label(text: str) -> str:
    """Text safe inside a double-quoted Mermaid label."""
    return "".join(ch for ch in text if ch.isprintable() and ch not in '"`#;[]{}<>').strip()


def tier_pie(report: dict[str, Any]) -> str:
    lines = ["```mermaid", "pie showData", "    title Employers by MijnLoket tier"]
    lines += [
        f'    "{TIER_LABELS[tier]}" : {count}' for tier, count in report["tiers"].items() if count
    ]
    return "\n".join([*lines, "```"])


def adoption_bars(report: dict[str, Any]) -> str:
    products = [p for p in report["products"] if p["employers"]] or report["products"][:1]
    names = ", ".join(f'"{_label(p["product"])}"' for p in products)
    counts = ", ".join(str(p["employers"]) for p in products)
    top = max([1, *(p["employers"] for p in products)])
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta horizontal",
            '    title "Product adoption (employers)"',
            f"    x-axis [{names}]",
            f'    y-axis "Employers" 0 --> {top}',
            f"    bar [{counts}]",
            "```",
        ]
    )


STAGE_LABELS = {
    "none": "No addendum",
    "requested": "Requested",
    "evidence_pending": "Signed, evidence pending",
    "signed": "Signed",
}


def addendum_flow(report: dict[str, Any]) -> str:
    counts = report["addendum"]
    names = [f"s_{stage}" for stage in STAGE_LABELS]
    return "\n".join(
        [
            "```mermaid",
            "flowchart LR",
            *(
                f'    s_{stage}["{label}: {counts[stage]}"]'
                for stage, label in STAGE_LABELS.items()
            ),
            "    " + " --> ".join(names),
            "```",
        ]
    )


def markdown_report(report: dict[str, Any]) -> str:
    total = report["employers_total"]
    out = ["## MijnLoket portfolio", ""]
    scope = f" selected by `{report['selector'].replace('`', '')}`" if report["selector"] else ""
    out += [f"{total} employers{scope}, from the employer files on {report['date']}.", ""]
    out += ["### Tiers", ""]
    cost = report.get("cost")
    if cost is None:
        out += ["| Tier | Employers |", "| :-- | --: |"]
        out += [f"| {TIER_LABELS[t]} | {n} |" for t, n in report["tiers"].items()]
    else:
        out += ["| Tier | Employers | Per month |", "| :-- | --: | --: |"]
        out += [
            f"| {TIER_LABELS[t]} | {n} | {format_money(cost['by_tier'][t], cost['currency'])} |"
            for t, n in report["tiers"].items()
        ]
    out += ["", tier_pie(report), ""]
    if cost is not None:
        money = format_money(cost["total"], cost["currency"])
        out += [f"Monthly cost from `pricing:`: **{money}**.", ""]
    out += ["### Product adoption", "", "| Product | Employers | Share |", "| :-- | --: | --: |"]
    out += [
        f"| {md(p['product'])} | {p['employers']} | {p['share']:.0%} |" for p in report["products"]
    ]
    out += ["", adoption_bars(report), ""]
    out += ["### Addendum pipeline", "", addendum_flow(report), ""]
    out += _requested(report["requested"])
    out += _backlog(report["evidence_pending"])
    out += _labels(report["labels"])
    if report.get("group_by"):
        out += _groups(report)
    if "drift" in report:
        out += _drift(report)
    return "\n".join(out).rstrip("\n") + "\n"


def _requested(requested: list[dict[str, Any]]) -> list[str]:
    if not requested:
        return ["No addendum is waiting for a signature.", ""]
    out = ["| Requested | Since | Days |", "| :-- | :-- | --: |"]
    for row in requested[:REQUESTED_SHOWN]:
        since = row["since"] or "not committed"
        days = "" if row["days"] is None else str(row["days"])
        out.append(f"| {md(row['name'])} | {since} | {days} |")
    if len(requested) > REQUESTED_SHOWN:
        out.append(f"| … and {len(requested) - REQUESTED_SHOWN} more | | |")
    return [*out, ""]


def _backlog(pending: list[dict[str, Any]]) -> list[str]:
    out = ["### Evidence backlog", ""]
    if not pending:
        return [*out, "No signed addendum is waiting for its date and ticket.", ""]
    out += [
        f"{len(pending)} signed addenda wait for `signed_on` and `ticket` (`evidence: "
        "pending`); apply leaves these employers alone. `edit --evidence FILE.csv` fills "
        "them in.",
        "",
        "| Employer | Id | File |",
        "| :-- | :-- | :-- |",
    ]
    out += [
        f"| {md(r['name'])} | {r['employer_id']} | {md(r['path'])} |"
        for r in pending[:REQUESTED_SHOWN]
    ]
    if len(pending) > REQUESTED_SHOWN:
        out.append(f"| … and {len(pending) - REQUESTED_SHOWN} more | | |")
    return [*out, ""]


def _labels(labels: dict[str, dict[str, int]]) -> list[str]:
    if not labels:
        return []
    out = ["### Labels", "", "| Label | Value | Employers |", "| :-- | :-- | --: |"]
    for name, values in labels.items():
        out += [f"| {md(name)} | {md(value)} | {n} |" for value, n in values.items()]
    return [*out, ""]


def _groups(report: dict[str, Any]) -> list[str]:
    name = report["group_by"]
    out = [f"### Employers by label `{md(name)}`", "", "| Group | Employers | MijnLoket |"]
    out.append("| :-- | --: | --: |")
    for group, rows in groups(report):
        portal = sum(1 for r in rows if r["tier"] != "none")
        out.append(f"| {md(group)} | {len(rows)} | {portal} |")
    return [*out, ""]


NO_LABEL = "(no label)"


def groups(report: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The employer rows by ``group_by`` value, by value (those without it last)."""
    found: dict[str | None, list[dict[str, Any]]] = {}
    for row in report["employers"]:
        found.setdefault(row.get("group"), []).append(row)
    keys = sorted((k for k in found if k is not None), key=str.casefold)
    ordered = [(k, found[k]) for k in keys]
    if None in found:
        ordered.append((NO_LABEL, found[None]))
    return ordered


def _drift(report: dict[str, Any]) -> list[str]:
    drift = report["drift"]
    out = [
        "### Drift (live state against the files)",
        "",
        f"{drift['employers_with_drift']} of {drift['employers_checked']} employers differ.",
        "",
    ]
    rows = [r for r in report["employers"] if any(r["drift"].values())]
    if rows:
        out += [
            "| Employer | Activate | Deactivate | Grant | Revoke |",
            "| :-- | --: | --: | --: | --: |",
        ]
        for r in rows:
            d = r["drift"]
            out.append(
                f"| {md(r['name'])} | {d.get('activate', 0)} | {d.get('deactivate', 0)} | "
                f"{d.get('grant', 0)} | {d.get('revoke', 0)} |"
            )
        out.append("")
    listed = drift.get("employers", [])
    for r in listed[:REQUESTED_SHOWN]:
        steps = "; ".join(r["steps"]) or "(no steps listed)"
        out.append(f"- **{md(r['name'])}** ({md(r['path'])}): {md(steps)}")
    if len(listed) > REQUESTED_SHOWN:
        out.append(f"- … and {len(listed) - REQUESTED_SHOWN} more")
    if listed:
        out.append("")
    return out
