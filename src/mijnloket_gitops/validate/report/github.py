"""GitHub Actions workflow commands, so pull requests show annotations on the lines."""

from __future__ import annotations

from mijnloket_gitops.validate.runner import ValidationResult
from mijnloket_gitops.visible import unicode_text
from mijnloket_gitops.words import plural


def _escape_data(text: str) -> str:
    return unicode_text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_report(result: ValidationResult, color: bool) -> str:
    lines = []
    for d in result.diagnostics:
        message = d.message + (f"\n{d.hint}" if d.hint else "")
        lines.append(
            f"::{d.severity} file={_escape_property(d.path)},line={d.line},col={d.column},"
            f"title={_escape_property(d.rule)}::{_escape_data(message)}"
        )
    lines.append(
        f"{plural(len(result.files), 'file')} checked: {plural(result.errors, 'error')}, "
        f"{plural(result.warnings, 'warning')}"
    )
    return "\n".join(lines) + "\n"
