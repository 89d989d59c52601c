"""Helpers for tests that work on a repository: git with a test identity, and the CLI
run in-process against a repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner, Result

from mijnloket_gitops.cli.main import cli


def git(repo: Path, *args: str) -> None:
    """``git ARGS`` in ``repo``, committing as a test identity, unsigned."""
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t",
         "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )  # fmt: skip


def run(repo: Path, *args: str) -> Result:
    """``mijnloket-gitops ARGS --repo REPO`` in-process; never a traceback."""
    result = CliRunner().invoke(cli, [*args, "--repo", str(repo)])
    assert "Traceback" not in result.output, result.output
    return result
