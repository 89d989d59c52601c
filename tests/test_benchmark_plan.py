"""The plan benchmark's set-up and one run work end to end, on a few employers.

Nothing here is timed: the benchmark itself is ``benchmarks/plan.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.validate.runner import validate_paths

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "plan.py"
EMPLOYERS = 20


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_plan", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_valid_and_seeded(bench: ModuleType, tmp_path: Path) -> None:
    repo = bench.setup(tmp_path, EMPLOYERS, 3)
    result = validate_paths([repo / "employers"], builtin_catalog())
    assert result.diagnostics == []
    assert len({e.employer_id for _, e in result.employers}) == EMPLOYERS
    assert (repo / bench.DB).is_file()
    again = bench.setup(tmp_path / "again", EMPLOYERS, 3)
    texts = sorted(p.read_text() for p in (repo / "employers").iterdir())
    assert texts == sorted(p.read_text() for p in (again / "employers").iterdir())


def test_one_run_against_the_emulator(bench: ModuleType, tmp_path: Path) -> None:
    repo = bench.setup(tmp_path, EMPLOYERS, 1)
    with bench.emulator(repo, 0) as server:
        bench.configure(repo, server, 2, 1e6)
        bench.authorize(repo, server)
        first = bench.run(repo, server, 1, 1e6)
        second = bench.run(repo, server, 2, 1e6)
    assert server.process.returncode is not None  # stopped with the block
    for measured, concurrency in ((first, 1), (second, 2)):
        assert measured.concurrency == concurrency
        assert measured.employers == EMPLOYERS
        # classic: modules and users per employer, the employer list (no GET per
        # employer: the list is cheaper, issue 20), a token
        assert measured.requests >= 2 * EMPLOYERS + 2
        assert measured.api == "classic"
        assert measured.seconds > 0 and measured.client_cpu > 0
        assert measured.peak_rss_kb >= measured.rss_before_kb > 0
    # the same plan, less what the first run learnt and cached (the rights GET's 405)
    assert second.requests <= first.requests and second.rights_reads == 0
    table = bench.report([first, second], 0)
    assert f"{EMPLOYERS} employers" in table and len(table.splitlines()) == 4


def test_the_current_world_counts_rights_reads_against_the_bar(
    bench: ModuleType, tmp_path: Path
) -> None:
    employers = 30  # above the bulk threshold
    repo = bench.setup(tmp_path, employers, 2)
    with bench.emulator(repo, 0, "current") as server:
        bench.configure(repo, server, 2, 1e6)
        bench.authorize(repo, server)
        measured = bench.run(repo, server, 2, 1e6, "current")
    assert measured.api == "current" and measured.rights_reads >= employers
    assert measured.requests - measured.rights_reads <= bench.OTHER_REQUESTS_BAR
    table = bench.requests_report([measured])
    assert "current" in table and f"{bench.OTHER_REQUESTS_BAR}" in table
