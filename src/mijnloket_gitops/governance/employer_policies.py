"""``on: employer`` policies as ``validate`` diagnostics (issue 23).

A policy that does not hold gives a diagnostic at the file's ``employer_id`` (the
employer's line), with the policy id as rule id and the policy's severity; one that
cannot be evaluated on the file (e.g. it reads a key the file does not have) gives an
error diagnostic saying why, so a broken rule never passes silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mijnloket_gitops.files.positions import Mark
from mijnloket_gitops.governance.policies import PolicyConfig, employer_input, evaluate_all
from mijnloket_gitops.validate.diagnostics import Diagnostic, Rule


def policy_rules(policies: Sequence[PolicyConfig]) -> tuple[Rule, ...]:
    """The employer policies as rules (for SARIF's rule list)."""
    return tuple(Rule(p.id, p.severity, p.message) for p in policies if p.on == "employer")


def employer_diagnostics(
    policies: Sequence[PolicyConfig], path: str, data: Mapping[str, Any], where: Mark
) -> list[Diagnostic]:
    """The diagnostics of the employer policies on one valid file's ``data``."""
    found: list[Diagnostic] = []
    rules = [p for p in policies if p.on == "employer"]
    outcomes = evaluate_all(rules, {"employer": employer_input(data)})
    if all(outcome.passed for outcome in outcomes):  # the common case, kept cheap
        return found
    for policy, outcome in zip(rules, outcomes, strict=True):
        if outcome.passed:
            continue
        if outcome.error is not None:
            message = f"policy {policy.id} could not be evaluated: {outcome.error}"
            hint = "guard optional fields with has(...) in the rule"
            found.append(
                Diagnostic(path, where.line, where.column, policy.id, "error", message, hint)
            )
        else:
            found.append(
                Diagnostic(
                    path, where.line, where.column, policy.id, policy.severity, policy.message,
                    policy.hint,
                )
            )  # fmt: skip
    return found
