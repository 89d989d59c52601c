"""SARIF 2.1.0, for GitHub code scanning: one reportingDescriptor per rule."""

from __future__ import annotations

import json
from typing import Any

from mijnloket_gitops import __version__
from mijnloket_gitops.validate.diagnostics import RULES
from mijnloket_gitops.validate.runner import ValidationResult
from mijnloket_gitops.visible import file_uri, unicode_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_report(result: ValidationResult, color: bool) -> str:
    every = [*RULES.values(), *result.rules]  # issue 23: and the employer policies
    names = [rule.name for rule in every]
    rules = [
        {
            "id": rule.name,
            "name": rule.name,
            "shortDescription": {"text": rule.description},
            "defaultConfiguration": {"level": rule.severity},
        }
        for rule in every
    ]
    results: list[dict[str, Any]] = []
    for d in result.diagnostics:
        text = unicode_text(d.message + (f" (hint: {d.hint})" if d.hint else ""))
        results.append(
            {
                "ruleId": d.rule,
                "ruleIndex": names.index(d.rule),
                "level": d.severity,
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": file_uri(d.path)},
                            "region": {"startLine": d.line, "startColumn": d.column},
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mijnloket-gitops",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                # Columns count code points (as the text report does); SARIF's default
                # unit is UTF-16 code units, so the run says which it uses.
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
