"""``mijnloket-gitops loket check`` against the emulator over real HTTP, in every world.

Read-only by default (only GET and OPTIONS reach Loket, nothing changes); ``--write``
round trips on a scratch employer report which rights flag took effect, are journaled
like apply and always restore the starting state, also after a fault in the middle
and after Ctrl-C; ``--capture`` holds no value of Loket's data; the profile holds only
what was proven.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from mijnloket_gitops.apply.history import open_steps, read_events
from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.emulator.faults import FaultConfig
from mijnloket_gitops.emulator.ids import opaque_id
from mijnloket_gitops.errors import RefusedError
from mijnloket_gitops.loket.budget import RequestBudget
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.loket.check.findings import CheckReport, RoundTrip, Verdict, render_text
from mijnloket_gitops.loket.check.guard import production_host
from mijnloket_gitops.loket.check.reader import Reader, envelope_fault
from mijnloket_gitops.loket.check.reads import ReadCheck
from mijnloket_gitops.loket.check.run import CheckOptions, profile_of, refuse_production, run_check
from mijnloket_gitops.loket.check.shapes import Capture, load_capture, shape_of
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.loket.profile import Profile, load_profile, profile_path
from mijnloket_gitops.loket.retry import RetryPolicy
from mijnloket_gitops.loket.session import ApiSession, Hooks
from tests.emulator_fixtures import SeededEmulator, start_emulator
from tests.loket_emulated import ENV, TOKEN_STORE, authorize, loket_config, write_repo_config

C, R, N = Verdict.CONFIRMED, Verdict.REFUTED, Verdict.NOT_TESTABLE
JOURNAL = Path(".mijnloket/journal")
RIGHTS_PATCH = "/authorizations"


def prepare(started: SeededEmulator) -> Path:
    write_repo_config(started)
    authorize(started.server, started.repo)
    return started.repo


def check(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(repo), "loket", "check", *args], env=ENV)


def checked_json(repo: Path, *args: str, code: int = 0) -> dict[str, Any]:
    done = check(repo, "--format", "json", *args)
    assert done.exit_code == code, done.output
    document: dict[str, Any] = json.loads(done.output)
    return document


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    return {f["assumption"]: f["verdict"] for f in document["findings"]}


def snapshot(started: SeededEmulator) -> dict[str, Any]:
    """Everything the emulator's Loket.nl holds: employers, products, users, rights."""
    store = started.server.state.store
    live = store.live([e.employer_id for e in store.employers()])
    return {employer_id: employer.data for employer_id, employer in live.items()}


def scratch(started: SeededEmulator) -> str:
    """An employer with a werkgevergebruiker."""
    store = started.server.state.store
    return next(
        e.employer_id for e in store.employers() if store.users(e.employer_id, "werkgevergebruiker")
    )


EXPECTED = {
    "classic": {"A2": C, "A4": N, "A5": C, "A9": N, "A10": N, "A12": N, "D1": N},
    "current": {"A2": C, "A4": C, "A5": C, "A9": C, "A10": C, "A11": C, "A12": C, "D1": C},
    "artefact": {"A2": C, "A4": N, "A5": C, "A14": C, "A9": C, "A10": C, "D1": N, "A17": C},
}
PROVEN = {
    "classic": {
        "modules_read": True,
        "employer_user_rights_read": False,
        "modules_bulk_read": False,
    },
    "current": {
        "modules_read": True,
        "employer_user_rights_read": True,
        "provider_users_read": True,
    },
    "artefact": {"employer_user_rights_read": False, "modules_bulk_read": True},
}
RIGHT_IDS = {"classic": "nested", "current": "rights_get", "artefact": "details"}


@pytest.mark.parametrize("world", ["classic", "current", "artefact"])
def test_the_read_only_check_reports_every_assumption_and_changes_nothing(
    tmp_path: Path, world: str
) -> None:
    with start_emulator(tmp_path, world=world) as started:
        repo = prepare(started)
        before = snapshot(started)
        document = checked_json(repo)
        seen = verdicts(document)
        for key in ("A1", "E1", "P1", "E2", "A3"):
            assert seen[key] == C, (key, document["findings"])
        for key, verdict in EXPECTED[world].items():
            assert seen[key] == verdict, (key, document["findings"])
        assert seen["A8"] == N and seen["A15"] == N, "writes need --write"
        assert seen["A18"] == N, "no world serves a user's authorizationSet"
        assert R not in seen.values(), document["findings"]
        assert snapshot(started) == before
        methods = {r.method for r in started.server.requests() if r.path.startswith("/v2")}
        assert methods <= {"GET", "OPTIONS"}, methods
        profile = load_profile(profile_path(repo), started.server.base_url)
        assert profile is not None
        for name, value in PROVEN[world].items():
            assert profile.capabilities[name] is value, (name, profile.capabilities)
        assert "modules_write" not in profile.capabilities, "never proven by reading"
        assert "rights_flag" not in profile.shapes
        assert profile.shapes["right_ids"] == RIGHT_IDS[world]


@pytest.mark.parametrize(
    ("world", "flag", "other"),
    [
        ("artefact", "availableForEmployerUser", "no effect"),
        ("artefact", "isEnabled", "no effect"),
        ("current", "isEnabled", "refused 400"),
    ],
)
def test_write_reports_the_rights_flag_that_took_effect_and_restores_everything(
    tmp_path: Path, world: str, flag: str, other: str
) -> None:
    extra: dict[str, Any] = (
        {"rights_flag": flag, "patch_status": 200} if world == "artefact" else {}
    )
    with start_emulator(tmp_path, world=world, **extra) as started:
        repo = prepare(started)
        before = snapshot(started)
        document = checked_json(repo, "--write", "--employer", scratch(started))
        trips = {t["name"]: t for t in document["round_trips"]}
        assert trips[f"rights flag {flag}"]["outcome"] == "took effect"
        (other_flag,) = {"availableForEmployerUser", "isEnabled"} - {flag}
        assert trips[f"rights flag {other_flag}"]["outcome"] == other
        assert trips["module switch"]["outcome"] == "took effect"
        assert all(t["restored"] for t in trips.values())
        seen = verdicts(document)
        assert seen["A15"] == C and seen["A8"] == C
        assert snapshot(started) == before
        changes = [c for c in started.server.changes() if c.origin == "emulator-api"]
        assert len(changes) == 4, "one right and one module, each there and back"
        profile = load_profile(profile_path(repo), started.server.base_url)
        assert profile is not None
        assert profile.shapes["rights_flag"] == flag
        assert profile.capabilities["employer_user_rights_write"] is True
        assert profile.capabilities["modules_write"] is True
        journal = next((repo / JOURNAL).glob("*.jsonl"))
        events = [e["event"] for e in read_events(journal)]
        assert events[0] == "attempt" and events[-1] == "finished"
        assert events.count("started") == sum(
            events.count(e) for e in ("done", "skipped", "failed")
        )
        assert open_steps(repo / JOURNAL, started.server.base_url) == []
        text = check(repo, "--write", "--employer", scratch(started)).output
        assert (
            "set in mijnloket-gitops.yaml: provider.capabilities.modules_write: on; "
            f"provider.capabilities.employer_user_rights_write: on; provider.rights_flag: {flag}"
        ) in text


def test_write_without_any_read_of_rights_writes_no_right(tmp_path: Path) -> None:
    """artefact world, PATCH answered 204 and the rights GET 501: nothing can show a
    right's state, so no right is written and no flag is claimed."""
    with start_emulator(tmp_path, world="artefact") as started:
        repo = prepare(started)
        document = checked_json(repo, "--write", "--employer", scratch(started))
        finding = next(f for f in document["findings"] if f["assumption"] == "A15")
        assert finding["verdict"] == N and "nothing was written" in finding["seen"]
        rights = [c for c in started.server.changes() if c.origin == "emulator-api"]
        assert all(c.action in ("activate", "deactivate") for c in rights), rights
        profile = load_profile(profile_path(repo), started.server.base_url)
        assert profile is not None
        assert "rights_flag" not in profile.shapes
        assert "employer_user_rights_write" not in profile.capabilities
        assert profile.capabilities["modules_write"] is True


def test_a_rights_patch_not_for_this_caller_is_proven_absent(tmp_path: Path) -> None:
    off = frozenset({Capability.EMPLOYER_USER_RIGHTS_WRITE})
    with start_emulator(tmp_path, world="current", disabled=off) as started:
        repo = prepare(started)
        document = checked_json(repo, "--write", "--employer", scratch(started))
        finding = next(f for f in document["findings"] if f["assumption"] == "A15")
        assert finding["verdict"] == str(N) and "not for this caller" in finding["seen"]
        trips = {t["name"]: t["outcome"] for t in document["round_trips"]}
        assert trips["rights flag availableForEmployerUser"] == "refused 405"
        assert "rights flag isEnabled" not in trips, "no second flag once the write is refused"
        profile = load_profile(profile_path(repo), started.server.base_url)
        assert profile is not None and profile.proves("employer_user_rights_write") is False
        rights = [c for c in started.server.changes() if c.origin == "emulator-api"]
        assert all(c.action in ("activate", "deactivate") for c in rights), rights


def test_write_is_refused_against_production_unless_said_explicitly(tmp_path: Path) -> None:
    (tmp_path / "mijnloket-gitops.yaml").write_text(
        "version: 1\nprovider:\n  type: loket\n  environment: production\n", "utf-8"
    )
    done = check(tmp_path, "--write", "--employer", "e-1")
    assert done.exit_code == 3, done.output
    assert "refusing `loket check --write` against production" in done.output
    assert "--i-know-this-is-production" in done.output
    assert production_host("https://api.loket.nl/v2")
    assert not production_host("https://api.loket-acc.nl/v2")
    assert not production_host("http://127.0.0.1:8080/v2")
    with pytest.raises(RefusedError):
        refuse_production("https://api.loket.nl/v2", CheckOptions(write=True, employer_id="e"))
    refuse_production("https://api.loket.nl/v2", CheckOptions(write=False))
    refuse_production(
        "https://api.loket.nl/v2", CheckOptions(write=True, employer_id="e", production_ok=True)
    )


def test_write_needs_an_employer(tmp_path: Path) -> None:
    done = check(tmp_path, "--write")
    assert done.exit_code == 64 and "--employer" in done.output


def test_write_on_an_employer_loket_does_not_know_writes_nothing(tmp_path: Path) -> None:
    with start_emulator(tmp_path, world="current") as started:
        repo = prepare(started)
        done = check(repo, "--write", "--employer", "00000000-0000-4000-8000-000000000000")
        assert done.exit_code == 1, done.output
        assert "the scratch employer 00000000-0000-4000-8000-000000000000 cannot be read" in (
            done.output
        )
        assert "Traceback" not in done.output
        assert not any(r.method == "PATCH" for r in started.server.requests())


class FailOnce(httpx.BaseTransport):
    """The real transport, but the ``nth`` PATCH to a path containing ``part`` with a
    non-empty body is answered 400 without reaching the emulator."""

    def __init__(self, part: str, nth: int) -> None:
        self._real = httpx.HTTPTransport()
        self._part = part
        self._left = nth
        self.failed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH" and self._part in request.url.path:
            body = json.loads(request.read())
            if body == {"authorizations": []}:  # a read of the rights, not a write
                return self._real.handle_request(request)
            self._left -= 1
            if self._left == 0:
                self.failed = True
                return httpx.Response(400, json={"message": "injected"}, request=request)
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


@pytest.mark.parametrize(
    ("world", "part", "nth"),
    [
        # current: availableForEmployerUser is refused (400), isEnabled there, then back
        ("current", RIGHTS_PATCH, 3),
        ("current", "/modules", 2),
        ("artefact", RIGHTS_PATCH, 2),
    ],
)
def test_a_fault_in_the_middle_of_a_round_trip_still_restores_the_start(
    tmp_path: Path, world: str, part: str, nth: int
) -> None:
    """The write back to the start fails (400): the cleanup restores the start anyway."""
    extra: dict[str, Any] = {"patch_status": 200} if world == "artefact" else {}
    with start_emulator(tmp_path, world=world, **extra) as started:
        authorize(started.server, started.repo)
        before = snapshot(started)
        transport = FailOnce(part, nth)
        config = loket_config(started.server)
        hooks = Hooks(transport=transport)
        employer = scratch(started)
        with ApiSession(config, started.repo, env=ENV, hooks=hooks) as session:
            report, _ = run_check(
                session.api,
                CheckOptions(write=True, employer_id=employer),
                journal_dir=started.repo / JOURNAL,
            )
        assert transport.failed
        assert snapshot(started) == before
        assert not report.ok
        assert any("did not read back as it was at the start" in p for p in report.problems)
        assert not any("NOT RESTORED" in p for p in report.problems)
        failed = [t for t in report.round_trips if t.outcome == "failed"]
        assert len(failed) == 1 and failed[0].restored and "answered 400" in failed[0].detail
        journal = next((started.repo / JOURNAL).glob("*.jsonl"))
        events = list(read_events(journal))
        assert any(e.get("check") == "restore the starting state" for e in events)
        assert events[-1]["event"] == "finished" and events[-1]["result"] == "error"
        assert open_steps(started.repo / JOURNAL, started.server.base_url) == []


class SwallowRights(httpx.BaseTransport):
    """A Loket whose rights PATCH answers 204 and changes nothing, whatever the flag: the
    silent no-op of a merging PATCH whose flag Loket ignores."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH" and request.url.path.endswith(RIGHTS_PATCH):
            return httpx.Response(204, request=request)
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def test_a_rights_patch_that_changes_nothing_is_refuted_not_proven(tmp_path: Path) -> None:
    """The issue's first finding: a 2xx that changed nothing. The check reads it back,
    reports "no effect" for both flags, refutes A15 and proves no rights write."""
    with start_emulator(tmp_path, world="current") as started:
        authorize(started.server, started.repo)
        before = snapshot(started)
        hooks = Hooks(transport=SwallowRights())
        with ApiSession(loket_config(started.server), started.repo, env=ENV, hooks=hooks) as s:
            report, _ = run_check(
                s.api,
                CheckOptions(write=True, employer_id=scratch(started)),
                journal_dir=started.repo / JOURNAL,
            )
        trips = {t.name: t.outcome for t in report.round_trips}
        assert trips["rights flag availableForEmployerUser"] == "no effect"
        assert trips["rights flag isEnabled"] == "no effect"
        (finding,) = [f for f in report.findings if f.assumption == "A15"]
        assert finding.verdict == R and "neither flag changed the right" in finding.seen
        assert "employer_user_rights_write" not in report.capabilities
        assert "rights_flag" not in report.shapes
        assert not report.ok
        assert snapshot(started) == before
        events = list(read_events(next((started.repo / JOURNAL).glob("*.jsonl"))))
        assert [e["event"] for e in events].count("skipped") == 2, "journaled as no effect"


def test_the_operator_chooses_user_right_and_module(tmp_path: Path) -> None:
    with start_emulator(tmp_path, world="current") as started:
        repo = prepare(started)
        employer = scratch(started)
        store = started.server.state.store
        login = store.users(employer, "werkgevergebruiker")[-1].login
        right = store.rights()[-1].name
        module = next(m.name for m in store.modules() if m.name != "MijnLoket")
        args = ["--write", "--employer", employer, "--user", login, "--right", right]
        checked_json(repo, *args, "--module", module)
        changes = [c for c in started.server.changes() if c.origin == "emulator-api"]
        assert {c.subject for c in changes} == {module, f"{right} for {login}"}, changes
        document = checked_json(repo, *args, "--module", "No such module")
        finding = next(f for f in document["findings"] if f["assumption"] == "A8")
        assert finding["verdict"] == str(N) and "No such module" in finding["seen"]


class ServesUserSet(httpx.BaseTransport):
    """The real transport, plus ``GET .../users/{userId}/authorizationSet`` (A18, which
    the emulator does not serve) answered from the emulator's store in the assumed shape."""

    def __init__(self, started: SeededEmulator) -> None:
        self._real = httpx.HTTPTransport()
        self._store = started.server.state.store

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if request.method != "GET" or parts[-1] != "authorizationSet":
            return self._real.handle_request(request)
        employer_id, user_id = parts[-4], parts[-2]
        held = self._store.held_right_ids(employer_id, user_id)
        rights = [
            {"id": r.id, "description": r.name, "isEnabled": r.id in held}
            for r in self._store.rights()
        ]
        content = {"id": "set-1", "description": "Werkgevergebruiker", "authorizations": rights}
        return httpx.Response(200, json={"content": content}, request=request)

    def close(self) -> None:
        self._real.close()


def test_without_the_rights_get_the_users_authorization_set_reads_the_rights(
    tmp_path: Path,
) -> None:
    """A18 where the rights GET (A4) is not offered and the PATCH answers 204."""
    off = frozenset({Capability.EMPLOYER_USER_RIGHTS_READ})
    with start_emulator(tmp_path, world="current", disabled=off) as started:
        authorize(started.server, started.repo)
        before = snapshot(started)
        hooks = Hooks(transport=ServesUserSet(started))
        with ApiSession(loket_config(started.server), started.repo, env=ENV, hooks=hooks) as s:
            report, _ = run_check(
                s.api,
                CheckOptions(write=True, employer_id=scratch(started)),
                journal_dir=started.repo / JOURNAL,
            )
        seen = {f.assumption: f.verdict for f in report.findings}
        assert seen["A4"] == N and seen["A18"] == C and seen["A15"] == C, report.findings
        trip = next(t for t in report.round_trips if t.name == "rights flag isEnabled")
        assert (trip.outcome, trip.verified_by) == ("took effect", "GET authorizationSet")
        assert report.shapes["rights_flag"] == "isEnabled"
        assert snapshot(started) == before


class RightsGetFails(httpx.BaseTransport):
    """The real transport, but every GET of a werkgevergebruiker's rights answers 500."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and "/employers/" in path and path.endswith(RIGHTS_PATCH):
            return httpx.Response(500, text="boom", request=request)
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def test_a_rights_get_answering_500_is_a_problem_naming_the_setting(tmp_path: Path) -> None:
    """500 is no "not offered" (404, 405, 501 are): the check says how to turn the read
    off, and does not claim the read absent in the profile."""
    with start_emulator(tmp_path, world="current") as started:
        authorize(started.server, started.repo)
        config = loket_config(started.server, max_retries=0)
        hooks = Hooks(transport=RightsGetFails())
        with ApiSession(config, started.repo, env=ENV, hooks=hooks) as session:
            report, _ = run_check(session.api, CheckOptions(), journal_dir=started.repo / JOURNAL)
        (finding,) = [f for f in report.findings if f.assumption == "A4"]
        assert finding.verdict == N and finding.seen == "answered 500"
        (problem,) = report.problems
        assert "provider.capabilities.employer_user_rights_read: off" in problem
        assert not report.ok
        assert "employer_user_rights_read" not in report.capabilities


def test_write_converges_and_restores_under_injected_faults(tmp_path: Path) -> None:
    """429, 500, 503, dropped and lost answers on 20% of requests: retried, and the
    scratch employer ends as it started."""
    faults = FaultConfig(rate=0.2, seed=3, retry_after=0)
    with start_emulator(tmp_path, world="current", faults=faults) as started:
        repo = prepare(started)
        before = snapshot(started)
        document = checked_json(repo, "--write", "--employer", scratch(started))
        assert all(t["restored"] for t in document["round_trips"]), document["round_trips"]
        assert verdicts(document)["A15"] == C and verdicts(document)["A8"] == C
        assert snapshot(started) == before
        assert any(r.fault for r in started.server.requests()), "faults were injected"


def test_ctrl_c_during_the_round_trips_restores_the_start(tmp_path: Path) -> None:
    """SIGINT right after a PATCH that changed the right (the current world refuses the
    first flag, takes the second): the round trip stops at its next step, the right is
    put back, exit 130. Every request takes 300 ms, so the signal lands mid-trip."""
    with start_emulator(tmp_path, world="current", latency_ms=300) as started:
        repo = prepare(started)
        before = snapshot(started)
        command = [sys.executable, "-m", "mijnloket_gitops", "-C", str(repo), "loket", "check"]
        command += ["--write", "--employer", scratch(started)]
        with subprocess.Popen(
            command,
            env={**os.environ, **ENV},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as child:
            deadline = time.monotonic() + 120
            while sum(r.method == "PATCH" for r in started.server.requests()) < 2:
                assert child.poll() is None, child.communicate()
                assert time.monotonic() < deadline, "no second PATCH within 120 s"
                time.sleep(0.01)
            changed = [c for c in started.server.changes() if c.origin == "emulator-api"]
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=120)
        assert len(changed) == 1, "the signal came after the PATCH that changed the right"
        assert child.returncode == 130, (out, err)
        assert "Interrupted (Ctrl-C)" in out, out
        assert snapshot(started) == before
        journal = next((repo / JOURNAL).glob("*.jsonl"))
        events = list(read_events(journal))
        assert any(e.get("check") == "restore the starting state" for e in events), events
        assert events[-1]["event"] == "finished" and events[-1]["result"] == "interrupted"
        assert open_steps(repo / JOURNAL, started.server.base_url) == []
        assert not profile_path(repo).exists(), "an interrupted check proves nothing"


def emulator_values(started: SeededEmulator) -> set[str]:
    """Every value of the emulator's data and credentials a capture must not hold."""
    store = started.server.state.store
    values: set[str] = set()
    provider = store.provider()
    assert provider is not None
    values.update(provider)
    for employer in store.employers():
        values.update(
            str(v)
            for v in (
                employer.employer_id,
                employer.company_name,
                employer.employer_number,
                employer.chamber_of_commerce_number,
            )
            if v
        )
        for user in store.users(employer.employer_id):
            values.update((user.user_id, user.login))
    for right in store.rights():
        values.update((right.name, opaque_id("right", right.id)))
    for module in store.modules():
        values.update((module.name, opaque_id("module", module.id)))
    token = json.loads((started.repo / TOKEN_STORE).read_text("utf-8"))
    values.update(str(v) for v in token.values() if isinstance(v, str))
    values.update(ENV.values())
    return {v for v in values if len(v) >= 4}


def test_the_capture_holds_shapes_and_no_value_and_loads_as_a_fixture(tmp_path: Path) -> None:
    with start_emulator(tmp_path, world="artefact", patch_status=200) as started:
        repo = prepare(started)
        target = tmp_path / "capture.json"
        document = checked_json(
            repo, "--write", "--employer", scratch(started), "--capture", str(target)
        )
        text = target.read_text("utf-8")
        leaked = sorted(v for v in emulator_values(started) if v in text)
        assert leaked == [], leaked
        assert started.server.base_url not in text
        capture = load_capture(target)
        assert capture.environment == "loopback"
        (sets,) = capture.answers("GET /providers/{providerId}/authorizationsets")
        assert sets.status == 200
        assert all("authorizations" not in item for item in sets.body["_embedded"])
        details = capture.answers("GET /providers/authorizationsets/{authorizationSetId}")
        assert details and details[0].body["content"]["authorizations"] == [
            {"description": "string", "id": "string:uuid"}
        ]
        rights = capture.answers(
            "GET /providers/employers/{employerId}/users/{userId}/authorizations"
        )
        assert [a.status for a in rights] == [501]
        options = capture.answers("OPTIONS /providers/employers/{employerId}/modules")
        assert options[0].status == 200 and "allow" not in options[0].headers
        assert document["ok"] is True


def test_the_committed_artefact_capture_loads_as_a_fixture() -> None:
    """A capture from the artefact world, kept in tests/fixtures: what a bug report
    attaches, and what the artefact world serves (UUID ids, ``User<n>`` logins)."""
    capture = load_capture(Path(__file__).parent / "fixtures" / "loket-capture-artefact.json")
    (users,) = capture.answers("GET /providers/employers/{employerId}/users")
    assert users.body["_embedded"] == [{"id": "string:uuid", "userName": "string"}]
    (modules,) = capture.answers("GET /providers/{providerId}/modules")
    assert {item["id"] for item in modules.body["_embedded"]} == {"string:uuid"}


def paging_check(body_for: Any) -> CheckReport:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["pageNumber"])
        return httpx.Response(200, json=body_for(page))

    http = LoketHttp(
        "https://api.loket.test/v2",
        policy=RetryPolicy(max_retries=0, budget_seconds=1.0, sleep=lambda _: None),
        budget=RequestBudget(1e6),
        transport=httpx.MockTransport(handler),
    )
    report = CheckReport(http.base_url)
    try:
        ReadCheck(Reader(http, Capture("other", "0")), report, None).paging()
    finally:
        http.close()
    return report


def test_paging_is_refuted_when_the_page_is_not_the_one_asked_for() -> None:
    """A server that always answers "page 2 of 3" (the issue's finding)."""
    report = paging_check(lambda _: {"_embedded": [{"id": "e"}], "currentPage": 2, "totalPages": 3})
    (finding,) = report.findings
    assert finding.verdict == R
    assert "asked for page 1, the answer says currentPage 2" in finding.seen


def test_paging_is_refuted_when_the_page_count_moves() -> None:
    report = paging_check(
        lambda page: {"_embedded": [{"id": "e"}], "currentPage": page, "totalPages": 2 + page}
    )
    (finding,) = report.findings
    assert finding.verdict == R and "totalPages changed from 3 to 4" in finding.seen


def test_paging_is_confirmed_when_pages_are_honoured() -> None:
    report = paging_check(
        lambda page: {"_embedded": [{"id": "e"}], "currentPage": page, "totalPages": 2}
    )
    assert [f.verdict for f in report.findings] == [C]


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        ([], "not an object"),
        ({"currentPage": 1, "totalPages": 1}, "no '_embedded' list; keys: currentPage, totalPages"),
        ({"_embedded": [], "currentPage": "1", "totalPages": 1}, "'currentPage' is not an integer"),
        ({"_embedded": [], "currentPage": 1, "totalPages": None}, "'totalPages' is not an integer"),
        ({"_embedded": [], "currentPage": 1, "totalPages": 1}, None),
    ],
)
def test_envelope_faults_name_keys_and_types(body: Any, fault: str | None) -> None:
    found = envelope_fault(body, 1)
    assert (found is None) if fault is None else (found is not None and fault in found)


def test_a_shape_keeps_keys_types_and_id_formats_never_values() -> None:
    answer = {
        "_embedded": [
            {
                "id": "b14acd0d-75d7-4fc8-8b22-4a3924585cab",
                "userName": "jan@bakkerij.nl",
                "n": 7,
                "ok": True,
                "x": None,
                "since": "2026-01-02",
            },
            {"id": 12, "userName": "User42", "n": 1.5},
        ],
        "byId": {"0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10": "Bakkerij", "Jan de Vries": "12"},
    }
    shape = shape_of(answer)
    assert shape == {
        "_embedded": [
            {
                "id": "string:uuid",
                "userName": "string:email",
                "n": "integer",
                "ok": "boolean",
                "x": "null",
                "since": "string:date",
            },
            {"id": "integer", "userName": "string", "n": "number"},
        ],
        "byId": {"<uuid>": "string", "<key>": "string:digits"},
    }
    text = json.dumps(shape)
    for value in ("b14acd0d", "jan@", "Bakkerij", "User42", "Jan de Vries", "2026"):
        assert value not in text


def test_a_read_only_check_keeps_what_an_earlier_write_proved() -> None:
    earlier = Profile(
        "u",
        "t",
        "v",
        {"modules_write": True, "modules_read": True},
        {"rights_flag": "isEnabled", "right_ids": "nested"},
    )
    report = CheckReport("u", capabilities={"modules_read": False}, shapes={"right_ids": "details"})
    kept = profile_of(report, earlier, wrote=False)
    assert kept.capabilities == {"modules_read": False, "modules_write": True}
    assert kept.shapes == {"right_ids": "details", "rights_flag": "isEnabled"}
    fresh = profile_of(report, earlier, wrote=True)
    assert fresh.capabilities == {"modules_read": False}
    assert fresh.shapes == {"right_ids": "details"}


def test_a_damaged_profile_is_rewritten_by_the_check(tmp_path: Path) -> None:
    with start_emulator(tmp_path, world="current") as started:
        repo = prepare(started)
        path = profile_path(repo)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{damaged", "utf-8")
        done = check(repo)
        assert done.exit_code == 0, done.output
        assert "Profile written to .mijnloket/loket-profile.json" in done.output
        assert load_profile(path, started.server.base_url) is not None


def test_probe_refresh_replaces_a_cached_decision(tmp_path: Path) -> None:
    """The cache's notes say `loket probe --refresh`: it decides afresh over a stale
    cached decision (a bulk read the cache remembers as absent)."""
    with start_emulator(tmp_path, world="current") as started:
        repo = prepare(started)
        cache = repo / ".mijnloket" / "loket-capabilities.json"
        cache.parent.mkdir(parents=True, exist_ok=True)
        stale = {"available": False, "how": "404", "at": time.time()}
        document = {"version": 1, "apis": {started.server.base_url: {"modules_bulk_read": stale}}}
        cache.write_text(json.dumps(document), "utf-8")
        done = CliRunner().invoke(
            cli, ["-C", str(repo), "loket", "probe", "--refresh", "--format", "json"], env=ENV
        )
        assert done.exit_code == 0, done.output
        found = {c["capability"]: c for c in json.loads(done.output)["capabilities"]}
        assert found["modules_bulk_read"]["available"] is True
        assert found["modules_bulk_read"]["how"] == "answered"
        cached = json.loads(cache.read_text("utf-8"))["apis"][started.server.base_url]
        assert cached["modules_bulk_read"]["available"] is True


def test_the_provider_switches_modules_once_check_write_proved_it(tmp_path: Path) -> None:
    """Module switching is unproven by discovery alone (its steps stay manual, exit 4);
    once `loket check --write` proved it, the profile makes apply switch it."""
    with start_emulator(tmp_path, world="current") as started:
        repo = prepare(started)
        employer, product = next(
            (e.employer_id, p) for _, e in started.employers for p in e.products
            if p != "MijnLoket"
        )  # fmt: skip
        started.server.switch_module(employer, product, active=False)
        apply = ["-C", str(repo), "apply", "--auto-approve", "--target", employer]
        before = CliRunner().invoke(cli, apply, env=ENV)
        assert before.exit_code == 4, before.output
        assert "loket check --write" in before.output + before.stderr
        checked_json(repo, "--write", "--employer", scratch(started))
        after = CliRunner().invoke(cli, apply, env=ENV)
        assert after.exit_code == 0, after.output
        live = started.server.state.store.live([employer])[employer]
        assert product in live.products


def test_no_profile_leaves_the_profile_alone(tmp_path: Path) -> None:
    with start_emulator(tmp_path, world="classic") as started:
        repo = prepare(started)
        done = check(repo, "--no-profile")
        assert done.exit_code == 0, done.output
        assert "Profile written" not in done.output
        assert not profile_path(repo).exists()


def test_the_text_report_says_what_was_refuted_and_what_was_not_restored() -> None:
    report = CheckReport("https://api.loket-acc.nl/v2")
    report.add("P1", "paging", "GET /providers/employers", R, "pageSize 1: asked for page 1")
    report.add("A7", "offered", "no operation", N, "no operation shows it")
    report.round_trips.append(RoundTrip("module switch", "failed", "GET modules", False, "why"))
    report.problems.append("NOT RESTORED: MijnLoket on employer e-1")
    report.interrupted = True
    lines = render_text(report)
    assert "  REFUTED     P1   paging (GET /providers/employers)" in lines
    assert "              pageSize 1: asked for page 1" in lines
    assert "  not tested  A7   offered (no operation)" in lines
    assert "  module switch: failed (verified by GET modules); NOT RESTORED" in lines
    assert "Problem: NOT RESTORED: MijnLoket on employer e-1" in lines
    assert "0 confirmed, 1 refuted, 1 not testable here." in lines
    assert not report.ok and report.data["ok"] is False
