"""A test's missing tool: a skip with its reason locally, a failure in CI."""

from __future__ import annotations

import pytest

from tests import tools


def test_a_missing_tool_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tools, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match=r"Chromium .* is missing"):
        tools.need(None, "Chromium (Debian: apt-get install -y chromium)")


def test_a_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a fresh machine without Chromium the report tests skipped, so CI did not
    check that the report renders."""
    monkeypatch.setattr(tools, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match=r"Chromium .* is missing; in CI"):
        tools.need(None, "Chromium (Debian: apt-get install -y chromium)")


def test_a_tool_that_is_there_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tools, "IN_CI", True)
    tools.need("/usr/bin/chromium", "Chromium")
