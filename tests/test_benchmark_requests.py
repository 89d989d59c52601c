"""The request benchmark runs end to end in every world at a tiny size, and its "least"
is a true lower bound: no plan makes fewer requests than the endpoints need.

Nothing here is timed: the benchmark itself is ``benchmarks/requests.py``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "requests.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_requests", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_counts_every_world_against_the_least(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "counts.json"
    argv = ["--employers", "3", "--target-employers", "6", "--json", str(out)]
    assert bench.main(argv) == 0
    rows = json.loads(out.read_text())
    full = [(world, False) for world in bench.WORLDS]
    assert [(r["world"], r["target"] is not None) for r in rows] == [
        *full,
        *((world, True) for world, _ in full),
    ]
    for row in rows:
        assert set(row["exits"]) <= {0, 2}, row  # planned, nothing left unread
        assert row["warm"] >= row["least"] > 0, row  # the least is a lower bound
        assert row["cold"] >= row["warm"], row  # discovery only adds
        assert row["tokens"] >= 1
        if row["target"] is None:  # no cliff: within 2 requests of the least (issue 20)
            assert row["warm"] <= row["least"] + 2, row
        else:  # the bar for plan --target of one employer
            assert row["warm"] <= bench.TARGET_BAR, row
    classic = next(r for r in rows if r["world"] == "classic" and r["target"] is None)
    assert classic["least"] == 1 + 2 * 3  # the employer list, modules and users of each
    shown = capsys.readouterr().out
    assert "plan --target of one employer at 6 employers:" in shown
    assert shown.count(f"({bench.TARGET_BAR})") == len(bench.WORLDS)
