"""Diagnostics (problems found in files) and the table of rules that produce them.

Rule names are part of the interface: CI annotations, SARIF and users' scripts refer
to them. ``RULES`` is the one place that lists them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    """A rule's name, default severity and a one-line description."""

    name: str
    severity: Severity
    description: str


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("yaml-syntax", "error", "The file does not parse as YAML."),
        Rule("duplicate-key", "error", "A mapping repeats a key."),
        Rule("encoding", "error", "The file is not UTF-8 text."),
        Rule("file-limits", "error", "The file is too large, too deep or expands too far."),
        Rule("file-read", "error", "The file cannot be read."),
        Rule("no-files", "error", "A path given holds no employer files."),
        Rule("schema", "error", "Shape or type is wrong, an unknown key or a bad value."),
        Rule("unknown-product", "error", "A product is not in the catalog."),
        Rule("duplicate-product", "error", "A product is listed twice."),
        Rule("requires-mijnloket", "error", "A MijnLoket product is listed without MijnLoket."),
        Rule("addendum-required", "error", "MijnLoket is listed but the addendum is not signed."),
        Rule(
            "addendum-evidence",
            "error",
            "A signed addendum lacks its date or ticket, or is dated in the future.",
        ),
        Rule(
            "evidence-pending",
            "warning",
            "The addendum's evidence is marked pending: apply leaves this employer alone.",
        ),
        Rule("missing-dependency", "error", "A product's required product is not listed."),
        Rule("conflicting-products", "error", "Two products that exclude each other are listed."),
        Rule("tier-mismatch", "error", "The tier is missing or differs from the derived tier."),
        Rule("tier-without-mijnloket", "error", "A tier is given while MijnLoket is off."),
        Rule("unknown-right", "error", "A right is not in the rights catalog."),
        Rule("right-user-type", "error", "A right is given to a user type that cannot hold it."),
        Rule("duplicate-right", "error", "A user holds the same right twice."),
        Rule("right-without-mijnloket", "warning", "A MijnLoket right while MijnLoket is off."),
        Rule("duplicate-user", "error", "The same login appears twice in one file."),
        Rule("duplicate-employer", "error", "Two files have the same employer_id."),
        Rule(
            "user-type-conflict",
            "error",
            "One login is an ak-gebruiker in one file and a werkgevergebruiker in another.",
        ),
    )
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place. Sorts by file, then position."""

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    hint: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The diagnostic as the JSON report shows it."""
        return asdict(self)


def diagnostic(
    path: str, rule: str, message: str, line: int = 1, column: int = 1, hint: str | None = None
) -> Diagnostic:
    return Diagnostic(path, line, column, rule, RULES[rule].severity, message, hint)
