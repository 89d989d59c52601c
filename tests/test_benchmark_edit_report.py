"""``benchmarks/edit_report.py`` runs end to end on a few files (nothing here is timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "edit_report.py"


@pytest.mark.slow
def test_portfolio_benchmark_runs_on_a_small_portfolio(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--files", "30", "--seed", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [
        "edit --grant (to every werkgevergebruiker)",
        "edit --activate (with closure and tier)",
        "report --format markdown",
        "report --format html",
        "report --format json",
    ]
    assert "employers selected:" in rows[0] and " changed" in rows[0]
    assert list(tmp_path.iterdir()) == []  # the reports stay in the benchmark's repository
