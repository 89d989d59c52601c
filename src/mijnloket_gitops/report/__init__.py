"""``report``: the portfolio at a glance, from the employer files (and live state).

:func:`~.model.build_report` makes the data; ``FORMATS`` renders it by the name
``report --format`` takes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mijnloket_gitops.report.html import html_report
from mijnloket_gitops.report.markdown import markdown_report


def json_report(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {
    "markdown": markdown_report,
    "html": html_report,
    "json": json_report,
}
