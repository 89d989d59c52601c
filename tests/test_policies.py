"""House rules as CEL policies (issue 23): in validate, plan and apply, on the sandbox."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.sandbox.store import Store

ROOT = Path(__file__).resolve().parent.parent
ICT = "7e1b4c58-92d0-4a3f-b6e7-3f8a0d5c2b19"
PRO_RULE = """\
policies:
  - id: pro-needs-plus-first
    on: employer
    rule: 'employer.tier != "pro" || "MijnLoket - Declaraties" in employer.products'
    message: "Pro tier needs Declaraties"
    severity: {severity}
"""
NO_EMAIL_GRANTS = """\
policies:
  - id: no-email-grants
    on: step
    rule: 'step.action != "grant" || step.right != "Raadplegen MijnLoket e-mailadres"'
    message: "e-mail addresses are granted by the privacy officer by hand"
"""


def run(repo: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, [*args, "--repo", str(repo)])
    assert "Traceback" not in result.output, result.output
    return result


def make_repo(tmp_path: Path, config: str, *, seed: bool = True) -> Path:
    shutil.copytree(ROOT / "employers", tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text(config, encoding="utf-8")
    if seed:
        assert run(tmp_path, "sandbox", "seed").exit_code == 0
    return tmp_path


def test_an_employer_policy_is_a_validate_diagnostic_at_the_employer(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, PRO_RULE.format(severity="error"), seed=False)
    result = run(repo, "validate", "--format", "json")
    assert result.exit_code == 1, result.output
    found = [(Path(d["path"]).name, d["line"], d["column"], d["rule"], d["severity"], d["message"])
             for d in json.loads(result.output)["diagnostics"]]  # fmt: skip
    # Zorggroep De Linde is Pro without Declaraties; ICT Partners has it
    assert found == [
        (
            "zorggroep-de-linde.yaml",
            7,
            14,
            "pro-needs-plus-first",
            "error",
            "Pro tier needs Declaraties",
        )
    ]
    text = run(repo, "validate")
    assert "zorggroep-de-linde.yaml:7:14" in text.output and "pro-needs-plus-first" in text.output


def test_a_warning_policy_does_not_fail_validate_and_shows_in_sarif(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, PRO_RULE.format(severity="warning"), seed=False)
    result = run(repo, "validate", "--format", "sarif")
    assert result.exit_code == 0, result.output
    sarif = json.loads(result.output)["runs"][0]
    rules = sarif["tool"]["driver"]["rules"]
    (finding,) = sarif["results"]
    assert finding["ruleId"] == "pro-needs-plus-first" and finding["level"] == "warning"
    assert rules[finding["ruleIndex"]]["id"] == "pro-needs-plus-first"
    location = finding["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 7, "startColumn": 14}
    assert location["artifactLocation"]["uri"].endswith("zorggroep-de-linde.yaml")
    github = run(repo, "validate", "--format", "github").output
    assert "line=7,col=14" in github and "pro-needs-plus-first" in github


def test_a_policy_that_cannot_be_evaluated_is_an_error_not_a_pass(tmp_path: Path) -> None:
    config = """\
policies:
  - id: needs-manager
    on: employer
    rule: 'employer.labels.account_manager != ""'
    message: "needs an account manager"
    severity: warning
"""
    repo = make_repo(tmp_path, config, seed=False)
    result = run(repo, "validate", "--format", "json")
    assert result.exit_code == 1
    found = [d for d in json.loads(result.output)["diagnostics"] if d["rule"] == "needs-manager"]
    assert len(found) == 8 and all(d["severity"] == "error" for d in found)
    assert (
        "could not be evaluated" in found[0]["message"] and "account_manager" in found[0]["message"]
    )


def test_a_step_policy_refuses_the_plan_and_apply(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, NO_EMAIL_GRANTS)
    plan = run(repo, "plan", "--format", "json")
    assert plan.exit_code == 3, plan.output
    (violation,) = json.loads(plan.output)["violations"]
    assert violation["guard"] == "policy:no-email-grants"
    assert violation["message"] == (
        "Zorggroep De Linde: grant Raadplegen MijnLoket e-mailadres for "
        "personeelszaken@delinde-zorg.nl: e-mail addresses are granted "
        "by the privacy officer by hand"
    )
    applied = run(repo, "apply", "--auto-approve")
    assert applied.exit_code == 3, applied.output
    assert "e-mail addresses are granted by the privacy officer by hand" in applied.output
    with Store.open(repo / ".mijnloket/sandbox.sqlite") as store:
        assert [c for c in store.changes() if c.origin == "apply"] == []


def test_force_overrides_a_step_policy_and_says_so(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, NO_EMAIL_GRANTS)
    applied = run(repo, "apply", "--auto-approve", "--force")
    assert applied.exit_code == 0, applied.output
    assert "overridden by --force" in applied.output and "policy:no-email-grants" in applied.output


def test_steps_that_pass_are_not_refused(tmp_path: Path) -> None:
    config = NO_EMAIL_GRANTS.replace('step.action != "grant"', 'step.action != "revoke"')
    repo = make_repo(tmp_path, config)
    plan = run(repo, "plan", "--format", "json")
    (violation,) = json.loads(plan.output)["violations"]
    assert violation["employer_id"] == ICT  # the revoke of e-mailadres, not the grant


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "'employer.tier == '",
            ":4:29: policy 'p': rule, line 1 column 18: Syntax error: mismatched input '<EOF>'",
        ),
        (
            "'emplyer.tier == \"pro\"'",
            ":4:19: policy 'p': rule, line 1 column 8: undeclared reference",
        ),
        (
            "employer.tier + 1 == 2 && step.x",
            ":4:41: policy 'p': rule, line 1 column 31: undeclared reference to 'step",
        ),
        ("'\"pro\"'", ":4:12: policy 'p': rule, line 1 column 1: the rule gives a string"),
    ],
)
def test_a_malformed_expression_is_a_configuration_error_with_its_position(
    tmp_path: Path, rule: str, expected: str
) -> None:
    config = f"policies:\n  - id: p\n    on: employer\n    rule: {rule}\n    message: m\n"
    repo = make_repo(tmp_path, config, seed=False)
    result = run(repo, "validate")
    assert result.exit_code == 1, result.output
    assert f"mijnloket-gitops.yaml{expected}" in result.output


def test_a_policy_id_may_not_be_a_built_in_rule(tmp_path: Path) -> None:
    config = "policies:\n  - id: schema\n    on: employer\n    rule: 'true'\n    message: m\n"
    result = run(make_repo(tmp_path, config, seed=False), "validate")
    assert result.exit_code == 1
    assert (
        "mijnloket-gitops.yaml:2:9: policy id 'schema' is taken by a built-in rule" in result.output
    )


POLICIES = """\
policies:
  - id: pro-needs-account-manager
    on: employer
    rule: 'employer.tier != "pro" || has(employer.labels.account_manager)'
    message: "Pro tier needs an account manager label"
  - id: no-email-grants
    on: step
    rule: 'step.action != "grant" || step.right != "Raadplegen MijnLoket e-mailadres"'
    message: "e-mail addresses are granted by the privacy officer by hand"
"""
CASES = """\
- name: a Pro employer without an account manager is refused
  policy: pro-needs-account-manager
  employer: {tier: pro}
  expect: fail
- name: a Pro employer with one passes
  policy: pro-needs-account-manager
  employer: {tier: pro, labels: {account_manager: an@bureau.nl}}
  expect: pass
- name: the bundled Plus employer passes
  policy: pro-needs-account-manager
  file: ../employers/hoveniersbedrijf-groenrijk.yaml
  expect: pass
- name: granting the e-mail address is refused
  policy: no-email-grants
  step: {action: grant, right: Raadplegen MijnLoket e-mailadres}
  expect: fail
- name: revoking it is not
  policy: no-email-grants
  step: {action: revoke, right: Raadplegen MijnLoket e-mailadres}
  expect: pass
"""


def test_policy_test_runs_cases_with_expected_outcomes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, POLICIES, seed=False)
    (repo / "policy-tests").mkdir()
    (repo / "policy-tests" / "rules.yaml").write_text(CASES, encoding="utf-8")
    result = run(repo, "policy", "test")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("5 passed, 0 failed.\n")
    assert "PASS " in result.output and "rules.yaml:1 a Pro employer without" in result.output


def test_policy_test_fails_when_a_rule_does_not_do_what_its_cases_say(tmp_path: Path) -> None:
    loose = POLICIES.replace('step.action != "grant" ||', 'step.action == "grant" ||')
    repo = make_repo(tmp_path, loose, seed=False)
    (repo / "policy-tests").mkdir()
    tests = repo / "policy-tests" / "rules.yaml"
    tests.write_text(CASES + "- name: typo\n  policy: no-emial-grants\n  expect: pass\n")
    result = run(repo, "policy", "test", str(tests), "--format", "json")
    assert result.exit_code == 1, result.output
    failed = [r for r in json.loads(result.output)["results"] if not r["ok"]]
    assert [(r["line"], r["detail"]) for r in failed] == [
        (13, "expected fail, got pass"),
        (17, "expected pass, got fail"),
        (21, "no policy has id 'no-emial-grants' (policies: no-email-grants, "
             "pro-needs-account-manager)"),
    ]  # fmt: skip


def test_a_broken_test_file_is_a_failure_with_its_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, POLICIES, seed=False)
    tests = repo / "rules.yaml"
    tests.write_text("- name: x\n  policy: no-email-grants\n  expect: maybe\n")
    result = run(repo, "policy", "test", str(tests))
    assert result.exit_code == 1
    assert "rules.yaml:3 (file): " in result.output and "expect" in result.output


def test_a_missing_example_file_is_a_failure_naming_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, POLICIES, seed=False)
    tests = repo / "rules.yaml"
    tests.write_text(
        "- name: x\n  policy: pro-needs-account-manager\n  file: gone.yaml\n  expect: pass\n"
    )
    result = run(repo, "policy", "test", str(tests))
    assert result.exit_code == 1
    assert "rules.yaml:1 x: cannot read gone.yaml: No such file or directory" in result.output


def test_the_readme_governance_examples_work(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### House rules as policy code, in CEL", 1)[1]
    config, cases = (block.split("```", 1)[0] for block in section.split("```yaml\n")[1:3])
    windows = readme.split("### Change windows", 1)[1].split("```yaml\n")[1].split("```")[0]
    approvals = readme.split("### Approvals routed by", 1)[1].split("```yaml\n")[1]
    approvals = approvals.split("```")[0]
    repo = make_repo(tmp_path, config + windows + approvals, seed=False)
    for name in ("ict-partners-utrecht.yaml", "zorggroep-de-linde.yaml"):  # the Pro ones
        path = repo / "employers" / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text + "labels:\n  account_manager: A. Manager\n", encoding="utf-8")
    (repo / "policy-tests").mkdir()
    (repo / "policy-tests" / "readme.yaml").write_text(cases, encoding="utf-8")
    result = run(repo, "policy", "test")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("4 passed, 0 failed.\n")
    assert run(repo, "validate").exit_code == 0
    assert run(repo, "windows").exit_code == 0


def test_a_step_policy_cannot_be_a_warning(tmp_path: Path) -> None:
    config = NO_EMAIL_GRANTS + "    severity: warning\n"
    result = run(make_repo(tmp_path, config, seed=False), "validate")
    assert result.exit_code == 1
    assert "mijnloket-gitops.yaml:6:15: policy 'no-email-grants': a step policy refuses" in (
        result.output
    )
