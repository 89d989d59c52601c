"""The report as one self-contained HTML file for people without the repository.

Inline CSS and inline SVG only: no script, no stylesheet, font or image fetched, so
it opens the same offline, from a mail attachment or a CI artefact. Every value from
a file is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from mijnloket_gitops.cost import format_money
from mijnloket_gitops.report.markdown import TIER_LABELS
from mijnloket_gitops.report.svg import bar_chart, pipeline

TIER_COLOURS = {"none": "#9e9e9e", "start": "#4e79a7", "plus": "#f28e2b", "pro": "#59a14f"}
STATUS_COLOURS = {"none": "#9e9e9e", "requested": "#edc948", "signed": "#59a14f"}
PRODUCT_COLOUR = "#4e79a7"

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.muted { color: #666; }
.tiles { display: flex; gap: 1rem; flex-wrap: wrap; }
.tile { border-radius: 8px; padding: .8rem 1.2rem; min-width: 8rem; color: #fff; }
.tile b { display: block; font-size: 1.8rem; }
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
        "<h2>Product adoption</h2>",
        bar_chart(
            "Employers per product",
            [(p["product"], p["employers"], PRODUCT_COLOUR) for p in report["products"]],
            total,
        ),
        "<h2>Addendum pipeline</h2>",
        pipeline(
            "Addendum pipeline: none, requested, signed",
            [
                (label, report["addendum"][status], STATUS_COLOURS[status])
                for status, label in (
                    ("none", "No addendum"),
                    ("requested", "Requested"),
                    ("signed", "Signed"),
                )
            ],
        ),
        _requested(report["requested"]),
        "<h2>Employers</h2>",
        _employers(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>MijnLoket portfolio</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


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
    if "drift" in report:
        drift = report["drift"]["employers_with_drift"]
        tiles.append(f'<div class="tile" style="background:#e15759"><b>{drift}</b>drifted</div>')
    return '<div class="tiles">' + "".join(tiles) + "</div>"


def _requested(requested: list[dict[str, Any]]) -> str:
    if not requested:
        return "<p>No addendum is waiting for a signature.</p>"
    rows = "".join(
        f"<tr><td>{escape(r['name'])}</td><td>{escape(r['since'] or 'not committed')}</td>"
        f'<td class="n">{"" if r["days"] is None else r["days"]}</td></tr>'
        for r in requested
    )
    return f'<table><tr><th>Requested</th><th>Since</th><th class="n">Days</th></tr>{rows}</table>'


def _employers(report: dict[str, Any]) -> str:
    cost = report.get("cost")
    drift = "drift" in report
    head = '<tr><th>Employer</th><th>Tier</th><th>Addendum</th><th class="n">Products</th>'
    head += '<th class="n">Per month</th>' if cost else ""
    head += '<th class="n">Drift (steps)</th>' if drift else ""
    rows = []
    for r in report["employers"]:
        cells = (
            f"<td>{escape(r['name'])}</td><td>{escape(TIER_LABELS[r['tier']])}</td>"
            f'<td>{escape(r["addendum"])}</td><td class="n">{r["products"]}</td>'
        )
        if cost:
            cells += (
                f'<td class="n">{escape(format_money(r["monthly_cost"], cost["currency"]))}</td>'
            )
        if drift:
            cells += f'<td class="n">{sum(r["drift"].values())}</td>'
        rows.append(f"<tr>{cells}</tr>")
    return f"<table>{head}</tr>{''.join(rows)}</table>"
