"""``policy test``: the policies against example inputs with expected outcomes, as
``opa test`` and ``conftest verify`` do, so a bureau reviews its rules in a pull request.

A test file is a YAML list of cases::

    - name: a Pro employer without an account manager is refused
      policy: pro-needs-account-manager
      employer: {tier: pro, labels: {}}   # or file: ../employers/x.yaml
      expect: fail                        # pass | fail | error
    - name: granting e-mail addresses is left to the privacy officer
      policy: no-email-grants
      step: {action: grant, right: Raadplegen MijnLoket e-mailadres}
      expect: fail

``employer`` is given as the employer file would say it (``employer_input`` fills in
what a file may leave out); ``file`` names an employer file, relative to the test
file. ``step`` is given as the JSON plan shows a step; missing keys are null (``flags``
and ``waits_on`` empty, ``manual`` false). ``expect: error`` means the rule cannot be
evaluated on the input. Problems in a test file are results, named with its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mijnloket_gitops.files.loader import load_bytes
from mijnloket_gitops.files.schema_errors import describe_first
from mijnloket_gitops.governance.policies import PolicyConfig, employer_input, evaluate

DEFAULT_DIR = "policy-tests"
_STEP_DEFAULTS: dict[str, Any] = {
    "employer_id": None,
    "action": None,
    "product": None,
    "right": None,
    "login": None,
    "user_type": None,
    "key": None,
    "manual": False,
    "blocked": None,
    "waits_on": [],
    "flags": [],
    "tier_before": None,
    "tier_after": None,
    "tier_change": None,
}


class PolicyCase(BaseModel):
    """One case of a policy test file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    policy: str
    employer: dict[str, Any] | None = None
    file: str | None = None
    step: dict[str, Any] | None = None
    expect: Literal["pass", "fail", "error"]


class PolicyCases(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cases: list[PolicyCase]


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: ``ok`` when it came out as expected."""

    path: str
    line: int
    name: str
    ok: bool
    detail: str = ""


def _employer(case: PolicyCase, base: Path) -> dict[str, Any]:
    if case.file is None:
        return employer_input(case.employer or {})
    try:
        document = load_bytes((base / case.file).read_bytes())
    except OSError as error:
        raise ValueError(f"cannot read {case.file}: {error.strerror}") from None
    if document.problems or not isinstance(document.data, dict):
        raise ValueError(f"{case.file} is not a readable employer file")
    return employer_input(document.data)


def _run(case: PolicyCase, policy: PolicyConfig, base: Path) -> tuple[bool, str]:
    inputs: dict[str, Any] = {"employer": _employer(case, base)}
    if policy.on == "step":
        inputs["step"] = {**_STEP_DEFAULTS, **(case.step or {})}
    outcome = evaluate(policy, inputs)
    got = "error" if outcome.error is not None else ("pass" if outcome.passed else "fail")
    if got == case.expect:
        return True, ""
    why = f" ({outcome.error})" if outcome.error else ""
    return False, f"expected {case.expect}, got {got}{why}"


def run_file(path: Path, policies: Sequence[PolicyConfig]) -> list[CaseResult]:
    """Every case of one test file, or one failed result saying why it cannot run."""
    shown = str(path)
    try:
        document = load_bytes(path.read_bytes())
    except OSError as error:
        return [CaseResult(shown, 1, "(file)", False, f"cannot read: {error.strerror}")]
    if document.problems:
        problem = document.problems[0]
        return [CaseResult(shown, problem.mark.line, "(file)", False, problem.message)]
    try:
        cases = PolicyCases.model_validate({"cases": document.data or []}).cases
    except ValidationError as error:
        document.data = {"cases": document.data}
        document.value_marks = {("cases", *k): v for k, v in document.value_marks.items()}
        document.key_marks = {("cases", *k): v for k, v in document.key_marks.items()}
        mark, message = describe_first(error, document, PolicyCases)
        return [CaseResult(shown, mark.line, "(file)", False, message)]
    by_id = {p.id: p for p in policies}
    results = []
    for index, case in enumerate(cases):
        line = document.mark((index,)).line
        policy = by_id.get(case.policy)
        if policy is None:
            known = ", ".join(sorted(by_id)) or "none are configured"
            detail = f"no policy has id {case.policy!r} (policies: {known})"
            results.append(CaseResult(shown, line, case.name, False, detail))
            continue
        try:
            ok, detail = _run(case, policy, path.parent)
        except ValueError as error:
            ok, detail = False, str(error)
        results.append(CaseResult(shown, line, case.name, ok, detail))
    return results


def case_files(paths: Sequence[Path]) -> list[Path]:
    """The ``.yaml``/``.yml`` files among ``paths`` (folders searched), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
        else:
            found.append(path)
    return sorted(found)
