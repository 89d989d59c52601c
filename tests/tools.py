"""Tools some tests need (Chromium, node, npm): a test without one skips, saying
why, except in CI (``CI=true``), where a missing tool fails it: CI must check what those
tests check (``.ci/run`` installs the tools where it can)."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI") == "true"


def need(found: object, what: str) -> None:
    """Skip (fail in CI) the running test when ``found`` is falsy; ``what`` names the
    tool and how to install it."""
    if found:
        return
    if IN_CI:
        pytest.fail(f"{what} is missing; in CI that fails the test (.ci/run installs it)")
    pytest.skip(f"{what} is missing")
