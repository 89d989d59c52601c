"""The composite action's runner: arguments per command, the exit-code policy, step
outputs, annotations and the job summary; end to end on a sandbox repository."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.gitops.action import (
    ActionInputError,
    Execute,
    Inputs,
    command_env,
    execute,
    relay,
    run,
)
from mijnloket_gitops.gitops.planted import PlantedLinkError
from mijnloket_gitops.plan.render import MARKER

EXAMPLES = Path(__file__).resolve().parent.parent / "employers"


def _inputs(**values: str) -> Inputs:
    return Inputs.from_environ({f"INPUT_{k.upper()}": v for k, v in values.items()})


def test_arguments_per_command() -> None:
    assert _inputs(command="validate").argv() == ["validate", "--format", "github"]
    assert _inputs(command="validate", format="sarif", paths="a b").argv() == [
        "validate",
        "--format",
        "sarif",
        "a",
        "b",
    ]
    assert _inputs(command="fmt-check").argv() == ["fmt", "--check"]
    assert _inputs(command="plan", plan_file="p.json", args="--allow-downgrade").argv() == [
        "plan",
        "--detailed-exitcode",
        "--format",
        "markdown",
        "--out",
        "p.json",
        "--allow-downgrade",
    ]
    assert _inputs(command="apply", plan_file="p.json").argv() == ["apply", "p.json"]


def test_bad_inputs() -> None:
    with pytest.raises(ActionInputError, match="one of validate, fmt-check"):
        _inputs(command="destroy")
    with pytest.raises(ActionInputError, match="never applies a plan nobody reviewed"):
        _inputs(command="apply")


def _fake(code: int, stdout: str = "out\n", *, save: bool = True) -> Execute:
    """A stand-in for the CLI that exits ``code`` and, like plan, saves the plan to
    ``--out`` when ``save`` is set and the code is one plan writes a plan for."""

    def execute(argv: list[str], cwd: Path) -> tuple[int, str]:
        if save and "--out" in argv and code in (0, 2, 3):
            path = cwd / argv[argv.index("--out") + 1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("{}")
        return code, stdout

    return execute


@pytest.mark.parametrize(
    ("command", "code", "succeeded", "changes"),
    [
        ("plan", 0, True, "false"),
        ("plan", 2, True, "true"),
        ("drift", 3, False, "true"),
        ("plan", 1, False, ""),
        ("apply", 0, True, "false"),
        ("apply", 4, True, "true"),
        ("apply", 3, False, ""),
        ("validate", 1, False, ""),
    ],
)
def test_exit_code_policy(
    tmp_path: Path, command: str, code: int, succeeded: bool, changes: str
) -> None:
    inputs = _inputs(command=command, plan_file="p.json", working_directory=str(tmp_path))
    outcome = run(inputs, tmp_path / "temp", _fake(code))
    assert (outcome.succeeded, outcome.outputs["has-changes"]) == (succeeded, changes)
    assert outcome.outputs["exit-code"] == str(code)


def test_waiting_for_manual_steps_warns_or_fails(tmp_path: Path) -> None:
    order = tmp_path / ".mijnloket" / "work-order"
    order.mkdir(parents=True)
    (order / "work-order.md").write_text("# Work order\n\n- switch on MijnLoket\n")
    values = {"command": "apply", "plan_file": "p.json", "working_directory": str(tmp_path)}
    outcome = run(_inputs(**values), tmp_path, lambda argv, cwd: (4, "Waiting\n"))
    assert outcome.succeeded
    assert outcome.annotation is not None
    assert outcome.annotation.startswith("::warning title=Waiting for manual steps (exit 4)::")
    assert outcome.outputs["work-order"] == str(order)
    assert "exit 4 (waiting for manual steps in Loket.nl)" in outcome.summary
    assert "- switch on MijnLoket" in outcome.summary
    strict = run(_inputs(**values, fail_on_waiting="true"), tmp_path, lambda a, c: (4, ""))
    assert not strict.succeeded
    assert strict.annotation is not None and strict.annotation.startswith("::error ")


def test_a_stale_plan_says_what_to_do(tmp_path: Path) -> None:
    inputs = _inputs(command="apply", plan_file="p.json", working_directory=str(tmp_path))
    outcome = run(inputs, tmp_path, lambda argv, cwd: (3, ""))
    assert outcome.annotation is not None
    assert outcome.annotation.startswith("::error title=Refused (exit 3)::Nothing was changed")
    assert "workflow_dispatch" in outcome.annotation


def test_plan_output_is_kept_next_to_the_plan_file(tmp_path: Path) -> None:
    inputs = _inputs(command="plan", plan_file="out/plan.json", working_directory=str(tmp_path))
    outcome = run(inputs, tmp_path / "temp", _fake(2, f"{MARKER}\nplan\n"))
    assert outcome.outputs["output-file"] == str(tmp_path / "out" / "plan.md")
    assert outcome.summary == f"{MARKER}\nplan\n"
    assert outcome.outputs["plan-file"] == str(tmp_path / "out" / "plan.json")


@pytest.mark.parametrize("command", ["plan", "drift"])
def test_exit_2_without_a_written_plan_is_a_failure_not_changes(
    tmp_path: Path, command: str
) -> None:
    """A click usage error also exits 2: only a written plan proves changes pending."""
    inputs = _inputs(command=command, working_directory=str(tmp_path))
    outcome = run(inputs, tmp_path / "temp", _fake(2, "", save=False))
    assert not outcome.succeeded
    assert outcome.outputs["has-changes"] == ""
    assert outcome.annotation is not None and "no plan written (exit 2)" in outcome.annotation


@pytest.mark.parametrize(("command", "code"), [("apply", 2), ("plan", 5), ("validate", 2)])
def test_an_unexpected_exit_code_is_a_failure(tmp_path: Path, command: str, code: int) -> None:
    inputs = _inputs(command=command, plan_file="p.json", working_directory=str(tmp_path))
    outcome = run(inputs, tmp_path / "temp", _fake(code, save=False))
    assert not outcome.succeeded
    assert outcome.annotation is not None and f"unexpected exit {code}" in outcome.annotation


def test_a_planted_plan_is_never_reported(tmp_path: Path) -> None:
    """A checkout that commits mijnloket-plan/plan.json and plan.md: the failed plan
    run reports neither, and the planted files are gone."""
    planted = tmp_path / "mijnloket-plan"
    planted.mkdir()
    (planted / "plan.json").write_text('{"planted": true}')
    (planted / "plan.md").write_text("Looks good, approve me\n")
    inputs = _inputs(
        command="plan", plan_file="mijnloket-plan/plan.json", working_directory=str(tmp_path)
    )
    outcome = run(inputs, tmp_path / "temp", _fake(1, "", save=False))
    assert not outcome.succeeded
    assert outcome.outputs["plan-file"] == ""
    assert "output-file" not in outcome.outputs
    assert not (planted / "plan.json").exists() and not (planted / "plan.md").exists()


def test_a_planted_symlink_never_redirects_the_plan(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "plan.json").write_text("keep me")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "mijnloket-plan").symlink_to(elsewhere)
    inputs = _inputs(
        command="plan", plan_file="mijnloket-plan/plan.json", working_directory=str(repo)
    )
    with pytest.raises(PlantedLinkError, match="symbolic link"):
        run(inputs, tmp_path / "temp", _fake(2))
    assert (elsewhere / "plan.json").read_text() == "keep me"


@pytest.mark.parametrize("module", ["mijnloket_gitops", "pip"])
def test_a_module_in_the_checkout_never_runs(tmp_path: Path, module: str) -> None:
    """`python -m` puts the working directory first on the import path; the action's
    command runs with -P, so a package committed in the checkout is data, not code."""
    hijack = tmp_path / module
    hijack.mkdir()
    (hijack / "__init__.py").write_text("")
    (hijack / "__main__.py").write_text(
        f"open({str(tmp_path / 'HIJACKED')!r}, 'w').write('ran')\nprint('hijacked')\n"
    )
    code, stdout = execute(["--version"], tmp_path)
    assert code == 0 and "hijacked" not in stdout
    assert not (tmp_path / "HIJACKED").exists()
    if module == "pip":  # the action's install step: python -P -m pip
        done = subprocess.run(
            [sys.executable, "-P", "-m", "pip", "--version"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0 and not (tmp_path / "HIJACKED").exists()


def test_the_command_never_sees_the_secrets_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIJNLOKET_SECRETS_TOKEN", "ghp_secret")
    monkeypatch.setenv("PYTHONPATH", "/checkout")
    env = command_env(dict(os.environ))
    assert "MIJNLOKET_SECRETS_TOKEN" not in env and "PYTHONPATH" not in env
    assert env["PYTHONSAFEPATH"] == "1"


def _run_action(repo: Path, tmp: Path, name: str, **inputs: str) -> tuple[int, str, dict[str, str]]:
    env = {f"INPUT_{k.upper()}": v for k, v in inputs.items()}
    outputs, summary = tmp / f"{name}.out", tmp / f"{name}.summary"
    env |= {
        "INPUT_WORKING_DIRECTORY": str(repo),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp),
        "GITHUB_ACTIONS": "true",
    }
    result = CliRunner().invoke(cli, ["github", "run-action"], env=env)
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    values["summary"] = summary.read_text() if summary.exists() else ""
    return result.exit_code, result.output, values


def test_end_to_end_on_the_sandbox(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "employers")
    prepared = CliRunner().invoke(cli, ["github", "prepare-provider", "--repo", str(repo)])
    assert prepared.exit_code == 0, prepared.output

    code, output, out = _run_action(repo, tmp_path, "validate", command="validate")
    assert code == 0, output
    assert "files checked: 0 errors" in output  # github format passes straight through

    code, output, out = _run_action(repo, tmp_path, "plan", command="plan", plan_file="p/plan.json")
    assert code == 0, output
    assert (out["exit-code"], out["has-changes"]) == ("2", "true")
    assert out["plan-file"] == str(repo / "p" / "plan.json")
    assert Path(out["output-file"]).read_text().startswith(MARKER)
    assert out["summary"].startswith(MARKER)
    assert output.startswith("::stop-commands::")  # the plan cannot smuggle in commands

    code, output, out = _run_action(
        repo, tmp_path, "apply", command="apply", plan_file="p/plan.json"
    )
    assert code == 0, output
    assert out["exit-code"] == "0"
    assert "Verified: live state matches the configuration." in out["summary"]

    code, output, out = _run_action(repo, tmp_path, "drift", command="drift")
    assert (code, out["exit-code"], out["has-changes"]) == (0, "0", "false")

    drifted = CliRunner().invoke(
        cli,
        [
            "sandbox",
            "set",
            "Bakkerij",
            "--deactivate",
            "MijnLoket - Documenten",
            "--repo",
            str(repo),
        ],
    )
    assert drifted.exit_code == 0, drifted.output
    code, output, out = _run_action(
        repo, tmp_path, "stale", command="apply", plan_file="p/plan.json"
    )
    assert (code, out["exit-code"]) == (3, "3")
    assert "::error title=Refused (exit 3)::" in output


def test_a_file_name_in_the_commands_messages_never_becomes_a_workflow_command(
    tmp_path: Path, valid_employer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pull request may name a file ``x<newline>::error ...``; the plan's messages
    quote file names, and in the privileged job its stderr is that job's log: the
    relayed stderr sits between ::stop-commands:: and its end token."""
    employers = tmp_path / "employers"
    employers.mkdir()
    (employers / "a.yaml").write_text(valid_employer)
    (employers / "x\n::error title=SPOOF::hi.yaml").write_text(valid_employer)
    code, _ = execute(["plan"], tmp_path)
    assert code == 1
    lines = capsys.readouterr().err.splitlines()
    spoofed = [i for i, line in enumerate(lines) if line.startswith("::error title=SPOOF")]
    assert spoofed, lines
    start = lines.index(next(line for line in lines if line.startswith("::stop-commands::")))
    token = lines[start].removeprefix("::stop-commands::")
    assert len(token) == 32 and lines[-1] == f"::{token}::"
    assert all(start < i < len(lines) - 1 for i in spoofed)
    assert [line for line in lines if line.startswith("::")] == [
        lines[start],
        *(lines[i] for i in spoofed),
        lines[-1],
    ]


def test_relay_keeps_quiet_output_quiet_and_ends_an_open_line() -> None:
    quiet = io.StringIO()
    relay(io.BytesIO(b""), quiet)
    assert quiet.getvalue() == ""
    open_line = io.StringIO()
    relay(io.BytesIO(b"first\nno newline"), open_line)
    text = open_line.getvalue().splitlines()
    assert text[1:3] == ["first", "no newline"] and text[-1] == f"::{text[0][17:]}::"


def test_a_plan_too_old_at_the_merge_says_so_and_how_to_get_a_fresh_one(tmp_path: Path) -> None:
    """A pull request's plan made more than safety.max_plan_age_hours before the merge:
    apply refuses it (exit 3, nothing changed) and the annotation and the job summary
    name the age, the setting and the ways to a fresh plan."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "employers")
    assert (
        CliRunner().invoke(cli, ["github", "prepare-provider", "--repo", str(repo)]).exit_code == 0
    )
    code, output, _ = _run_action(repo, tmp_path, "plan", command="plan", plan_file="p/plan.json")
    assert code == 0, output
    plan_file = repo / "p" / "plan.json"
    document = json.loads(plan_file.read_text())
    made = dt.datetime.now(dt.UTC) - dt.timedelta(hours=100)
    document["meta"]["created_at"] = made.isoformat()
    plan_file.write_text(json.dumps(document))

    code, output, out = _run_action(repo, tmp_path, "old", command="apply", plan_file="p/plan.json")
    assert (code, out["exit-code"]) == (3, "3")
    assert (
        "::error title=Refused: the plan is too old (exit 3)::The plan was made 100 hours" in output
    )
    for text in (output, out["summary"]):
        assert "older than 72 hours are refused (safety.max_plan_age_hours)" in text
        assert "push to the pull request again" in text and "re-run" in text
        assert "run the apply workflow by hand on main" in text
    assert "**The reviewed plan is too old.**" in out["summary"]


def test_a_young_plan_refused_for_another_reason_gets_the_general_hint(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(
        json.dumps({"meta": {"created_at": dt.datetime.now(dt.UTC).isoformat()}})
    )
    inputs = _inputs(command="apply", plan_file="p.json", working_directory=str(tmp_path))
    outcome = run(inputs, tmp_path / "temp", lambda argv, cwd: (3, ""))
    assert outcome.annotation is not None and "too old" not in outcome.annotation
    assert "workflow_dispatch" in outcome.annotation
