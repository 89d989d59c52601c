"""The benchmark's generator writes valid files, and the worker pool changes nothing.

Nothing here is timed: the benchmark itself is ``benchmarks/validate.py``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.validate import runner

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "validate.py"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_validate", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_files_are_valid(bench: ModuleType, tmp_path: Path, seed: int) -> None:
    files = bench.generate(tmp_path, 20, seed, TODAY)
    result = runner.validate_paths([tmp_path], builtin_catalog(), today=TODAY)
    assert len(result.files) == len(files) == 20
    assert result.diagnostics == []
    assert len({e.employer_id for _, e in result.employers}) == 20


def test_generator_is_seeded(bench: ModuleType, tmp_path: Path) -> None:
    one = bench.generate(tmp_path / "one", 5, 7, TODAY)
    two = bench.generate(tmp_path / "two", 5, 7, TODAY)
    assert [p.read_text() for p in one] == [p.read_text() for p in two]


def test_worker_pool_gives_the_same_result(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = bench.generate(tmp_path, 30, 4, TODAY)
    files[3].write_text("version: 1\nemployer_id: [\n")  # yaml-syntax
    files[5].write_text(files[5].read_text().replace("version: 1", "version: 2"))  # schema
    files[9].write_text(files[8].read_text())  # duplicate-employer, reported on both
    (tmp_path / "broken.yaml").write_bytes(b"name: \xff\n")  # encoding
    catalog = builtin_catalog()

    sequential = runner.validate_paths([tmp_path], catalog, today=TODAY)
    monkeypatch.setattr(runner, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(runner, "cpu_count", lambda: 2)
    monkeypatch.setattr(runner, "CHUNK_FILES", 4)
    parallel = runner.validate_paths([tmp_path], catalog, today=TODAY)

    assert parallel.diagnostics == sequential.diagnostics
    rules = {d.rule for d in parallel.diagnostics}
    assert {"yaml-syntax", "schema", "duplicate-employer", "encoding"} <= rules
    assert [f.path for f in parallel.files] == [f.path for f in sequential.files]
    assert [f.data for f in parallel.files] == [f.data for f in sequential.files]
    assert parallel.employers == sequential.employers
