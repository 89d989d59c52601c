"""The HTML report's employer table: id and file per employer, grouped by a label,
sortable by clicking a column heading, with no script at all.

Sorting is CSS: a hidden radio button per sort key sits before the tables, each row
carries its rank under every key as a custom property (``--by-tier: 12``), and the
rule for the checked button sets the rows' flex ``order`` from it. The file stays
one self-contained page that runs nothing and fetches nothing, and opens the same
in a mail client that blocks scripts. Text sorts A to Z, numbers largest first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from mijnloket_gitops.cost import format_money
from mijnloket_gitops.report.markdown import STAGE_LABELS, TIER_LABELS, groups
from mijnloket_gitops.report.model import STAGES, TIERS

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    cell: Callable[[Row], str]
    """The cell's HTML (escaped)."""
    rank: Callable[[Row], Any]
    """What the rows sort by (ascending)."""
    width: str
    numeric: bool = False


def _columns(report: dict[str, Any]) -> list[Column]:
    cost = report.get("cost")
    columns = [
        Column(
            "name",
            "Employer",
            lambda r: escape(r["name"]),
            lambda r: (r["name"].casefold(), r["path"]),
            "minmax(12rem, 2fr)",
        ),
        Column(
            "id",
            "Id",
            lambda r: f"<code>{escape(r['employer_id'])}</code>",
            lambda r: r["employer_id"].lower(),
            "minmax(10rem, 1.6fr)",
        ),
        Column(
            "file",
            "File",
            lambda r: escape(r["path"]),
            lambda r: r["path"],
            "minmax(10rem, 1.6fr)",
        ),
        Column(
            "tier",
            "Tier",
            lambda r: escape(TIER_LABELS[r["tier"]]),
            lambda r: (-TIERS.index(r["tier"]), r["name"].casefold()),
            "7rem",
        ),
        Column(
            "addendum",
            "Addendum",
            lambda r: escape(STAGE_LABELS[r["addendum"]]),
            lambda r: (STAGES.index(r["addendum"]), r["name"].casefold()),
            "9rem",
        ),
        Column(
            "products",
            "Products",
            lambda r: str(r["products"]),
            lambda r: (-r["products"], r["name"].casefold()),
            "5rem",
            numeric=True,
        ),
    ]
    if report["labels"]:
        columns.append(
            Column(
                "labels",
                "Labels",
                lambda r: escape(", ".join(f"{k}: {v}" for k, v in r["labels"].items())),
                lambda r: sorted(r["labels"].items()),
                "minmax(8rem, 1.4fr)",
            )
        )
    if cost:
        columns.append(
            Column(
                "cost",
                "Per month",
                lambda r: escape(format_money(r["monthly_cost"], cost["currency"])),
                lambda r: (-r["monthly_cost"], r["name"].casefold()),
                "7rem",
                numeric=True,
            )
        )
    if "drift" in report:
        columns.append(
            Column(
                "drift",
                "Drift (steps)",
                lambda r: str(sum(r["drift"].values())),
                lambda r: (-sum(r["drift"].values()), r["name"].casefold()),
                "6rem",
                numeric=True,
            )
        )
    return columns


def _css(columns: list[Column]) -> str:
    grid = " ".join(c.width for c in columns)
    rules = [
        ".sort { position: absolute; opacity: 0; pointer-events: none; }",
        f".employers tr {{ display: grid; grid-template-columns: {grid}; }}",
        ".employers tbody { display: flex; flex-direction: column; }",
        ".employers th label { cursor: pointer; text-decoration: underline dotted; }",
        "details.group > summary { font-weight: bold; margin-top: 1rem; cursor: pointer; }",
    ]
    for c in columns:
        rules.append(f"#sort-{c.key}:checked ~ .sorted tbody tr {{ order: var(--by-{c.key}); }}")
        rules.append(
            f"#sort-{c.key}:checked ~ .sorted label[for=sort-{c.key}]::after "
            "{ content: ' \\25BE'; }"
        )
    return "\n".join(rules)


def _table(rows: list[Row], columns: list[Column], ranks: dict[str, dict[str, int]]) -> str:
    head = "".join(
        f'<th{" class=n" if c.numeric else ""}><label for="sort-{c.key}">'
        f"{escape(c.heading)}</label></th>"
        for c in columns
    )
    body = []
    for row in rows:
        order = ";".join(f"--by-{c.key}:{ranks[c.key][row['path']]}" for c in columns)
        cells = "".join(
            f'<td{" class=n" if c.numeric else ""} data-col="{c.key}">{c.cell(row)}</td>'
            for c in columns
        )
        body.append(f'<tr style="{order}" data-id="{escape(row["employer_id"])}">{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def employer_tables(report: dict[str, Any]) -> tuple[str, str]:
    """The CSS (for the page's head) and HTML of the employers, grouped by
    ``group_by`` where the report has one."""
    columns = _columns(report)
    rows: list[Row] = report["employers"]
    ranks: dict[str, dict[str, int]] = {}
    for c in columns:
        ordered = sorted(rows, key=lambda r, c=c: (c.rank(r), r["path"]))  # type: ignore[misc]
        ranks[c.key] = {r["path"]: i for i, r in enumerate(ordered)}
    radios = "".join(
        f'<input type="radio" name="sort" class="sort" id="sort-{c.key}"'
        f'{" checked" if c.key == "name" else ""} aria-label="sort by {escape(c.heading)}">'
        for c in columns
    )
    css = _css(columns)
    if report.get("group_by"):
        grouped = groups(report)
        sections = "".join(
            f'<details class="group" open data-group="{escape(group)}" id="group-{i}">'
            f"<summary>{escape(group)} ({len(members)})</summary>"
            f"{_table(members, columns, ranks)}</details>"
            for i, (group, members) in enumerate(grouped)
        )
        by = (
            f'<p class="muted">Grouped by the label <code>{escape(report["group_by"])}</code>;'
            " show one group or all, and click a column heading to sort.</p>"
        )
        buttons, chips, filter_css = _filters([group for group, _ in grouped])
        radios += buttons
        sections = chips + sections
        css += "\n" + filter_css
    else:
        sections = _table(rows, columns, ranks)
        by = '<p class="muted">Click a column heading to sort.</p>'
    return css, (
        f'<section class="employers">{by}{radios}<div class="sorted">{sections}</div></section>'
    )


def _filters(names: list[str]) -> tuple[str, str, str]:
    """Radio buttons that show one group (or all), the labels to click, and their CSS:
    filtering by a label without a script. The buttons go before ``.sorted``, the
    labels inside it (so the checked one can be highlighted)."""
    buttons = '<input type="radio" name="group" class="sort" id="show-all" checked>' + "".join(
        f'<input type="radio" name="group" class="sort" id="show-{i}">' for i in range(len(names))
    )
    chips = '<p class="filters"><label for="show-all">All</label>' + "".join(
        f'<label for="show-{i}">{escape(name)}</label>' for i, name in enumerate(names)
    )
    rules = [
        ".filters label { display: inline-block; margin: 0 .4rem .4rem 0; padding: .1rem .6rem;"
        " border: 1px solid #bbb; border-radius: 1rem; cursor: pointer; }",
        "#show-all:checked ~ .sorted label[for=show-all] { background: #4e79a7; color: #fff; }",
    ]
    for i in range(len(names)):
        rules += [
            f"#show-{i}:checked ~ .sorted details.group:not(#group-{i}) {{ display: none; }}",
            f"#show-{i}:checked ~ .sorted label[for=show-{i}]"
            " { background: #4e79a7; color: #fff; }",
        ]
    return buttons, chips + "</p>", "\n".join(rules)
