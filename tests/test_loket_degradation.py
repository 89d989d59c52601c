"""The loket provider degrading gracefully: strict module items, rights Loket cannot
show, loose product names, and one employer failing without stopping the others.

The end-to-end tests run the real CLI against the emulator over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.plan.model import UNVERIFIED_FLAG
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.providers.base import Action, LiveEmployer, LiveUser, PartialReadError
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import start_emulator
from tests.loket_emulated import open_loket
from tests.test_loket_e2e import api_changes, cli, prepare

RIGHT = "Raadplegen MijnLoket e-mailadres"
EMPLOYER_ID = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"id": 1, "name": "MijnLoket"}, "MijnLoket"),
        ({"id": 1, "name": "MijnLoket", "isEnabled": True}, "MijnLoket"),
        ({"id": 1, "name": "MijnLoket", "isEnabled": False}, None),
        ({"id": 1, "name": "MijnLoket", "active": False}, None),
        ({"id": 1, "name": "MijnLoket", "isActive": True}, "MijnLoket"),
    ],
)
def test_module_items_are_read_by_their_flag(item: dict[str, Any], expected: str | None) -> None:
    assert A.parse_module(item) == expected


@pytest.mark.parametrize("flag", ["isEnabled", "enabled", "isActive", "active"])
@pytest.mark.parametrize("value", ["false", 0, None, "yes"])
def test_a_module_flag_not_understood_fails_closed(flag: str, value: object) -> None:
    with pytest.raises(ProviderError, match="Assumption A2"):
        A.parse_module({"id": 99, "name": "MijnLoket", flag: value})


def employer_file(**fields: Any) -> EmployerFile:
    values: dict[str, Any] = {
        "version": 1,
        "employer_id": EMPLOYER_ID,
        "name": "Bakkerij",
        "addendum": {"status": "signed", "signed_on": "2026-01-02", "ticket": "LKT-1"},
        "tier": "start",
        "products": ["MijnLoket", "MijnLoket - Persoonsgegevens inzien"],
        **fields,
    }
    return EmployerFile.model_validate(values)


def test_names_differing_only_in_case_or_spacing_are_reported_not_activated() -> None:
    catalog = builtin_catalog()
    live = LiveEmployer(
        EMPLOYER_ID,
        "Bakkerij",
        True,
        frozenset({"mijnloket", "MijnLoket  -  Persoonsgegevens inzien"}),
    )
    planned = plan_employer(catalog, "e.yaml", employer_file(), live, lambda s: False)
    assert planned.steps == ()
    assert planned.unknown_live_products == ()
    assert planned.tier_before == planned.tier_after == "start"
    assert len(planned.unchecked) == 2
    assert all("only in case or spacing" in note for note in planned.unchecked)


def test_unread_rights_are_set_from_the_file_and_flagged_unverified() -> None:
    catalog = builtin_catalog()
    users = [
        {"login": "a@x.nl", "type": "werkgevergebruiker", "rights": [RIGHT]},
        {"login": "b@x.nl", "type": "werkgevergebruiker", "rights": []},
    ]
    live = LiveEmployer(
        EMPLOYER_ID,
        "Bakkerij",
        True,
        frozenset({"MijnLoket", "MijnLoket - Persoonsgegevens inzien"}),
        {
            "a@x.nl": LiveUser("a@x.nl", "werkgevergebruiker"),
            "b@x.nl": LiveUser("b@x.nl", "werkgevergebruiker"),
            "c@x.nl": LiveUser("c@x.nl", "werkgevergebruiker"),  # not named: left alone
        },
        rights_unread=frozenset({"werkgevergebruiker"}),
    )
    planned = plan_employer(catalog, "e.yaml", employer_file(users=users), live, lambda s: True)
    got = {(s.step.action, s.step.login): s.flags for s in planned.steps}
    assert set(got) == {(Action.GRANT, "a@x.nl"), (Action.REVOKE, "b@x.nl")}
    assert all(UNVERIFIED_FLAG in flags for flags in got.values())
    assert any("could not be read" in note for note in planned.unchecked)


def test_one_employer_failing_does_not_stop_the_others(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=6) as started:
        ids = [e.employer_id for _, e in started.employers]
        started.server.forbid(ids[2])
        with open_loket(started) as loket, pytest.raises(PartialReadError) as caught:
            loket.read_employers(ids)
    assert set(caught.value.failures) == {ids[2]}
    assert "403" in caught.value.failures[ids[2]]
    assert set(caught.value.live) == set(ids) - {ids[2]}


def test_cli_plans_the_others_and_lists_the_failed_employer(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=6) as started:
        repo = prepare(started)
        ids = [e.employer_id for _, e in started.employers]
        started.server.forbid(ids[1])
        shown = cli(repo, "plan", "--format", "json")
        assert shown.returncode == 1, shown.stderr
        plan = json.loads(shown.stdout)
        assert [f["employer_id"] for f in plan["failed"]] == [ids[1]]
        assert {e["employer_id"] for e in plan["employers"]} == set(ids) - {ids[1]}
        text = cli(repo, "plan")
        assert text.returncode == 1
        assert "Could not be read, so not planned" in text.stdout
        assert ids[1] in text.stdout and "403" in text.stdout


def test_classic_world_without_the_rights_get_plans_applies_and_imports(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=8, api="classic") as started:
        repo = prepare(started)
        ids = [e.employer_id for _, e in started.employers]
        named = {
            (e.employer_id, u.login.casefold())
            for _, e in started.employers
            for u in e.users
            if u.type == "werkgevergebruiker"
        }
        assert named, "the generated employers should name werkgevergebruikers"
        shown = cli(repo, "plan")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert "[unverified]" in shown.stdout
        assert "could not be read" in shown.stdout
        applied = cli(repo, "apply", "--auto-approve")
        assert applied.returncode in (0, 4), applied.stdout + applied.stderr
        assert "cannot be verified" in applied.stdout
        patched = {(employer_id, subject) for employer_id, _, subject in api_changes(started)}
        assert patched, "the rights should have been sent by PATCH"
        journal = next((repo / ".mijnloket" / "journal").glob("*.jsonl"))
        events = [json.loads(line) for line in journal.read_text().splitlines()]
        done = [e for e in events if e["event"] == "done"]
        assert done and all(UNVERIFIED_FLAG in e["flags"] for e in done)
        with Store.open(started.db) as store:
            live = store.live(ids)
        for _, employer in started.employers:
            for user in employer.users:
                if user.type != "werkgevergebruiker":
                    continue
                held = live[employer.employer_id].user(user.login)
                assert held is not None and set(user.rights) <= held.rights
        again = cli(repo, "apply", "--auto-approve")
        assert again.returncode in (0, 4), again.stdout + again.stderr
        assert max(api_changes(started).values()) == 1, "a repeated PATCH changed something"
        imported = cli(repo, "import", "--all", "--output-dir", str(tmp_path / "imported"))
        assert imported.returncode == 0, imported.stdout + imported.stderr
        texts = [p.read_text() for p in (tmp_path / "imported").glob("*.yaml")]
        assert len(texts) >= len(ids)
        assert any("Rights of werkgevergebruikers could not be read" in t for t in texts)
