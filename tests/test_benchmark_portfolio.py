"""The portfolio benchmark runs end to end on a few employers; nothing here is timed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_portfolio_benchmark_measures_both_runs(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "benchmark_portfolio", BENCHMARKS / "portfolio.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        assert module.main(["--employers", "12"]) == 0
    finally:
        sys.path.remove(str(BENCHMARKS))
    table = capsys.readouterr().out
    assert "| `plan` | 12 |" in table and "| `plan --target` | 12 |" in table
    assert "| wall s | CPU s | load |" in table  # CPU time: the fair figure on a busy machine
