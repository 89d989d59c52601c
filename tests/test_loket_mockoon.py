"""Contract tests against a server nobody here wrote: the real Mockoon CLI.

The provider's API URL points at Mockoon (``tests/mockoon.py``); tokens come from the
emulator's OAuth server (Mockoon serves no OAuth), which also seeds the repository.

- Always: Mockoon serves a small environment this module writes, holding only the
  SHAPES the public artefacts document (``../shared/loket-api.md``): a list with only
  paging fields, a list that always answers "page 2 of 3", single resources with a
  ``version`` object, ``OPTIONS`` answered with CORS headers and no ``Allow``
  (Mockoon's own), no rights GET, a set list without rights plus the set's details,
  a rights PATCH answering 204. Where the shapes hold, plan works (a targeted plan
  reads the single resource), and a rights write finds the right's UUID in the set
  details and sends both flags (Mockoon logs the request bodies).
- With the published environment (``mock-apis/data/loketnl.json`` of
  mockoon/mock-samples; see :func:`tests.mockoon.published_environment`, skipped
  without it): as published the tool fails closed with a clear message; with the
  data the tool reads filled into the file's own routes, plan works.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_fixtures import SeededEmulator, start_emulator
from tests.loket_emulated import authorize, write_repo_config
from tests.mockoon import (
    ASKED_PAGE,
    Mockoon,
    environment,
    param_is,
    published_environment,
    response,
    route,
    running_mockoon,
)
from tests.test_loket_e2e import cli

PROVIDER_ID = "6f1c2e4a-3b5d-4e7f-8a9b-0c1d2e3f4a5b"
SET_ID = "0e5b7c1d-9a2f-4c3e-8d6b-1f2a3b4c5d6e"
RIGHT = "Raadplegen MijnLoket e-mailadres"
RIGHT_ID = "b14acd0d-75d7-4fc8-8b22-4a3924585cab"
"""A right's id: a UUID, as in the n8n node's example body."""
FLAGS = ("availableForEmployerUser", "isEnabled")
VERSION = {"obsoleteDate": "2019-06-30", "resourceVersion": "2018-12-31"}
PAGING_ONLY = {"currentPage": 2, "pageSize": 250, "totalPages": 3, "totalSize": 650}
"""The published environment's body of every list: paging fields, no items."""

Routes = dict[tuple[str, str], list[dict[str, Any]]]
RoutesFor = Callable[[SeededEmulator], Routes]


def listing(items: list[Any]) -> str:
    """A one-page list whose ``currentPage`` is the page asked for (Mockoon template)."""
    body = {"_embedded": items, "currentPage": 0, "totalPages": 1, "pageSize": 250,
            "totalSize": len(items)}  # fmt: skip
    return json.dumps(body).replace('"currentPage": 0', f'"currentPage": {ASKED_PAGE}')


def user_id(login: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, login))


def live_routes(started: SeededEmulator, missing: tuple[str, str] | None = None) -> Routes:
    """The routes the provider reads, answering the employer files' own state (so a plan
    has nothing to do) except ``missing`` = (employer id, product) not active live."""
    employers: list[dict[str, Any]] = []
    modules: list[dict[str, Any]] = []
    users: list[dict[str, Any]] = []
    singles: list[dict[str, Any]] = []
    for _, employer in started.employers:
        eid = employer.employer_id
        item = {"id": eid, "employerNumber": len(employers) + 1, "companyName": employer.name,
                "chamberOfCommerceNumber": None}  # fmt: skip
        employers.append(item)
        singles.append(
            response({"content": item, "version": VERSION}, rules=[param_is("employerId", eid)])
        )
        active = [p for p in employer.products if (eid, p) != missing]
        module_items = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, p)), "name": p} for p in active]
        modules.append(
            response(listing(module_items), rules=[param_is("employerId", eid)], template=True)
        )
        werkgever = [{"id": user_id(u.login), "userName": u.login} for u in employer.users
                     if u.type == "werkgevergebruiker"]  # fmt: skip
        users.append(
            response(listing(werkgever), rules=[param_is("employerId", eid)], template=True)
        )
    unknown = response({"message": "employer not found"}, 404)
    return {
        ("get", "providers"): [
            response(listing([{"id": PROVIDER_ID, "name": "Administratiekantoor"}]), template=True)
        ],
        ("get", "providers/employers"): [response(listing(employers), template=True)],
        ("get", "providers/employers/:employerId"): [*singles, unknown],
        ("get", "providers/employers/:employerId/modules"): [*modules, unknown],
        ("get", "providers/employers/:employerId/users"): [*users, unknown],
    }


def rights_routes(started: SeededEmulator) -> Routes:
    """The files' state, plus what a rights write needs as the artefacts show it: a set
    list without rights, the set's details with them, a PATCH answering 204; no GET of
    a user's rights (Mockoon answers 404)."""
    found = live_routes(started)
    found[("get", "providers/:providerId/authorizationsets")] = [
        response(listing([{"id": SET_ID, "description": "Werkgevergebruiker"}]), template=True)
    ]
    details = {"id": SET_ID, "description": "Werkgevergebruiker",
               "authorizations": [{"id": RIGHT_ID, "description": RIGHT}]}  # fmt: skip
    this_set = [param_is("authorizationSetId", SET_ID)]
    found[("get", "providers/authorizationsets/:authorizationSetId")] = [
        response({"content": details, "version": VERSION}, rules=this_set),
        response({"message": "not found"}, 404),
    ]
    found[("patch", "providers/employers/:employerId/users/:userId/authorizations")] = [
        response("", 204)
    ]
    return found


def write_environment(path: Path, routes: Routes) -> Path:
    path.write_text(
        json.dumps(environment([route(m, e, *answers) for (m, e), answers in routes.items()])),
        encoding="utf-8",
    )
    return path


@contextmanager
def tool_on(
    tmp_path: Path, environment_file: Path | None, routes_for: RoutesFor = live_routes
) -> Iterator[tuple[SeededEmulator, Mockoon]]:
    """A seeded repository whose provider reads from Mockoon serving ``environment_file``
    (when None, one written from the routes ``routes_for`` gives for the repository;
    else that file with those routes put in)."""
    with start_emulator(tmp_path, employers=3) as started:
        target = tmp_path / "environment.json"
        routes = routes_for(started)
        if environment_file is None:
            write_environment(target, routes)
        else:
            fill(environment_file, target, routes)
        with running_mockoon(target) as mockoon:
            write_repo_config(started, api_url=mockoon.base_url)
            authorize(started.server, started.repo)
            yield started, mockoon


def fill(published: Path, target: Path, routes: Routes) -> None:
    """``published`` copied to ``target``, the answers of ``routes`` put into its own
    routes of the same method and path (every route the data needs is in the file)."""
    shutil.copyfile(published, target)
    document = json.loads(target.read_text(encoding="utf-8"))
    by_key = {(r["method"], r["endpoint"]): r for r in document["routes"]}
    for key, answers in routes.items():
        assert key in by_key, f"the published environment has no route {key}"
        found = by_key[key]
        found["responses"] = [
            {**response(None), **a, "default": i == len(answers) - 1} for i, a in enumerate(answers)
        ]
    target.write_text(json.dumps(document), encoding="utf-8")


def assert_fails_closed(done: Any) -> str:
    output: str = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert "Live state matches" not in output and "No changes" not in output
    return output


def a_missing_product(started: SeededEmulator) -> tuple[str, str]:
    return next(
        (e.employer_id, p) for _, e in started.employers for p in e.products if p != "MijnLoket"
    )


def drifted(started: SeededEmulator) -> Routes:
    """The files' state, except one product switched off live."""
    return live_routes(started, a_missing_product(started))


def plan_shows_the_drift(started: SeededEmulator, mockoon: Mockoon) -> None:
    shown = cli(started.repo, "plan", "--detailed-exitcode")
    output = shown.stdout + shown.stderr
    assert shown.returncode == 2, output
    assert a_missing_product(started)[1] in output and "Traceback" not in output
    assert {m for m, _, _ in mockoon.requests()} <= {"GET", "OPTIONS"}, "a plan never writes"


# --- always: Mockoon serving the documented shapes ---------------------------------------


def test_a_list_with_only_paging_fields_fails_closed(tmp_path: Path) -> None:
    def routes(_: SeededEmulator) -> Routes:
        return {("get", "providers"): [response(PAGING_ONLY)]}

    with tool_on(tmp_path, None, routes) as (started, mockoon):
        output = assert_fails_closed(cli(started.repo, "plan"))
        assert "GET providers" in output, "the message names the request"
        assert "_embedded" in output, "the message says what the answer lacked"
        assert [r for r in mockoon.requests() if r[1] == "/v2/providers"]


def test_a_server_that_always_answers_page_2_of_3_fails_closed(tmp_path: Path) -> None:
    def routes(started: SeededEmulator) -> Routes:
        found = live_routes(started)
        key = ("get", "providers/employers")
        listed = json.loads(found[key][0]["body"].replace(ASKED_PAGE, "0"))
        found[key] = [response({**listed, "currentPage": 2, "totalPages": 3})]
        return found

    with tool_on(tmp_path, None, routes) as (started, mockoon):
        output = assert_fails_closed(cli(started.repo, "plan"))
        assert "providers/employers" in output and "page" in output
        reads = [r for r in mockoon.requests() if r[1] == "/v2/providers/employers"]
        assert len(reads) == 1, "the first answer of another page than asked ends the read"


def test_where_the_shapes_hold_plan_reads_live_state(tmp_path: Path) -> None:
    with tool_on(tmp_path, None, drifted) as (started, mockoon):
        plan_shows_the_drift(started, mockoon)


def test_a_targeted_plan_reads_single_resources_with_a_version_object(tmp_path: Path) -> None:
    with tool_on(tmp_path, None, drifted) as (started, mockoon):
        employer_id, product = a_missing_product(started)
        shown = cli(started.repo, "plan", "--target", employer_id, "--detailed-exitcode")
        assert shown.returncode == 2, shown.stdout + shown.stderr
        assert product in shown.stdout
        read = {path for method, path, _ in mockoon.requests() if method == "GET"}
        assert f"/v2/providers/employers/{employer_id}" in read, "the single resource was read"
        assert not [p for p in read if p.startswith("/v2/providers/employers/") and
                    employer_id not in p], "only the targeted employer"  # fmt: skip


def test_rights_are_written_with_the_id_from_the_set_details(tmp_path: Path) -> None:
    with tool_on(tmp_path, None, rights_routes) as (started, mockoon):
        applied = cli(started.repo, "apply", "--auto-approve", "--force")
        output = applied.stdout + applied.stderr
        assert applied.returncode == 0, output
        assert "unverified" in output, "no read shows the effect: said so"
        reads = [p for m, p, _ in mockoon.requests() if m == "GET"]
        assert f"/v2/providers/authorizationsets/{SET_ID}" in reads
        patches = [json.loads(body) for _, body in mockoon.bodies("PATCH")]
        assert patches, "the rights in the files were sent"
        items = [item for body in patches for item in body["authorizations"]]
        for item in items:
            assert item["id"] == RIGHT_ID and item["description"] == RIGHT, item
            # no profile proved which flag takes effect: both, with the same value
            assert {item[flag] for flag in FLAGS} in ({True}, {False}), item


def test_options_without_allow_means_unknown_not_absent(tmp_path: Path) -> None:
    with tool_on(tmp_path, None) as (started, mockoon):
        done = cli(started.repo, "loket", "probe", "--format", "json")
        assert done.returncode == 0, done.stdout + done.stderr
        found = {c["capability"]: c for c in json.loads(done.stdout)["capabilities"]}
        asked = [r for r in mockoon.requests() if r[0] == "OPTIONS"]
        assert all(status == 200 for _, _, status in asked)
        how = found["modules_write"]["how"]
        assert "unknown" in how and "not shown" not in how, found["modules_write"]
        assert found["modules_bulk_read"]["available"] is False  # GET answered 404: absent


# --- with the published environment (not committed; see tests/mockoon.py) ---------------


def test_the_published_environment_fails_closed(tmp_path: Path) -> None:
    published = published_environment()
    with tool_on(tmp_path, published, lambda _: {}) as (started, mockoon):
        output = assert_fails_closed(cli(started.repo, "plan"))
        assert "GET providers" in output and "_embedded" in output
        providers = [r for r in mockoon.requests() if r[1] == "/v2/providers"]
        assert len(providers) == 1, "a list without items is not read page after page"


def test_the_published_environment_with_the_data_works(tmp_path: Path) -> None:
    published = published_environment()
    with tool_on(tmp_path, published, drifted) as (started, mockoon):
        plan_shows_the_drift(started, mockoon)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mockoon and the emulator listen on 127.0.0.1; no proxy may take the requests."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
