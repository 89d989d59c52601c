"""files/writing.py: atomic writes, one at a time or in a batch (fmt and edit)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mijnloket_gitops.files.writing import Writer, write_text


def test_a_batch_interrupted_before_its_results_changes_no_file(tmp_path: Path) -> None:
    files = [tmp_path / f"f{i}.yaml" for i in range(3)]
    for path in files:
        path.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), Writer() as writer:
        for path in files:
            writer.submit(str(path), "new\n")
        raise KeyboardInterrupt
    assert [p.read_text() for p in files] == ["old\n"] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f0.yaml", "f1.yaml", "f2.yaml"]


def test_a_file_submitted_twice_gets_the_last_text_and_leaves_no_temporary(
    tmp_path: Path,
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("old\n")
    with Writer() as writer:
        writer.submit(str(path), "first\n")
        writer.submit(str(path), "second\n")
        assert writer.results() == {str(path): None}
    assert path.read_text() == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


def test_a_batch_keeps_modes_and_follows_symbolic_links(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    plain = tmp_path / "plain.yaml"
    plain.write_text("old\n")
    plain.chmod(0o600)
    with Writer() as writer:
        writer.submit(str(link), "via link\n")
        writer.submit(str(plain), "plain\n")
        assert writer.results() == {str(link): None, str(plain): None}
    assert link.is_symlink() and real.read_text() == "via link\n"
    assert (real.stat().st_mode & 0o777, plain.stat().st_mode & 0o777) == (0o640, 0o600)


def test_a_missing_file_is_reported_and_the_rest_written(tmp_path: Path) -> None:
    there = tmp_path / "there.yaml"
    there.write_text("old\n")
    with Writer() as writer:
        writer.submit(str(tmp_path / "gone.yaml"), "x\n")
        writer.submit(str(there), "new\n")
        results = writer.results()
    assert results == {str(tmp_path / "gone.yaml"): "cannot write: No such file or directory",
                       str(there): None}  # fmt: skip
    assert there.read_text() == "new\n"


def test_one_file_is_synced_before_it_replaces_the_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("old\n")
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(handle: int) -> None:
        synced.append(path.read_text())  # the old file is still in place
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", fsync)
    write_text(path, "new\n")
    assert synced == ["old\n"] and path.read_text() == "new\n"


def test_without_syncfs_each_file_of_a_batch_is_synced_before_any_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where there is no syncfs (not Linux), a batch syncs each file on its own."""
    from mijnloket_gitops.files import writing

    files = [tmp_path / f"f{i}.yaml" for i in range(3)]
    for path in files:
        path.write_text("old\n")
    seen: list[list[str]] = []
    real_fsync = os.fsync

    def fsync(handle: int) -> None:
        seen.append([p.read_text() for p in files])
        real_fsync(handle)

    monkeypatch.setattr(writing, "_SYNCFS", None)
    monkeypatch.setattr(os, "fsync", fsync)
    with Writer() as writer:
        for path in files:
            writer.submit(str(path), "new\n")
        assert writer.results() == {str(p): None for p in files}
    assert seen == [["old\n"] * 3] * 3  # three syncs, all before the first rename
    assert [p.read_text() for p in files] == ["new\n"] * 3
