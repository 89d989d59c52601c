"""``policies:`` in ``mijnloket-gitops.yaml``: a bureau's house rules, in CEL.

Each policy is a Common Expression Language expression that must be true: ``on:
employer`` policies see ``employer`` (the employer file, see :func:`employer_input`)
and run in ``validate``; ``on: step`` policies see ``step`` (one planned step) and
``employer`` (its file) and run in ``plan`` and ``apply``, which refuse (exit 3) a
plan with a step that breaks one.

Expressions are compiled and type-checked by ``cel-expr-python`` (Google's CEL
runtime; see pyproject.toml for why) when the configuration is loaded, so a malformed
one is a configuration error naming its file, line and column.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cel_expr_python import cel
from pydantic import BaseModel, ConfigDict, Field

from mijnloket_gitops.errors import ConfigError
from mijnloket_gitops.files.document import Document

Kind = Literal["employer", "step"]
_VARIABLES: dict[str, tuple[str, ...]] = {"employer": ("employer",), "step": ("employer", "step")}
_POSITION = re.compile(r"<input>:(\d+):(\d+): (.*)")


class PolicyConfig(BaseModel):
    """One house rule."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="Lowercase id: the rule id of its diagnostics (SARIF, JSON) and refusals.",
    )
    on: Kind = Field(description="employer: each employer file (validate); step: each plan step.")
    rule: str = Field(description="CEL expression that must be true.")
    message: str = Field(min_length=1, description="What is wrong when the rule is false.")
    severity: Literal["error", "warning"] = Field(
        "error",
        description="employer policies: the diagnostic's severity (step policies refuse, "
        "so only error).",
    )
    hint: str | None = Field(None, description="How to fix it (shown with the message).")


class PolicyError(Exception):
    """A policy's expression does not compile: ``line`` and ``column`` are 1-based in
    the expression."""

    def __init__(self, line: int, column: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.column, self.reason = line, column, reason


@functools.cache
def _env(kind: Kind) -> Any:
    return cel.NewEnv(variables={name: cel.Type.DYN for name in _VARIABLES[kind]})


@functools.cache
def compiled(rule: str, kind: Kind) -> Any:
    """The checked expression (cached per process); raises :class:`PolicyError`."""
    try:
        expression = _env(kind).compile(rule)
    except RuntimeError as error:
        found = _POSITION.search(str(error))
        if found is None:  # pragma: no cover - cel-expr-python always gives a position
            raise PolicyError(1, 1, str(error)) from None
        line, column, reason = found.groups()
        raise PolicyError(int(line), int(column), reason.strip()) from None
    returns = expression.return_type()
    if returns != cel.Type.BOOL and returns != cel.Type.DYN:
        raise PolicyError(1, 1, f"the rule gives a {returns.name().lower()}, not true or false")
    return expression


@dataclass(frozen=True)
class Outcome:
    """A policy's verdict on one input: ``passed``, or why not (``error`` when the
    expression could not be evaluated, e.g. a key the input lacks)."""

    passed: bool
    error: str | None = None


_PASSED, _FAILED = Outcome(True), Outcome(False)


def evaluate(policy: PolicyConfig, inputs: Mapping[str, Any]) -> Outcome:
    """Run ``policy`` on ``inputs`` (``employer``, and ``step`` for step policies)."""
    value = compiled(policy.rule, policy.on).eval(data=dict(inputs))
    if value.type() == cel.Type.ERROR:
        return Outcome(False, str(value.value()))
    result = value.value()
    if not isinstance(result, bool):
        return Outcome(False, f"the rule gave {result!r}, not true or false")
    return Outcome(result)


@functools.cache
def _all(rules: tuple[str, ...], kind: Kind) -> Any:
    return _env(kind).compile("[" + ", ".join(f"({rule})" for rule in rules) + "]")


def evaluate_all(policies: Sequence[PolicyConfig], inputs: Mapping[str, Any]) -> list[Outcome]:
    """:func:`evaluate` of each of ``policies`` (all of one ``on``) on ``inputs``.

    The rules are evaluated as one CEL list, so the input is handed to CEL once rather
    than once per policy (three times faster for three policies); when that list is an
    error (a rule failed on this input), each rule runs alone to say which and why.
    """
    if not policies:
        return []
    value = _all(tuple(p.rule for p in policies), policies[0].on).eval(data=inputs)
    if value.type() != cel.Type.ERROR:
        results = value.plain_value()
        if all(result is True or result is False for result in results):
            return [_PASSED if result else _FAILED for result in results]
    return [evaluate(policy, inputs) for policy in policies]


def employer_input(data: Mapping[str, Any]) -> dict[str, Any]:
    """What ``employer`` holds: the file's content, with ``tier`` ("none" when not
    written), ``labels`` (empty until the file format has labels), ``products``,
    ``users`` and each user's ``rights`` always present, so rules need no ``has()``
    for them."""
    found = {"tier": "none", "labels": {}, "products": [], "users": [], **data}
    users = found["users"]
    if any("rights" not in user for user in users):
        found["users"] = [{"rights": [], **user} for user in users]
    return found


def _file_position(rule_mark: tuple[int, int], text: str, error: PolicyError) -> tuple[int, int]:
    """Where the expression's ``error`` is in the configuration file, for a rule
    written on one line (plain or quoted); the rule's own position otherwise."""
    line, column = rule_mark
    source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    start = source[column - 1 : column]
    if error.line != 1 or start in ("|", ">"):
        return line, column
    return line, column + error.column - 1 + (1 if start in ("'", '"') else 0)


def check_policies(
    policies: Sequence[PolicyConfig], doc: Document, path: Path, text: str, taken: set[str]
) -> None:
    """Raise ConfigError at the first policy whose id repeats or clashes with a built-in
    rule (``taken``), or whose rule does not compile, with the file position."""
    seen: set[str] = set()
    for index, policy in enumerate(policies):
        if policy.id in seen or policy.id in taken:
            mark = doc.mark(("policies", index, "id"))
            what = "another policy" if policy.id in seen else "a built-in rule"
            raise ConfigError(
                f"{path}:{mark.line}:{mark.column}: policy id {policy.id!r} is taken by {what};"
                " give each policy its own id (it is the rule id of its diagnostics)"
            )
        seen.add(policy.id)
        if policy.on == "step" and policy.severity == "warning":
            mark = doc.mark(("policies", index, "severity"))
            raise ConfigError(
                f"{path}:{mark.line}:{mark.column}: policy {policy.id!r}: a step policy "
                "refuses the plan, so it has no warning severity; remove severity, or make "
                "it an employer policy (on: employer) to warn in validate"
            )
        try:
            compiled(policy.rule, policy.on)
        except PolicyError as error:
            mark = doc.mark(("policies", index, "rule"))
            line, column = _file_position((mark.line, mark.column), text, error)
            names = " and ".join(_VARIABLES[policy.on])
            raise ConfigError(
                f"{path}:{line}:{column}: policy {policy.id!r}: rule, line {error.line} column "
                f"{error.column}: {error.reason}\n  {policy.rule}\n"
                f"hint: a CEL expression over {names} that is true when the rule holds"
            ) from None
