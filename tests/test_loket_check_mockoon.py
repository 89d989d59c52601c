"""``loket check`` against a server nobody here wrote: the real Mockoon CLI
(``tests/mockoon.py``, tokens from the emulator's OAuth server), serving the shapes the
public artefacts document, and the published Loket environment where it is on this
machine (skipped otherwise, saying how to provide it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mijnloket_gitops.loket.check.shapes import load_capture
from tests.mockoon import published_environment
from tests.test_loket_e2e import cli
from tests.test_loket_mockoon import tool_on


def checked(repo: Path, capture: Path) -> tuple[int, dict[str, Any], str]:
    done = cli(repo, "loket", "check", "--format", "json", "--capture", str(capture))
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def verdicts(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {f["assumption"]: (f["verdict"], f["seen"]) for f in document["findings"]}


def test_check_confirms_what_mockoon_serves_in_the_documented_shapes(tmp_path: Path) -> None:
    with tool_on(tmp_path, None) as (started, mockoon):
        code, document, _ = checked(started.repo, tmp_path / "capture.json")
        seen = verdicts(document)
        for key in ("A1", "E1", "E2", "A2", "A3"):
            assert seen[key][0] == "confirmed", (key, seen[key])
        assert seen["D1"] == (
            "not testable here",
            "answered 200 without Allow: only `loket check --write` proves a write",
        )
        assert seen["A4"] == ("not testable here", "answered 404: not offered here")
        assert code == 0, document
        assert {m for m, _, _ in mockoon.requests()} <= {"GET", "OPTIONS"}
        capture = load_capture(tmp_path / "capture.json")
        (single,) = capture.answers("GET /providers/employers/{employerId}")
        assert set(single.body) == {"content", "version"}


def test_check_on_the_published_environment_says_what_it_saw(tmp_path: Path) -> None:
    """The published file answers every list with paging fields only, "page 2 of 3":
    refuted, with the keys seen, exit 1, and a capture to attach to a bug report."""
    published = published_environment()
    with tool_on(tmp_path, published, lambda _: {}) as (started, mockoon):
        code, document, _ = checked(started.repo, tmp_path / "capture.json")
        assert code == 1
        seen = verdicts(document)
        assert seen["A1"][0] == "refuted"
        assert (
            "no '_embedded' list; keys: currentPage, pageSize, totalPages, totalSize"
            in (seen["A1"][1])
        )
        assert seen["P1"][0] == "refuted"
        assert "asked for page 1, the answer says currentPage 2" in seen["P1"][1]
        assert any("gave no provider id (A1)" in p for p in document["problems"])
        assert {m for m, _, _ in mockoon.requests()} <= {"GET", "OPTIONS"}
        capture = load_capture(tmp_path / "capture.json")
        (providers,) = capture.answers("GET /providers")
        assert providers.body == {
            "currentPage": "integer",
            "pageSize": "integer",
            "totalPages": "integer",
            "totalSize": "integer",
        }


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mockoon and the emulator listen on 127.0.0.1; no proxy may take the requests."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
