"""Shared fixtures: files in a temporary directory, the catalog and the CLI."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from mijnloket_gitops.catalog import Catalog, builtin_catalog

# Hypothesis in CI (CI=true): the same examples on every run and no example database
# carried between runs, so a red run is red again when rerun and a saved example from
# an earlier run cannot make a fresh one fail or pass. Locally: random, with a database.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

VALID = """\
version: 1
employer_id: 0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10
name: Bakkerij De Vries B.V.
addendum:
  status: signed
  signed_on: 2025-03-14
  ticket: "LKT-48211"
tier: start
products:
  - MijnLoket
"""
"""A small valid employer file; tests change one line of it."""


@pytest.fixture
def valid_employer() -> str:
    return VALID


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """``write_yaml(name, text_or_bytes)`` writes a file under tmp_path and returns it."""

    def write(name: str, content: str | bytes = VALID) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture
def catalog() -> Catalog:
    return builtin_catalog()


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """``run_cli("validate", path, ...)``: run the CLI in-process, never raising."""
    from mijnloket_gitops.cli.main import cli  # here, so a broken CLI fails only CLI tests

    runner = CliRunner()

    def run(*args: str | Path) -> Result:
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=True)

    return run
