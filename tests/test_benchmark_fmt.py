"""The fmt benchmark runs end to end on a few files; nothing here is timed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_fmt_benchmark_measures_every_command_against_validate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = importlib.util.spec_from_file_location("benchmark_fmt", BENCHMARKS / "fmt.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.main(["--files", "12", "--write"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("12 files, ")
    for command in ("validate", "fmt --check", "fmt", "fmt --check, canonical"):
        assert f"| `{command}` | " in table
    assert "`fmt --check` is " in table and "x of `validate` (best against best)." in table
