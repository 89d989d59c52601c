"""The composite action's runner (``action.yml``): one command, its exit-code policy,
its step outputs and its job summary.

Inputs arrive as ``INPUT_*`` environment variables (``action.yml`` maps them):

| command   | runs                                                     | succeeds on |
|-----------|----------------------------------------------------------|-------------|
| validate  | ``validate --format github [PATHS]``                     | 0           |
| fmt-check | ``fmt --check [PATHS]``                                  | 0           |
| plan      | ``plan --detailed-exitcode --format markdown --out F``   | 0, 2        |
| drift     | the same as plan                                         | 0, 2        |
| apply     | ``apply PLAN_FILE`` (a saved plan is required)           | 0, 4        |

Exit 4 of apply (steps wait for a person in Loket.nl) succeeds with a warning unless
``fail-on-waiting`` is true: apply did all it can, the work order says what is left,
and the scheduled drift check keeps reporting those steps until they are done.

Any other exit code is a failure, and plan/drift succeed only when the plan file
exists afterwards: the plan path is removed before the command runs, so a file found
there was written by this run, never one committed in the checkout (exit 2 of a
usage error is not "changes pending"). The command runs as ``python -P -m
mijnloket_gitops`` with ``PYTHONSAFEPATH=1``: the working directory (a checkout) is
never on the import path, so a committed ``mijnloket_gitops/`` cannot replace the tool.
Its output reaches the log only quoted (``::stop-commands::``): messages quote file
names and values from the checkout, which must never act as workflow commands.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TextIO

from mijnloket_gitops.errors import ExitCode, MijnloketError
from mijnloket_gitops.gitops.plan_age import too_old
from mijnloket_gitops.gitops.planted import clear, refuse_links

COMMANDS = ("validate", "fmt-check", "plan", "drift", "apply")
PROVIDER_COMMANDS = ("plan", "drift", "apply")
DEFAULT_FORMATS = {"validate": "github", "plan": "markdown", "drift": "markdown"}
EXTENSIONS = {"markdown": "md", "json": "json", "text": "txt", "github": "txt", "sarif": "sarif"}
WORK_ORDER = Path(".mijnloket/work-order")
MEANINGS = {
    0: "success",
    1: "errors",
    2: "changes pending",
    3: "refused, nothing changed",
    4: "waiting for manual steps in Loket.nl",
    64: "usage error: a bad command, option or argument",
    70: "a bug in mijnloket-gitops",
    130: "interrupted",
}
REFUSED_HINTS = {
    "apply": "the reviewed plan is stale (the files or live state changed since it was made) "
    "or a safety guard refused it. Make a new plan: run the apply workflow by hand "
    "(workflow_dispatch) and approve what it shows",
    "plan": "a safety guard refused the plan; the plan names the flag that overrides it",
}
WAITING_NOTE = (
    "Apply did all it can; the steps in the work order (artifact and job summary) are for "
    "a person in Loket.nl. The drift check reports them until they are done."
)


class ActionInputError(MijnloketError):
    """An input of the action is missing or wrong."""


@dataclass(frozen=True)
class Inputs:
    """The action's inputs, checked."""

    command: str
    workdir: Path
    paths: tuple[str, ...] = ()
    plan_file: str = ""
    format: str = ""
    args: tuple[str, ...] = ()
    fail_on_waiting: bool = False

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> Inputs:
        command = env.get("INPUT_COMMAND", "").strip()
        if command not in COMMANDS:
            raise ActionInputError(
                f"input command must be one of {', '.join(COMMANDS)}, not {command!r}"
            )
        inputs = cls(
            command=command,
            workdir=Path(env.get("INPUT_WORKING_DIRECTORY") or "."),
            paths=tuple(shlex.split(env.get("INPUT_PATHS", ""))),
            plan_file=env.get("INPUT_PLAN_FILE", "").strip(),
            format=env.get("INPUT_FORMAT", "").strip(),
            args=tuple(shlex.split(env.get("INPUT_ARGS", ""))),
            fail_on_waiting=env.get("INPUT_FAIL_ON_WAITING", "false").strip().lower() == "true",
        )
        if command == "apply" and not inputs.plan_file:
            raise ActionInputError(
                "apply needs input plan-file (a plan saved by `plan --out`): the action never "
                "applies a plan nobody reviewed"
            )
        return inputs

    @property
    def fmt(self) -> str:
        return self.format or DEFAULT_FORMATS.get(self.command, "")

    @property
    def makes_plan(self) -> bool:
        return self.command in ("plan", "drift")

    def argv(self) -> list[str]:
        """The mijnloket-gitops arguments for this command."""
        fmt = ["--format", self.fmt] if self.fmt else []
        if self.command == "validate":
            return ["validate", *fmt, *self.paths, *self.args]
        if self.command == "fmt-check":
            return ["fmt", "--check", *self.paths, *self.args]
        if self.command == "apply":
            return ["apply", self.plan_file, *self.args]
        out = ["--out", self.plan_file] if self.plan_file else []
        return ["plan", "--detailed-exitcode", *fmt, *out, *self.args]

    def expected(self, code: int) -> bool:
        """Whether ``code`` is one the command gives on purpose (else: usage error, bug)."""
        return code in EXPECTED_CODES[self.command]

    def succeeded(self, code: int, plan_written: bool = True) -> bool:
        if self.makes_plan:
            return code in (0, 2) and plan_written
        if self.command == "apply" and code == ExitCode.WAITING:
            return not self.fail_on_waiting
        return code == 0


EXPECTED_CODES = {
    "validate": {0, 1},
    "fmt-check": {0, 1},
    "plan": {0, 1, 2, 3},
    "drift": {0, 1, 2, 3},
    "apply": {0, 1, 3, 4},
}


@dataclass(frozen=True)
class Outcome:
    """What one run of the action produced."""

    exit_code: int
    succeeded: bool
    output: str
    outputs: dict[str, str]
    summary: str
    annotation: str | None


Execute = Callable[[list[str], Path], tuple[int, str]]


HIDDEN_FROM_COMMAND = ("MIJNLOKET_SECRETS_TOKEN",)
"""Variables the command itself never needs: only the persisting code may hold them."""


def command_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The command's environment: the caller's, with the import path made safe and
    the secrets-writing token left out."""
    env = {k: v for k, v in environ.items() if k not in HIDDEN_FROM_COMMAND}
    env.pop("PYTHONPATH", None)
    env["PYTHONSAFEPATH"] = "1"
    return env


def execute(argv: list[str], cwd: Path) -> tuple[int, str]:
    """Run the CLI in a child process: its stdout is returned, stderr goes to the log
    as it comes, quoted (see :func:`relay`). ``-P``: the working directory (a
    checkout) is not on the import path."""
    with subprocess.Popen(
        [sys.executable, "-P", "-m", "mijnloket_gitops", *argv],
        cwd=cwd,
        env=command_env(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None and child.stderr is not None  # both are PIPE
        relaying = threading.Thread(target=relay, args=(child.stderr, sys.stderr), daemon=True)
        relaying.start()
        stdout = child.stdout.read()
        code = child.wait()
        relaying.join()
    return code, stdout.decode("utf-8", "replace")


def relay(source: IO[bytes], target: TextIO) -> None:
    """Copy the command's stderr to ``target`` line by line (``apply --wait`` runs for
    an hour; its progress shows as it happens) between ``::stop-commands::`` and its
    end token. The messages quote file names and values from the checkout, which in
    the privileged plan job are a pull request's: a file named ``x\\n::error ...`` must
    stay text in the log, never become a workflow command of that job."""
    token = uuid.uuid4().hex
    started, last = False, b"\n"
    for line in iter(source.readline, b""):
        if not started:
            target.write(f"::stop-commands::{token}\n")
            started = True
        target.write(line.decode("utf-8", "replace"))
        target.flush()
        last = line[-1:]
    if started:
        target.write(("" if last == b"\n" else "\n") + f"::{token}::\n")
        target.flush()


def output_path(inputs: Inputs, temp_dir: Path) -> Path:
    """Where the command's standard output is kept: next to the plan file when there
    is one (so one artifact holds both), else in the runner's temp folder."""
    ext = EXTENSIONS.get(inputs.fmt, "txt")
    if inputs.plan_file and inputs.command != "apply":
        plan = (inputs.workdir / inputs.plan_file).absolute()
        path = plan.with_name(f"{plan.stem}.{ext}")
        return path if path != plan else plan.with_name(f"{plan.stem}.stdout.{ext}")
    return temp_dir / f"{inputs.command}-{uuid.uuid4().hex[:12]}.{ext}"


def has_changes(inputs: Inputs, code: int, plan_written: bool = True) -> str:
    if inputs.makes_plan:
        return {0: "false", 2: "true", 3: "true"}.get(code, "") if plan_written else ""
    if inputs.command == "apply":
        return {0: "false", 4: "true"}.get(code, "")
    return ""


def run(inputs: Inputs, temp_dir: Path, execute: Execute = execute) -> Outcome:
    """Run the command, keep its output, and decide success by the table above.

    Outputs name only files this run wrote: the plan path and the output path are
    removed first, and plan/drift always save the plan (to a temp file when no
    plan-file is given) so that "changes pending" is proven by a written plan."""
    if inputs.makes_plan and not inputs.plan_file:
        temp_dir.mkdir(parents=True, exist_ok=True)
        inputs = replace(
            inputs, plan_file=str(temp_dir / f"{inputs.command}-{uuid.uuid4().hex}.json")
        )
    out = output_path(inputs, temp_dir)
    plan = (inputs.workdir / inputs.plan_file).absolute() if inputs.plan_file else None
    if inputs.makes_plan and plan is not None:
        refuse_links(plan, inputs.workdir.absolute())
        clear(plan, out)
    code, stdout = execute(inputs.argv(), inputs.workdir)
    written = inputs.makes_plan and plan is not None and plan.is_file() and not plan.is_symlink()
    ok = inputs.succeeded(code, written) and inputs.expected(code)
    outputs = {"exit-code": str(code), "has-changes": has_changes(inputs, code, written)}
    if stdout:
        out.parent.mkdir(parents=True, exist_ok=True)
        clear(out)
        out.write_text(stdout, encoding="utf-8")
        outputs["output-file"] = str(out)
    shown = written and inputs.plan_file and plan is not None and not _is_temp(plan, temp_dir)
    outputs["plan-file"] = str(plan) if shown and plan is not None else ""
    work_order = (inputs.workdir / WORK_ORDER).absolute()
    has_order = inputs.command == "apply" and (work_order / "work-order.md").is_file()
    outputs["work-order"] = str(work_order) if has_order else ""
    # apply refused a plan for its age: say so, and how to get a fresh one
    aged = code == ExitCode.REFUSED and inputs.command == "apply" and plan is not None
    old = too_old(inputs.workdir, plan) if aged and plan is not None else None
    summary = _summary(inputs, code, stdout, work_order if has_order else None, old)
    return Outcome(code, ok, stdout, outputs, summary, _annotation(inputs, code, written, old))


def _is_temp(path: Path, temp_dir: Path) -> bool:
    return path.parent == temp_dir.absolute()


def _summary(
    inputs: Inputs, code: int, stdout: str, work_order: Path | None, too_old: str | None = None
) -> str:
    if inputs.command in ("plan", "drift") and inputs.fmt == "markdown" and stdout:
        return stdout
    if inputs.command == "validate":
        return ""
    head = f"### mijnloket-gitops {inputs.command}: exit {code} ({MEANINGS.get(code, '?')})\n\n"
    if too_old:
        head += f"> [!WARNING]\n> **The reviewed plan is too old.** {too_old}\n\n"
    body = f"```text\n{stdout[-100_000:].replace('```', '` ` `')}\n```\n\n" if stdout else ""
    order = work_order / "work-order.md" if work_order else None
    return head + body + (order.read_text(encoding="utf-8") if order else "")


def _annotation(
    inputs: Inputs, code: int, plan_written: bool, too_old: str | None = None
) -> str | None:
    if not inputs.expected(code):
        return (
            f"::error title=mijnloket-gitops {inputs.command}: unexpected exit {code}::"
            + _escape(
                "not a result the command gives on purpose (a usage error, a crash); "
                "see the log of this step"
            )
        )
    if inputs.makes_plan and code in (0, 2) and not plan_written:
        return (
            f"::error title=mijnloket-gitops {inputs.command}: no plan written (exit {code})::"
            + _escape(
                "the command ended without saving a plan, so nothing is reported as "
                "planned; see the log of this step"
            )
        )
    if inputs.command == "apply" and code == ExitCode.WAITING:
        level = "error" if inputs.fail_on_waiting else "warning"
        return f"::{level} title=Waiting for manual steps (exit 4)::{_escape(WAITING_NOTE)}"
    if inputs.succeeded(code, plan_written) or inputs.command == "validate":
        return None  # validate's own annotations point at the lines
    if too_old:
        return f"::error title=Refused: the plan is too old (exit 3)::{_escape(too_old)}"
    hint = REFUSED_HINTS.get("plan" if inputs.command == "drift" else inputs.command)
    if code == ExitCode.REFUSED and hint:
        return f"::error title=Refused (exit 3)::{_escape('Nothing was changed: ' + hint)}"
    meaning = MEANINGS.get(code, "failed")
    return (
        f"::error title=mijnloket-gitops {inputs.command} failed (exit {code})::"
        f"{_escape(meaning + '; see the log of this step')}"
    )


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
