"""Reporters turn a :class:`ValidationResult` into text for one audience.

A reporter is a function ``(result, color) -> str``; ``REPORTERS`` lists them by the
name ``validate --format`` takes. Reporters only read the result.
"""

from __future__ import annotations

from collections.abc import Callable

from mijnloket_gitops.validate.report.github import github_report
from mijnloket_gitops.validate.report.json import json_report
from mijnloket_gitops.validate.report.sarif import sarif_report
from mijnloket_gitops.validate.report.text import text_report
from mijnloket_gitops.validate.runner import ValidationResult

Reporter = Callable[[ValidationResult, bool], str]

REPORTERS: dict[str, Reporter] = {
    "text": text_report,
    "json": json_report,
    "github": github_report,
    "sarif": sarif_report,
}
