"""Issue 20's findings, reproduced through real HTTP against the emulator (the
``artefact`` world, built from the public artefacts, and the others), each fixed:

- a rights PATCH whose flag Loket ignores is a silent no-op: now both flags are sent
  (``provider.rights_flag: auto``), and a write whose read-back disagrees fails;
- right ids need nested lists: now the set details, the rights GET or a pin;
- a rights GET answering 500/501 made plan say "Live state matches";
- module ids are UUIDs in the artefacts, and a module PATCH is read back;
- paging was trusted (``currentPage`` never compared);
- a host that cannot be reached printed an exception class.

The request-cost findings are in ``tests/test_loket_requests.py``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.emulator.ids import opaque_id
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket.profile import Profile, profile_path, write_profile
from mijnloket_gitops.loket.provider import LoketProvider
from mijnloket_gitops.providers.base import Action, Step
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import SeededEmulator, start_emulator
from tests.loket_emulated import ENV, authorize, loket_config, open_loket, write_repo_config
from tests.loket_proxy import Answer, rewriting_proxy

WG: UserType = "werkgevergebruiker"


def cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mijnloket_gitops", *args, "--repo", str(repo)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **ENV},
    )


def held_right(started: SeededEmulator) -> tuple[str, str, str]:
    """(employer id, login, right) of a werkgevergebruiker holding a right."""
    for _, employer in started.employers:
        for user in employer.users:
            if user.type == WG and user.rights:
                return employer.employer_id, user.login, sorted(user.rights)[0]
    raise AssertionError("the seed has no werkgevergebruiker with a right")


def api_changes(started: SeededEmulator, since: int = 0) -> list[tuple[str, str, str]]:
    return [
        (c.employer_id, c.action, c.subject)
        for c in started.server.changes(since)
        if c.origin == "emulator-api"
    ]


def holds(started: SeededEmulator, employer_id: str, login: str, right: str) -> bool:
    with Store.open(started.db, readonly=True) as store:
        users = {u.login.casefold(): u for u in store.users(employer_id)}
        names = {r.id: r.name for r in store.rights()}
        held = store.held_right_ids(employer_id, users[login.casefold()].user_id)
    return right in {names[i] for i in held}


def root(started: SeededEmulator) -> str:
    """The emulator's root URL (its API base without ``/v2``)."""
    return started.server.base_url.removesuffix("/v2")


@pytest.mark.parametrize("flag", ["availableForEmployerUser", "isEnabled"])
def test_a_rights_write_takes_effect_whichever_flag_loket_honours(
    tmp_path: Path, flag: str
) -> None:
    """Finding: the tool PATCHed ``isEnabled`` only; a Loket honouring n8n's
    ``availableForEmployerUser`` answered 2xx and changed nothing. Also: the right's id
    was looked up in nested set lists no artefact shows (the details are used now)."""
    with start_emulator(tmp_path, employers=4, world="artefact", rights_flag=flag) as started:
        employer_id, login, right = held_right(started)
        with open_loket(started) as provider:
            provider.perform(
                Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)
            )
            assert not holds(started, employer_id, login, right)
            provider.perform(
                Step(employer_id, Action.GRANT, right=right, login=login, user_type=WG)
            )
        assert holds(started, employer_id, login, right)
        assert api_changes(started)[-2:] == [
            (employer_id, "revoke", f"{right} for {login}"),
            (employer_id, "grant", f"{right} for {login}"),
        ]


def test_a_write_the_patch_answer_shows_without_effect_fails_the_step(tmp_path: Path) -> None:
    """A PATCH answered with success whose answer shows the right unchanged is a
    failure naming the step and the setting, not a success."""
    with start_emulator(
        tmp_path, employers=4, world="artefact", rights_flag="isEnabled", patch_status=200
    ) as started:
        employer_id, login, right = held_right(started)
        step = Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)
        with (
            open_loket(started, rights_flag="availableForEmployerUser") as provider,
            pytest.raises(ProviderError) as caught,
        ):
            provider.perform(step)
        message = str(caught.value)
        assert f"revoke {right} for {login}" in message and "had no effect" in message
        assert "provider.rights_flag" in message and "loket check --write" in message
        assert holds(started, employer_id, login, right)
        with open_loket(started) as provider:  # auto: both flags, verified by the answer
            provider.perform(step)
            assert provider.verified_by(step) == "the PATCH answer"
        assert not holds(started, employer_id, login, right)


def test_the_flag_a_profile_proved_is_sent_alone(tmp_path: Path) -> None:
    """``loket check --write`` proved one flag: only that one is sent (here the wrong
    one, so the PATCH answer shows no effect and the step fails, naming it)."""
    with start_emulator(
        tmp_path,
        employers=4,
        world="artefact",
        rights_flag="availableForEmployerUser",
        patch_status=200,
    ) as started:
        employer_id, login, right = held_right(started)
        proof = Profile(
            started.server.base_url,
            "2026-12-08T04:00:00Z",
            "test",
            {},
            {"rights_flag": "isEnabled"},
        )
        write_profile(profile_path(started.repo), proof)
        step = Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)
        with open_loket(started) as provider, pytest.raises(ProviderError) as caught:
            provider.perform(step)
    assert "the item carried isEnabled;" in str(caught.value)


def test_a_write_the_rights_get_shows_without_effect_fails_the_step(tmp_path: Path) -> None:
    """Where the rights GET is offered (``current``), every write is read back by it: a
    PATCH swallowed with 204 is a failure."""
    with start_emulator(tmp_path, employers=4, world="current") as started:
        employer_id, login, right = held_right(started)
        step = Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)

        def swallow(method: str, path: str) -> Answer | None:
            patching = method == "PATCH" and path.endswith("/authorizations")
            return (204, None) if patching else None

        with rewriting_proxy(root(started), intercept=swallow) as proxy:
            config = loket_config(started.server, api_url=f"{proxy}/v2")
            authorize(started.server, started.repo)
            with LoketProvider.open(config, started.repo, env=ENV) as provider:
                provider.read_employers([employer_id])  # decides the rights GET: offered
                with pytest.raises(ProviderError, match="a read of the rights afterwards"):
                    provider.perform(step)
        with open_loket(started) as provider:
            provider.read_employers([employer_id])
            provider.perform(step)
            assert provider.verified_by(step) == "a read of the rights afterwards"


def test_without_any_read_back_a_rights_write_stays_unverified(tmp_path: Path) -> None:
    """The artefact world's rights GET answers 501 and its PATCH 204: the write is sent
    (both flags) and the plan marks it unverified; the employers are read, not failed."""
    with start_emulator(tmp_path, employers=4, world="artefact") as started:
        employer_id, login, right = held_right(started)
        step = Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)
        with open_loket(started) as provider:
            live = provider.read_employers([e.employer_id for _, e in started.employers])
            assert all(WG in e.rights_unread for e in live.values() if e.users)
            provider.perform(step)
            assert provider.verified_by(step) is None
        assert not holds(started, employer_id, login, right)


def test_a_right_no_source_knows_names_every_way_to_its_id(tmp_path: Path) -> None:
    with (
        start_emulator(tmp_path, employers=2, world="artefact") as started,
        open_loket(started) as provider,
        pytest.raises(ProviderError) as caught,
    ):
        provider._ids.right_id("Een recht dat niet bestaat")
    message = str(caught.value)
    assert "GET /providers/authorizationsets/{id}" in message
    assert "provider.capabilities.employer_user_rights_read" in message
    assert "loket_id" in message and "mijnloket-gitops.yaml" in message


def test_a_pinned_right_id_is_used_without_asking(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=4, world="artefact") as started:
        employer_id, login, right = held_right(started)
        with Store.open(started.db, readonly=True) as store:
            number = next(r.id for r in store.rights() if r.name == right)
        authorize(started.server, started.repo)
        pinned = {right: opaque_id("right", number)}
        seen = started.server.state.log.last_seq
        with LoketProvider.open(
            loket_config(started.server), started.repo, env=ENV, pinned=pinned
        ) as provider:
            provider.perform(
                Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)
            )
        paths = [r.path for r in started.server.requests(seen)]
        assert not any("authorizationsets" in p for p in paths)
        assert not holds(started, employer_id, login, right)


def test_a_rights_get_answering_501_is_not_offered_not_a_read_failure(tmp_path: Path) -> None:
    """Finding: 501 made every employer with a werkgevergebruiker "could not be read"."""
    with start_emulator(tmp_path, employers=6, world="artefact") as started:
        write_repo_config(started)
        authorize(started.server, started.repo)
        done = cli(started.repo, "plan")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Could not be read, so not planned" not in done.stdout


def test_a_rights_get_answering_500_never_says_live_state_matches(tmp_path: Path) -> None:
    """Finding: with the rights GET failing, plan printed "No changes. Live state matches
    the configuration." and exited 1, naming no way out."""
    with start_emulator(tmp_path, employers=4, world="classic") as started:
        employer_id, _, _ = held_right(started)

        def fail_rights(method: str, path: str) -> Answer | None:
            failing = method == "GET" and path.endswith("/authorizations")
            return (500, {"message": "not yet available"}) if failing else None

        with rewriting_proxy(root(started), intercept=fail_rights) as proxy:
            write_repo_config(started, api_url=f"{proxy}/v2", max_retries=0)
            authorize(started.server, started.repo)
            done = cli(started.repo, "plan", "--target", employer_id)
            markdown = cli(started.repo, "plan", "--target", employer_id, "--format", "markdown")
    assert done.returncode == 1
    for output in (done.stdout, markdown.stdout):
        assert "Live state matches" not in output and "No changes" not in output
        assert "1 employer could not be read" in output
        assert "provider.capabilities" in output and "loket check" in output


def test_module_ids_are_opaque_and_a_switch_is_read_back(tmp_path: Path) -> None:
    """Finding: the module PATCH assumed integer ids; every artefact id is a UUID. A
    PATCH answered 2xx without effect is now a failure, not "done"."""
    with start_emulator(tmp_path, employers=4, world="artefact") as started:
        employer_id = started.employers[0][1].employer_id
        with Store.open(started.db, readonly=True) as store:
            active = {m.name for m in store.modules(employer_id)}
        product = next(p for p in ("Verlofregistratie", "Workflow editor") if p not in active)
        step = Step(employer_id, Action.ACTIVATE, product=product)
        with open_loket(started, capabilities={"modules_write": "on"}) as provider:
            provider.perform(step)
        assert (employer_id, "activate", product) in api_changes(started)

        def swallow(method: str, path: str) -> Answer | None:
            return (204, None) if method == "PATCH" and path.endswith("/modules") else None

        off = Step(employer_id, Action.DEACTIVATE, product=product)
        with rewriting_proxy(root(started), intercept=swallow) as proxy:
            config = loket_config(
                started.server, api_url=f"{proxy}/v2", capabilities={"modules_write": "on"}
            )
            with (
                LoketProvider.open(config, started.repo, env=ENV) as provider,
                pytest.raises(ProviderError, match="had no effect"),
            ):
                provider.perform(off)


def test_paging_is_checked_against_the_page_asked_for(tmp_path: Path) -> None:
    """Finding: a server answering "page 2 of 3" to every page made the tool read the
    provider three times and stop on "3 providers"."""
    with start_emulator(tmp_path, employers=2, world="current") as started:

        def always_page_two(method: str, path: str, status: int, body: Any) -> Answer | None:
            if path == "/v2/providers" and isinstance(body, dict):
                return status, {**body, "currentPage": 2, "totalPages": 3}
            return None

        with rewriting_proxy(root(started), rewrite=always_page_two) as proxy:
            authorize(started.server, started.repo)
            config = loket_config(started.server, api_url=f"{proxy}/v2")
            with (
                LoketProvider.open(config, started.repo, env=ENV) as provider,
                pytest.raises(ProviderError) as caught,
            ):
                provider._ids.provider_id()
    message = str(caught.value)
    assert "asked for page 1" in message and "page 2 of 3" in message
    assert "providers" in message


def test_a_list_without_embedded_fails_closed_naming_the_url(tmp_path: Path) -> None:
    """Mockoon's list examples hold only paging fields."""
    with start_emulator(tmp_path, employers=2, world="artefact") as started:

        def paging_only(method: str, path: str, status: int, body: Any) -> Answer | None:
            if path == "/v2/providers/employers" and isinstance(body, dict):
                return status, {"currentPage": 1, "totalPages": 1}
            return None

        with rewriting_proxy(root(started), rewrite=paging_only) as proxy:
            authorize(started.server, started.repo)
            config = loket_config(started.server, api_url=f"{proxy}/v2")
            with (
                LoketProvider.open(config, started.repo, env=ENV) as provider,
                pytest.raises(ProviderError, match=r"GET providers/employers.*'_embedded'"),
            ):
                provider.list_employers()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_host_is_a_sentence_naming_the_setting(tmp_path: Path) -> None:
    """Finding: "ConnectError: [Errno 111] Connection refused", nothing else."""
    with start_emulator(tmp_path, employers=2, world="classic") as started:
        url = f"http://127.0.0.1:{_closed_port()}/v2"
        write_repo_config(started, api_url=url, max_retries=0)
        authorize(started.server, started.repo)
        done = cli(started.repo, "plan")
    assert done.returncode == 1
    assert f"Loket.nl at {url} could not be reached" in done.stderr
    assert "Check provider.api_url in mijnloket-gitops.yaml" in done.stderr
    assert "ConnectError" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_the_json_plan_of_unread_employers_carries_them(tmp_path: Path) -> None:
    """The JSON renderer never said "matches"; it lists what was not read."""
    with start_emulator(tmp_path, employers=4, world="classic") as started:
        employer_id, _, _ = held_right(started)

        def fail_rights(method: str, path: str) -> Answer | None:
            failing = method == "GET" and path.endswith("/authorizations")
            return (500, {"message": "boom"}) if failing else None

        with rewriting_proxy(root(started), intercept=fail_rights) as proxy:
            write_repo_config(started, api_url=f"{proxy}/v2", max_retries=0)
            authorize(started.server, started.repo)
            done = cli(started.repo, "plan", "--target", employer_id, "--format", "json")
    assert done.returncode == 1
    plan = json.loads(done.stdout)
    assert [f["employer_id"] for f in plan["failed"]] == [employer_id]
    assert "employer_user_rights_read" in plan["failed"][0]["message"]


@pytest.mark.parametrize(("patch_status", "verified"), [(200, True), (204, False)])
def test_apply_records_how_a_rights_write_was_read_back(
    tmp_path: Path, patch_status: int, verified: bool
) -> None:
    """With no rights GET (artefact world) the plan marks rights steps unverified; a
    PATCH answer carrying the rights verifies the write after all (journal
    ``verified_by``, no ``unverified`` flag, no "cannot be verified"); without it the
    step stays unverified everywhere."""
    with start_emulator(
        tmp_path, employers=4, world="artefact", patch_status=patch_status
    ) as started:
        employer_id, login, right = held_right(started)
        with open_loket(started) as provider:  # a person revoked it in Loket.nl
            provider.perform(
                Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)
            )
        write_repo_config(started)
        done = cli(started.repo, "apply", "--auto-approve", "--target", employer_id)
        journal = sorted((started.repo / ".mijnloket" / "journal").glob("*.jsonl"))[-1]
        events = [json.loads(line) for line in journal.read_text("utf-8").splitlines()]
        assert holds(started, employer_id, login, right)
    (grant,) = [e for e in events if e["event"] == "done" and e.get("right") == right]
    if verified:
        assert grant["verified_by"] == "the PATCH answer"
        assert "unverified" not in grant["flags"]
        assert "cannot be verified" not in done.stdout
    else:
        assert "verified_by" not in grant and "unverified" in grant["flags"]
        assert "1 rights step(s) were sent but cannot be verified" in done.stdout


@pytest.mark.parametrize("still_held", [True, False])
def test_the_users_authorization_set_reads_a_write_back_where_nothing_stronger_does(
    tmp_path: Path, still_held: bool
) -> None:
    """No rights GET (501) and a PATCH answered 204: the user's ``authorizationSet``
    (the newer listing; its shape is Assumption A18, served here through a proxy)
    verifies the write, and a set still showing a revoked right fails the step."""
    with start_emulator(tmp_path, employers=4, world="artefact") as started:
        employer_id, login, right = held_right(started)
        step = Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)

        def user_set(method: str, path: str) -> Answer | None:
            if method != "GET" or not path.endswith("/authorizationSet"):
                return None
            item = {"id": "r-1", "description": right, "availableForEmployerUser": still_held}
            content = {"id": "s-1", "description": "Eigen set", "authorizations": [item]}
            return 200, {"content": content, "version": {}}

        with rewriting_proxy(root(started), intercept=user_set) as proxy:
            authorize(started.server, started.repo)
            config = loket_config(started.server, api_url=f"{proxy}/v2")
            with LoketProvider.open(config, started.repo, env=ENV) as provider:
                provider.read_employers([employer_id])  # decides the rights GET: 501
                if still_held:
                    with pytest.raises(ProviderError, match="the user's authorization set shows"):
                        provider.perform(step)
                else:
                    provider.perform(step)
                    assert provider.verified_by(step) == "the user's authorization set"


def test_apply_of_unread_employers_says_why_and_what_to_do(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=4, world="classic") as started:
        employer_id, _, _ = held_right(started)

        def fail_rights(method: str, path: str) -> Answer | None:
            failing = method == "GET" and path.endswith("/authorizations")
            return (500, {"message": "boom"}) if failing else None

        with rewriting_proxy(root(started), intercept=fail_rights) as proxy:
            write_repo_config(started, api_url=f"{proxy}/v2", max_retries=0)
            authorize(started.server, started.repo)
            done = cli(started.repo, "apply", "--auto-approve", "--target", employer_id)
    assert done.returncode == 1
    assert "matches" not in done.stdout + done.stderr
    assert "1 employer could not be read" in done.stderr
    assert "provider.capabilities" in done.stderr and "loket check" in done.stderr


def test_a_set_whose_details_fail_names_the_other_ways_to_an_id(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=4, world="artefact") as started:
        employer_id, login, right = held_right(started)

        def no_details(method: str, path: str) -> Answer | None:
            gone = method == "GET" and "/providers/authorizationsets/" in path
            return (404, {"message": "not found"}) if gone else None

        with rewriting_proxy(root(started), intercept=no_details) as proxy:
            authorize(started.server, started.repo)
            config = loket_config(started.server, api_url=f"{proxy}/v2")
            with (
                LoketProvider.open(config, started.repo, env=ENV) as provider,
                pytest.raises(ProviderError) as caught,
            ):
                provider.perform(
                    Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)
                )
    message = str(caught.value)
    assert "404" in message and "loket_id" in message
    assert "employer_user_rights_read" in message


def test_a_loket_rejecting_the_unknown_flag_is_loud_and_says_what_to_set(tmp_path: Path) -> None:
    """``auto`` sends both flags; a Loket that rejects unknown fields answers 4xx."""
    with start_emulator(tmp_path, employers=4, world="artefact") as started:
        employer_id, login, right = held_right(started)

        def strict(method: str, path: str) -> Answer | None:
            patching = method == "PATCH" and path.endswith("/authorizations")
            return (400, {"message": "unknown field isEnabled"}) if patching else None

        with rewriting_proxy(root(started), intercept=strict) as proxy:
            authorize(started.server, started.repo)
            config = loket_config(started.server, api_url=f"{proxy}/v2")
            with (
                LoketProvider.open(config, started.repo, env=ENV) as provider,
                pytest.raises(ProviderError) as caught,
            ):
                provider.perform(
                    Step(employer_id, Action.REVOKE, right=right, login=login, user_type=WG)
                )
    message = str(caught.value)
    assert "answered 400" in message and "unknown field isEnabled" in message
    assert "provider.rights_flag" in message and "loket check --write" in message
