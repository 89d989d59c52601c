"""Work orders for manual steps: order, instructions, the addendum ticket, both forms."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from mijnloket_gitops.apply.session import waiting_keys
from mijnloket_gitops.apply.workorder import build_work_order, write_work_order
from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.model import Plan
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.providers.base import LiveEmployer, LiveUser, Step
from tests.test_planner import EID, RIGHT, employer

CATALOG = builtin_catalog()


def products_are_manual(step: Step) -> bool:
    return step.product is None


def make_plan() -> tuple[Plan, dict[str, EmployerFile]]:
    desired = employer(
        ["MijnLoket", "MijnLoket - Verlofaanvragen", "Verlofregistratie", "Verlofregeling"],
        [{"login": "hr@x.nl", "type": "werkgevergebruiker", "rights": [RIGHT]}],
    )
    live = LiveEmployer(EID, desired.name, True, frozenset({"Verlofregistratie"}), {})
    planned = plan_employer(CATALOG, "employers/x.yaml", desired, live, products_are_manual)
    return Plan((planned,), provider="loket"), {EID: desired}


def test_work_order_lists_manual_steps_in_order_with_ticket_and_dependencies() -> None:
    plan, desired = make_plan()
    order = build_work_order(plan, CATALOG, desired)
    assert order is not None
    (entry,) = order["employers"]
    assert entry["addendum_ticket"] == "LKT-1"
    tasks = entry["tasks"]
    assert [t["product"] for t in tasks[:3]] == [
        "MijnLoket",
        "Verlofregeling",
        "MijnLoket - Verlofaanvragen",
    ]
    assert "Beheer → Werkgever → Producten" in tasks[0]["instruction"]
    assert "LKT-1" in tasks[0]["instruction"]
    assert tasks[2]["after"] == [1, 2]
    # the grant is automatic but blocked (the user does not exist live): a person must
    # create the user, so the work order says so, and the tool grants it afterwards
    assert [t["right"] for t in tasks[3:]] == [RIGHT]
    assert "create it first" in tasks[3]["instruction"]
    assert "does this step itself" in tasks[3]["instruction"]
    assert {s.key for s in plan.steps} == waiting_keys(plan)


def test_work_order_files_are_written_in_both_forms(tmp_path: Path) -> None:
    plan, desired = make_plan()
    order = build_work_order(plan, CATALOG, desired)
    assert order is not None
    markdown, machine = write_work_order(tmp_path / "wo", order)
    text = markdown.read_text()
    assert text.startswith("# Work order: 4 manual steps in Loket.nl")
    assert "- [ ] 3. Switch on the product “MijnLoket - Verlofaanvragen”" in text
    assert "*(after 1, 2)*" in text
    assert json.loads(machine.read_text())["format_version"] == 1


def test_no_manual_steps_means_no_work_order() -> None:
    _, desired = make_plan()
    user = LiveUser("hr@x.nl", "werkgevergebruiker")
    live = LiveEmployer(EID, "x", True, users={"hr@x.nl": user})
    automatic = Plan((plan_employer(CATALOG, "x.yaml", desired[EID], live, lambda s: True),))
    assert build_work_order(automatic, CATALOG, desired) is None


def test_notes_to_check_by_hand_alone_make_no_work_order() -> None:
    """Rights Loket does not show (e.g. ak-gebruikers' in the classic world) are noted on
    every plan; without a manual step they must not leave a work order behind."""
    _, desired = make_plan()
    user = LiveUser("hr@x.nl", "werkgevergebruiker")
    live = LiveEmployer(EID, "x", True, users={"hr@x.nl": user})
    planned = plan_employer(CATALOG, "x.yaml", desired[EID], live, lambda s: True)
    noted = replace(planned, unchecked=("a.b@kantoor.example (ak-gebruiker) should hold X",))
    assert build_work_order(Plan((noted,)), CATALOG, desired) is None
    manual, _ = make_plan()
    with_notes = Plan((replace(manual.employers[0], unchecked=noted.unchecked),))
    order = build_work_order(with_notes, CATALOG, desired)
    assert order is not None and order["employers"][0]["check_by_hand"] == list(noted.unchecked)
