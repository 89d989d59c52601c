"""A scoped plan reads every other file once for its ids and counts; many files are
read by a worker pool, which must give exactly what reading them here gives."""

from __future__ import annotations

import concurrent.futures
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mijnloket_gitops.plan import managed

A = "78E51061-7311-48A3-82CE-6F447ED4D57B"
B = "5d0c4f8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f"
C = "11111111-2222-3333-4444-555555555555"
D = "66666666-7777-8888-9999-000000000000"
FILES = {
    "a.yaml": f"employer_id: {A}\nproducts:\n  - MijnLoket\n  - Verlofkaart\nusers:\n"
    "  - login: x\n    rights: [R, S]\n",
    "b.yaml": f'employer_id: "{B}"\nproducts: [MijnLoket]\nusers: []\n',
    "broken.yaml": "employer_id: [\n",
    "twice.yaml": f"employer_id: {C}\nemployer_id: {D}\nproducts: []\n",
    "empty.yaml": "",
}


@pytest.fixture
def paths(tmp_path: Path) -> list[str]:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    names = [str(tmp_path / n) for n in FILES] * 3  # the same file in several chunks
    return [*names, str(tmp_path / "gone.yaml")]


def test_the_pool_scans_like_this_process(
    paths: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    here = managed.scan_texts(paths)
    pools: list[int] = []

    class Recorded(ProcessPoolExecutor):
        def __init__(self, workers: int, **kwargs: Any) -> None:
            pools.append(workers)
            super().__init__(workers, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recorded)
    monkeypatch.setattr(managed, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(managed, "cpu_count", lambda: 2)
    monkeypatch.setattr(managed, "_SCAN_CHUNK", 2)  # several chunks, answers kept in order
    pooled = managed.scan_texts(paths)
    assert pools == [2]
    assert pooled == here
    assert here[paths[0]] == ({A.lower()}, (2, 2))
    assert here[paths[1]] == ({B}, (1, 0))
    assert here[paths[3]][0] == {C, D}
    assert here[paths[-1]] == (set(), (0, 0))  # unreadable: no ids, nothing counted
