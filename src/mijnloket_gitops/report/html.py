"""The report as one self-contained HTML file for people without the repository.

Inline CSS and inline SVG only: no script, no stylesheet, font or image fetched, so
it opens the same offline, from a mail attachment or a CI artefact. Every value from
a file is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from mijnloket_gitops.cost import format_money
from mijnloket_gitops.report.markdown import STAGE_LABELS, TIER_LABELS
from mijnloket_gitops.report.svg import bar_chart, pipeline
from mijnloket_gitops.report.table import employer_tables

TIER_COLOURS = {"none": "#9e9e9e", "start": "#4e79a7", "plus": "#f28e2b", "pro": "#59a14f"}
STATUS_COLOURS = {
    "none": "#9e9e9e",
    "requested": "#edc948",
    "evidence_pending": "#e8743b",
    "signed": "#59a14f",
}
PRODUCT_COLOUR = "#4e79a7"

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.muted { color: #666; }
.tiles { display: flex; gap: 1rem; flex-wrap: wrap; }
.tile { border-radius: 8px; padding: .8rem 1.2rem; min-width: 8rem; color: #fff; }
.tile b { display: block; font-size: 1.8rem; }
a.tile { text-decoration: none; }
ul.drift > li { margin-bottom: .4rem; }
table { border-collapse: collapse; margin-top: .5rem; }
th, td { text-align: left; padding: .25rem .7rem; border-bottom: 1px solid #eee; }
td.n, th.n { text-align: right; }
svg.chart { display: block; margin: .5rem 0; font-size: 13px; }
svg.chart text { fill: #222; }
svg.chart text.on-colour { fill: #fff; }
svg.chart text.big { font-size: 22px; font-weight: bold; }
"""


def html_report(report: dict[str, Any]) -> str:
    total = report["employers_total"]
    scope = f" selected by <code>{escape(report['selector'])}</code>" if report["selector"] else ""
    products = report["products"]
    table_css, tables = employer_tables(report)
    body = [
        "<h1>MijnLoket portfolio</h1>",
        f'<p class="muted">{total} employers{scope}, from the employer files on '
        f"{escape(report['date'])}.</p>",
        _tiles(report),
        "<h2>Tiers</h2>",
        bar_chart(
            "Employers by MijnLoket tier",
            [(TIER_LABELS[t], n, TIER_COLOURS[t]) for t, n in report["tiers"].items()],
            total,
        ),
        _tier_cost(report),
        "<h2>Product adoption</h2>",
        bar_chart(
            "Employers per product, most adopted first (logarithmic scale, so that small "
            "products stay readable)",
            [(p["product"], p["employers"], PRODUCT_COLOUR) for p in products],
            total,
            log=True,
            shown=[f"{p['employers']} ({p['share']:.0%})" for p in products],
        ),
        '<p class="muted">Bar lengths are on a logarithmic scale; the numbers are exact.</p>',
        '<h2 id="pipeline">Addendum pipeline</h2>',
        pipeline(
            "Addendum pipeline: " + ", ".join(label.lower() for label in STAGE_LABELS.values()),
            [
                (label, report["addendum"][stage], STATUS_COLOURS[stage])
                for stage, label in STAGE_LABELS.items()
            ],
        ),
        _requested(report["requested"]),
        _backlog(report["evidence_pending"]),
        _labels(report["labels"]),
        _drift(report),
        "<h2>Employers</h2>",
        tables,
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>MijnLoket portfolio</title>\n"
        f"<style>{_CSS}\n{table_css}</style>\n</head>\n<body>\n"
        + "\n".join(b for b in body if b)
        + "\n</body>\n</html>\n"
    )


def _tier_cost(report: dict[str, Any]) -> str:
    cost = report.get("cost")
    if cost is None:
        return ""
    rows = "".join(
        f"<tr><td>{escape(TIER_LABELS[t])}</td><td class=n>{n}</td>"
        f"<td class=n>{escape(format_money(cost['by_tier'][t], cost['currency']))}</td></tr>"
        for t, n in report["tiers"].items()
    )
    money = escape(format_money(cost["total"], cost["currency"]))
    return (
        '<table class="tier-cost"><tr><th>Tier</th><th class=n>Employers</th>'
        f"<th class=n>Per month</th></tr>{rows}<tr><th>Total</th><th class=n>"
        f"{report['employers_total']}</th><th class=n>{money}</th></tr></table>"
    )


def _backlog(pending: list[dict[str, Any]]) -> str:
    head = "<h2>Evidence backlog</h2>"
    if not pending:
        return head + "<p>No signed addendum is waiting for its date and ticket.</p>"
    rows = "".join(
        f"<tr><td>{escape(r['name'])}</td><td><code>{escape(r['employer_id'])}</code></td>"
        f"<td>{escape(r['path'])}</td></tr>"
        for r in pending
    )
    return (
        f"{head}<p>{len(pending)} signed addenda wait for <code>signed_on</code> and "
        "<code>ticket</code> (<code>evidence: pending</code>); apply leaves these employers "
        "alone. <code>edit --evidence FILE.csv</code> fills them in.</p>"
        '<details class="backlog" open><summary>The employers</summary><table>'
        f"<tr><th>Employer</th><th>Id</th><th>File</th></tr>{rows}</table></details>"
    )


def _labels(labels: dict[str, dict[str, int]]) -> str:
    if not labels:
        return ""
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(value)}</td><td class=n>{n}</td></tr>"
        for name, values in labels.items()
        for value, n in values.items()
    )
    return (
        '<h2>Labels</h2><table class="labels"><tr><th>Label</th><th>Value</th>'
        f"<th class=n>Employers</th></tr>{rows}</table>"
    )


def _drift(report: dict[str, Any]) -> str:
    if "drift" not in report:
        return ""
    drift = report["drift"]
    head = (
        '<h2 id="drift">Drift (live state against the files)</h2>'
        f"<p>{drift['employers_with_drift']} of {drift['employers_checked']} employers "
        "differ.</p>"
    )
    items = "".join(
        f'<li class="drifted" data-id="{escape(r["employer_id"])}"><b>{escape(r["name"])}</b>'
        f" <span class=muted>{escape(r['path'])}</span><ul>"
        + "".join(f"<li>{escape(step)}</li>" for step in r["steps"])
        + "</ul></li>"
        for r in drift["employers"]
    )
    return head + (f'<ul class="drift">{items}</ul>' if items else "")


def _tiles(report: dict[str, Any]) -> str:
    tiles = [
        f'<div class="tile" style="background:{TIER_COLOURS[t]}">'
        f"<b>{n}</b>{escape(TIER_LABELS[t])}</div>"
        for t, n in report["tiers"].items()
    ]
    if "cost" in report:
        cost = report["cost"]
        money = escape(format_money(cost["total"], cost["currency"]))
        tiles.append(f'<div class="tile" style="background:#76b7b2"><b>{money}</b>per month</div>')
    pending = report["addendum"]["evidence_pending"]
    if pending:
        tiles.append(
            f'<div class="tile" style="background:{STATUS_COLOURS["evidence_pending"]}">'
            f"<b>{pending}</b>evidence pending</div>"
        )
    if "drift" in report:
        drift = report["drift"]["employers_with_drift"]
        tiles.append(
            f'<a class="tile" href="#drift" style="background:#e15759"><b>{drift}</b>drifted</a>'
        )
    return '<div class="tiles">' + "".join(tiles) + "</div>"


def _requested(requested: list[dict[str, Any]]) -> str:
    if not requested:
        return "<p>No addendum is waiting for a signature.</p>"
    rows = "".join(
        f"<tr><td>{escape(r['name'])}</td><td>{escape(r['since'] or 'not committed')}</td>"
        f'<td class="n">{"" if r["days"] is None else r["days"]}</td></tr>'
        for r in requested
    )
    return (
        f'<details class="requested" open><summary>{len(requested)} addenda requested, '
        "the longest waiting first</summary>"
        f'<table><tr><th>Requested</th><th>Since</th><th class="n">Days</th></tr>{rows}</table>'
        "</details>"
    )
