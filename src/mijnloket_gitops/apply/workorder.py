"""Work orders: the manual steps of a plan, written for the person who does them.

Where the provider cannot perform a step (a Loket.nl without module switching), or
cannot see what a file asks for (rights of ak-gebruikers without provider-user reads),
apply writes a work order in two forms: Markdown for people, JSON for machines
(``format_version`` 1). Both list, per employer and in plan order, where to click,
the exact product names, which steps wait on which, and for MijnLoket the addendum
ticket from the employer file. Apply then verifies by reading live state again;
nothing is taken as done until Loket shows it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

from mijnloket_gitops.catalog import Catalog, UserType
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.model import EmployerPlan, Plan, PlannedStep
from mijnloket_gitops.plan.planner import WAITS_ON_BLOCKED, unread_rights_note
from mijnloket_gitops.providers.base import Action

FORMAT_VERSION = 1


def _instruction(catalog: Catalog, planned: PlannedStep, employer: EmployerFile | None) -> str:
    step = planned.step
    if step.product is not None:
        verb = "Switch on" if step.action == Action.ACTIVATE else "Switch off"
        text = f"{verb} the product “{step.product}” under {catalog.web_ui_path}."
        product = catalog.products.get(step.product)
        if step.action == Action.ACTIVATE and product and product.gate == "addendum":
            ticket = employer.addendum.ticket if employer else None
            text += (
                f" {step.product} is listed only once Loket has processed the signed contract"
                f" addendum{f' (ticket {ticket})' if ticket else ''}; if it is not listed,"
                " contact Loket quoting the ticket."
            )
        return text
    verb = "Give" if step.action == Action.GRANT else "Take away from"
    return (
        f"{verb} {step.user_type or 'user'} {step.login} the right “{step.right}” for this"
        " employer (user management in Loket.nl)."
    )


def _automatic_but_blocked(planned: PlannedStep) -> str:
    return (
        f"Resolve what blocks “{planned.step.action} {planned.step.subject}”: {planned.blocked}."
        " The tool then does this step itself on the next apply."
    )


def _tasks(catalog: Catalog, plan: EmployerPlan, employer: EmployerFile | None) -> list[Any]:
    # blocked automatic steps need a person too (e.g. Loket processing the addendum):
    # an apply that waits (exit 4) always leaves a work order saying what for
    # (a step blocked only because it waits on a blocked one follows from that one)
    manual = [
        s
        for s in plan.steps
        # a step its own file holds back (evidence: pending) is no one's task in Loket.nl
        if not s.held and (s.manual or (s.blocked and not s.blocked.startswith(WAITS_ON_BLOCKED)))
    ]
    numbers = {s.key: i for i, s in enumerate(manual, start=1)}
    labels = {s.key: f"{s.step.action} {s.step.subject}" for s in plan.steps}
    return [
        {
            "number": numbers[s.key],
            **s.step.data,
            "key": s.key,
            "instruction": _instruction(catalog, s, employer)
            if s.manual
            else _automatic_but_blocked(s),
            "after": [numbers.get(k, labels.get(k, k)) for k in s.waits_on],
            "blocked": s.blocked,
        }
        for s in manual
    ]


def build_work_order(
    plan: Plan,
    catalog: Catalog,
    desired: Mapping[str, EmployerFile],
    why_manual: Sequence[str] = (),
) -> dict[str, Any] | None:
    """The work order for ``plan``'s manual steps, or None when there are none.

    ``why_manual``: the provider's reasons why steps an API could do are manual here
    (:meth:`~mijnloket_gitops.providers.base.Provider.why_manual`), said at the top.

    What the provider cannot see (``check_by_hand``) rides along on a work order but
    never makes one: in a world where Loket hides rights every plan carries such notes,
    and a work order then would stay behind after an apply that finished (exit 0).
    """
    general = {unread_rights_note(kind) for kind in get_args(UserType)}
    said: list[str] = []  # notes true of every employer they concern: said once, on top
    employers = []
    for employer_plan in plan.employers:
        employer = desired.get(employer_plan.employer_id)
        tasks = _tasks(catalog, employer_plan, employer)
        said += [n for n in employer_plan.unchecked if n in general and n not in said]
        unchecked = [n for n in employer_plan.unchecked if n not in general]
        if tasks or unchecked:
            employers.append(
                {
                    "employer_id": employer_plan.employer_id,
                    "name": employer_plan.name,
                    "employer_file": employer_plan.path,
                    "addendum_ticket": employer.addendum.ticket if employer else None,
                    "tasks": tasks,
                    # what the provider cannot see (e.g. ak-gebruikers' rights): a person checks
                    "check_by_hand": unchecked,
                }
            )
    if not any(e["tasks"] for e in employers):
        return None
    return {
        "format_version": FORMAT_VERSION,
        "kind": "mijnloket-gitops work order",
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "provider": plan.provider,
        "web_ui_path": catalog.web_ui_path,
        **({"why_manual": list(why_manual)} if why_manual else {}),
        "notes": said,
        "employers": employers,
    }


def wait_command(employer_ids: Iterable[str]) -> str:
    """``apply --wait`` with a ``--target`` per employer that has steps left: it waits
    on exactly those, never re-plans the whole portfolio (issue 20)."""
    ids = list(dict.fromkeys(employer_ids))
    return " ".join(["mijnloket-gitops apply --wait", *(f"--target {shlex.quote(i)}" for i in ids)])


def _wait_command(order: Mapping[str, Any]) -> str:
    return wait_command(str(e["employer_id"]) for e in order["employers"] if e["tasks"])


def render_markdown(order: Mapping[str, Any]) -> str:
    total = sum(len(e["tasks"]) for e in order["employers"])
    checks = sum(len(e.get("check_by_hand", ())) for e in order["employers"])
    title = f"# Work order: {total} manual step{'s' if total != 1 else ''} in Loket.nl"
    if checks:
        title += f", {checks} thing{'s' if checks != 1 else ''} to check by hand"
    lines = [
        title,
        "",
        f"Made {order['created_at']}. Do the steps of each employer in order; a step that"
        " says *after* waits for the steps it names. When you are done, run"
        f" `{_wait_command(order)}` (or `plan`) to verify: nothing counts as done"
        " until Loket.nl shows it.",
        "",
        *[f"> {reason}\n" for reason in order.get("why_manual", ())],
    ]
    notes = order.get("notes", ())
    if notes:
        lines += ["For every employer below where it applies:", ""]
        lines += [f"- {note}" for note in notes]
        lines.append("")
    for employer in order["employers"]:
        lines += [f"## {employer['name']}", ""]
        lines.append(
            f"Employer id `{employer['employer_id']}`, file `{employer['employer_file']}`"
            + (
                f", addendum ticket {employer['addendum_ticket']}"
                if employer["addendum_ticket"]
                else ""
            )
            + "."
        )
        lines.append("")
        for task in employer["tasks"]:
            after = ", ".join(str(a) for a in task["after"])
            suffix = f" *(after {after})*" if after else ""
            blocked = f" **Blocked:** {task['blocked']}" if task["blocked"] else ""
            lines.append(f"- [ ] {task['number']}. {task['instruction']}{suffix}{blocked}")
        if employer.get("check_by_hand"):
            lines += ["", "Check by hand (the API cannot show these):", ""]
            lines += [f"- [ ] {note}" for note in employer["check_by_hand"]]
        lines.append("")
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def write_work_order(directory: Path, order: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``order`` as ``work-order.md`` and ``work-order.json`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    markdown, machine = directory / "work-order.md", directory / "work-order.json"
    _write(markdown, render_markdown(order))
    _write(machine, json.dumps(order, indent=2, ensure_ascii=False) + "\n")
    return markdown, machine
