"""The machine reporter: a versioned JSON document."""

from __future__ import annotations

import json
from typing import Any

from mijnloket_gitops.validate.runner import ValidationResult
from mijnloket_gitops.visible import unicode_text

FORMAT_VERSION = 1


def _unicode(data: dict[str, Any]) -> dict[str, Any]:
    return {k: unicode_text(v) if isinstance(v, str) else v for k, v in data.items()}


def json_report(result: ValidationResult, color: bool) -> str:
    document = {
        "version": FORMAT_VERSION,
        "diagnostics": [_unicode(d.data) for d in result.diagnostics],
        "summary": {
            "files": len(result.files),
            "errors": result.errors,
            "warnings": result.warnings,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
