"""The machine reporter: a versioned JSON document."""

from __future__ import annotations

import json

from mijnloket_gitops.validate.runner import ValidationResult

FORMAT_VERSION = 1


def json_report(result: ValidationResult, color: bool) -> str:
    document = {
        "version": FORMAT_VERSION,
        "diagnostics": [d.data for d in result.diagnostics],
        "summary": {
            "files": len(result.files),
            "errors": result.errors,
            "warnings": result.warnings,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
