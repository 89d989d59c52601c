"""The ``artefact`` world of the emulator over real HTTP: the shapes of the public
artefacts (UUID ids, ``User42`` logins, ``version`` objects, OPTIONS without ``Allow``,
the authorization-set details, a rights GET answering 501, a rights PATCH honouring
one flag), as ``src/mijnloket_gitops/emulator/__init__.py`` documents them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mijnloket_gitops.emulator.ids import opaque_id
from mijnloket_gitops.emulator.state import API_ORIGIN, RIGHTS_FLAGS, EmulatorConfig
from mijnloket_gitops.sandbox.store import Store, UserRecord
from tests.emulator_fixtures import (
    CLIENT_ID,
    CLIENT_SECRET,
    SeededEmulator,
    api_headers,
    emulator_process,
    seed_repo,
    start_emulator,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RIGHT = "Raadplegen MijnLoket e-mailadres"


@contextmanager
def artefact(tmp_path: Path, **config: Any) -> Iterator[tuple[SeededEmulator, httpx.Client]]:
    with start_emulator(tmp_path, employers=6, world="artefact", **config) as emu:
        token = emu.server.issue_tokens().access_token
        headers = api_headers(token)
        with httpx.Client(base_url=emu.server.base_url, headers=headers, timeout=10) as client:
            yield emu, client


def worker(store: Store) -> tuple[str, UserRecord]:
    """An employer and one of its werkgevergebruikers."""
    for employer in store.employers():
        users = store.users(employer.employer_id, "werkgevergebruiker")
        if users:
            return employer.employer_id, users[0]
    raise AssertionError("the generated employers should have a werkgevergebruiker")


def held(store: Store, employer_id: str, user: UserRecord) -> set[str]:
    names = {r.id: r.name for r in store.rights()}
    return {names[n] for n in store.held_right_ids(employer_id, user.user_id)}


def test_ids_of_rights_and_modules_are_uuids_and_logins_are_user_names(tmp_path: Path) -> None:
    with artefact(tmp_path) as (emu, client):
        store = emu.server.state.store
        provider_id = client.get("/providers").json()["_embedded"][0]["id"]
        modules = client.get(f"/providers/{provider_id}/modules").json()["_embedded"]
        assert modules and all(UUID.match(m["id"]) for m in modules)
        assert {m["name"] for m in modules} == {m.name for m in store.modules()}
        employer_id = next(e.employer_id for e in store.employers() if store.modules(e.employer_id))
        enabled = client.get(f"/providers/employers/{employer_id}/modules").json()["_embedded"]
        assert enabled and all(UUID.match(m["id"]) for m in enabled)
        bulk = httpx.get(
            f"{emu.server.urls.root}/provider/providers/{provider_id}/employers/modules",
            headers=client.headers,
        ).json()["_embedded"]
        assert all(UUID.match(m["id"]) for item in bulk for m in item["modules"])
        users = client.get(f"/providers/{provider_id}/employers/users").json()["_embedded"]
        in_files = {u.login for _, e in emu.employers for u in e.users}
        assert in_files and all(re.fullmatch(r"User\d+", login) for login in in_files)
        served = {u["userName"] for u in users}
        assert served & in_files
        rights = client.get(f"/providers/users/{_ak(store).user_id}/authorizations").json()
        assert all(UUID.match(r["id"]) for r in rights["_embedded"])


def _ak(store: Store) -> UserRecord:
    return store.users_of_type("ak-gebruiker")[0]


def test_single_resources_carry_a_version_object(tmp_path: Path) -> None:
    with artefact(tmp_path) as (emu, client):
        employer_id = emu.server.state.store.employers()[0].employer_id
        body = client.get(f"/providers/employers/{employer_id}").json()
        assert set(body) == {"content", "version"}
        assert body["content"]["id"] == employer_id
        version = body["version"]
        assert set(version) == {"obsoleteDate", "resourceVersion"}
        assert all(isinstance(v, str) for v in version.values())


def test_options_answers_cors_without_allow_and_without_a_token(tmp_path: Path) -> None:
    with artefact(tmp_path) as (emu, _):
        employer_id = emu.server.state.store.employers()[0].employer_id
        for path in (
            f"/providers/employers/{employer_id}/modules",
            f"/providers/employers/{employer_id}/users/x/authorizations",
            "/no/such/resource",
        ):
            answer = httpx.options(emu.server.base_url + path)  # no token: a CORS preflight
            assert answer.status_code == 200, path
            assert "Allow" not in answer.headers
            assert answer.headers["Access-Control-Allow-Origin"] == "*"
            assert "PATCH" in answer.headers["Access-Control-Allow-Methods"]


def test_the_set_list_has_no_rights_and_the_details_operation_has_them(tmp_path: Path) -> None:
    with artefact(tmp_path) as (emu, client):
        store = emu.server.state.store
        provider_id = client.get("/providers").json()["_embedded"][0]["id"]
        sets = client.get(f"/providers/{provider_id}/authorizationsets").json()["_embedded"]
        assert sets and all(set(s) == {"id", "description"} for s in sets)
        found: dict[str, str] = {}
        for listed in sets:
            details = client.get(f"/providers/authorizationsets/{listed['id'].upper()}").json()
            assert set(details) == {"content", "version"}
            assert details["content"]["id"] == listed["id"]
            found |= {r["description"]: r["id"] for r in details["content"]["authorizations"]}
        right = next(r for r in store.rights() if r.name == RIGHT)
        assert found[RIGHT] == opaque_id("right", right.id)
        missing = client.get(f"/providers/authorizationsets/{opaque_id('set', 1)}")
        assert missing.status_code == 404


def test_the_rights_get_answers_501(tmp_path: Path) -> None:
    with artefact(tmp_path) as (emu, client):
        employer_id, user = worker(emu.server.state.store)
        answer = client.get(
            f"/providers/employers/{employer_id}/users/{user.user_id}/authorizations"
        )
        assert answer.status_code == 501
        assert "not yet available" in answer.json()["message"]


@pytest.mark.parametrize("flag", RIGHTS_FLAGS)
def test_the_rights_patch_honours_only_its_flag(tmp_path: Path, flag: str) -> None:
    other = next(f for f in RIGHTS_FLAGS if f != flag)
    with artefact(tmp_path, rights_flag=flag) as (emu, client):
        store = emu.server.state.store
        employer_id, user = worker(store)
        right = next(r for r in store.rights() if r.name == RIGHT)
        path = f"/providers/employers/{employer_id}/users/{user.user_id}/authorizations"
        start = RIGHT in held(store, employer_id, user)
        item = {"id": opaque_id("right", right.id), "description": RIGHT}
        seen = len(emu.server.changes())

        ignored = client.patch(path, json={"authorizations": [{**item, other: not start}]})
        assert ignored.status_code == 204, "a merging PATCH answers 2xx for a flag it ignores"
        assert (RIGHT in held(store, employer_id, user)) is start
        assert emu.server.changes(seen) == []
        no_flag = client.patch(path, json={"authorizations": [item]})
        assert no_flag.status_code == 204 and (RIGHT in held(store, employer_id, user)) is start

        taken = client.patch(path, json={"authorizations": [{**item, flag: not start}]})
        assert taken.status_code == 204
        assert (RIGHT in held(store, employer_id, user)) is (not start)
        both = {**item, flag: start, other: not start}
        assert client.patch(path, json={"authorizations": [both]}).status_code == 204
        assert (RIGHT in held(store, employer_id, user)) is start
        assert [c.origin for c in emu.server.changes(seen)] == [API_ORIGIN, API_ORIGIN]

        by_number = client.patch(path, json={"authorizations": [{"id": right.id, flag: True}]})
        assert by_number.status_code == 400 and "unknown authorization id" in by_number.text
        wrong_type = client.patch(path, json={"authorizations": [{**item, flag: "yes"}]})
        assert wrong_type.status_code == 400


@pytest.mark.parametrize("flag", RIGHTS_FLAGS)
def test_a_200_patch_answer_lists_the_rights_with_the_honoured_flag(
    tmp_path: Path, flag: str
) -> None:
    with artefact(tmp_path, rights_flag=flag, patch_status=200) as (emu, client):
        store = emu.server.state.store
        employer_id, user = worker(store)
        right = next(r for r in store.rights() if r.name == RIGHT)
        path = f"/providers/employers/{employer_id}/users/{user.user_id}/authorizations"
        item = {"id": opaque_id("right", right.id), "description": RIGHT, flag: True}
        answer = client.patch(path, json={"authorizations": [item]})
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"content", "version"}
        listed = {r["id"]: r for r in body["content"]["authorizations"]}
        assert listed[item["id"]] == item
        assert all(set(r) == {"id", "description", flag} for r in listed.values())


def test_module_switching_takes_uuids_not_numbers(tmp_path: Path) -> None:
    with artefact(tmp_path) as (emu, client):
        store = emu.server.state.store
        employer = next(e for e in store.employers() if store.modules(e.employer_id))
        module = next(m for m in store.modules(employer.employer_id) if m.gate is None)
        path = f"/providers/employers/{employer.employer_id}/modules"
        by_number = client.patch(path, json={"modules": [{"id": module.id, "isEnabled": False}]})
        assert by_number.status_code == 400
        assert module in store.modules(employer.employer_id)
        body = {"modules": [{"id": opaque_id("module", module.id).upper(), "isEnabled": False}]}
        assert client.patch(path, json=body).status_code == 204
        assert module not in store.modules(employer.employer_id)


def test_the_other_worlds_keep_numbers_and_nested_sets(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=3, world="current") as emu:
        token = emu.server.issue_tokens().access_token
        with httpx.Client(
            base_url=emu.server.base_url, headers=api_headers(token), timeout=10
        ) as client:
            provider_id = client.get("/providers").json()["_embedded"][0]["id"]
            sets = client.get(f"/providers/{provider_id}/authorizationsets").json()["_embedded"]
            nested = [r for s in sets for r in s["authorizations"]]
            assert nested and all(isinstance(r["id"], int) for r in nested)
            details = client.get(f"/providers/authorizationsets/{sets[0]['id']}").json()
            assert details == {"content": sets[0]}
            users = client.get(f"/providers/{provider_id}/employers/users").json()["_embedded"]
            assert all("@" in u["userName"] for u in users)


def test_config_refuses_an_unknown_world_or_flag() -> None:
    with pytest.raises(ValueError, match="world must be one of classic, current, artefact"):
        EmulatorConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, world="future")
    with pytest.raises(ValueError, match="rights_flag"):
        EmulatorConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, rights_flag="on")
    default = EmulatorConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert default.rights_flag == "availableForEmployerUser" and not default.artefact


def test_emulator_serve_takes_the_artefact_world_and_its_flag(tmp_path: Path) -> None:
    _, db, _ = seed_repo(tmp_path, employers=2, usernames=True)
    with emulator_process(db, "--world", "artefact", "--rights-flag", "isEnabled") as served:
        assert any(line.split() == ["world", "artefact"] for line in served.banner)
        assert any("honours only isEnabled" in line for line in served.banner)
        answer = httpx.options(f"{served.base_url}/providers")
        assert answer.status_code == 200 and "Allow" not in answer.headers
