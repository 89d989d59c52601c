"""The human reporter: ``path:line:col: severity [rule] message`` and a hint line."""

from __future__ import annotations

import click

from mijnloket_gitops.validate.runner import ValidationResult
from mijnloket_gitops.visible import printable
from mijnloket_gitops.words import plural

_COLORS = {"error": "red", "warning": "yellow"}


def text_report(result: ValidationResult, color: bool) -> str:
    lines: list[str] = []
    for d in result.diagnostics:
        severity = (
            click.style(d.severity, fg=_COLORS[d.severity], bold=True) if color else (d.severity)
        )
        path = printable(d.path)
        lines.append(f"{path}:{d.line}:{d.column}: {severity} [{d.rule}] {printable(d.message)}")
        if d.hint:
            lines.append(f"    hint: {printable(d.hint)}")
    files = plural(len(result.files), "file")
    if result.diagnostics:
        checked = {f.path for f in result.files}  # no-files diagnostics name a directory
        bad = len({d.path for d in result.diagnostics if d.path in checked})
        found = f"{plural(result.errors, 'error')}, {plural(result.warnings, 'warning')}"
        summary = f"{found} in {bad} of {files}" if result.files else f"{found}; no files checked"
    else:
        summary = f"{files} valid"
    lines.append(click.style(summary, bold=True) if color else summary)
    return "\n".join(lines) + "\n"
