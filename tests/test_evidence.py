"""Addendum evidence in bulk: ``edit --evidence FILE.csv``, ``import --evidence`` and
``edit --set-addendum`` (issue 21)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from mijnloket_gitops.evidence import read_sheet
from mijnloket_gitops.files.loader import load_text
from tests.emulator_fixtures import seed_repo
from tests.test_import import files_in, run

BUNDLED = Path(__file__).parent.parent / "employers"
GAP = "Fill in from Loket's confirmation ticket"


def imported(tmp_path: Path, employers: int = 12) -> tuple[Path, Path]:
    """A repository whose employers/ holds import's files (with evidence gaps)."""
    repo, _, _ = seed_repo(tmp_path, employers=employers, seed=3)
    shutil.rmtree(repo / "employers")
    (repo / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    result = run(repo, "import", "--all")
    assert result.exit_code == 0, result.output
    return repo, repo / "employers"


def pending(directory: Path) -> dict[str, dict[str, Any]]:
    """File name -> data of the files whose evidence is pending."""
    found = {}
    for name, text in files_in(directory).items():
        data = load_text(text).data
        if data["addendum"].get("evidence") == "pending":
            found[name] = data
    return found


def test_a_sheet_fills_every_pending_file(tmp_path: Path) -> None:
    repo, out = imported(tmp_path)
    gaps = pending(out)
    assert len(gaps) >= 2
    lines = ["Employer ID;Status;Signed on;Ticket"]
    for n, (name, data) in enumerate(sorted(gaps.items())):
        who = data["employer_id"].upper() if n % 2 else name  # by id or by file name
        lines.append(f"{who};signed;2025-0{n % 9 + 1}-15;LKT-{48000 + n}")
    sheet = tmp_path / "evidence.csv"
    sheet.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    result = run(repo, "edit", "--evidence", sheet)
    assert result.exit_code == 0, result.output
    assert f"{len(gaps)} changed" in result.stdout
    assert "evidence no longer pending (evidence.csv:2)" in result.stdout
    assert pending(out) == {}
    for name in gaps:
        text = (out / name).read_text(encoding="utf-8")
        assert GAP not in text and "# YYYY-MM-DD" not in text and "evidence:" not in text
        assert "  signed_on: 2025-0" in text and '  ticket: "LKT-48' in text
    validated = run(repo, "validate", "--strict", "--format", "json")
    assert validated.exit_code == 0, validated.output
    assert json.loads(validated.stdout)["diagnostics"] == []
    again = run(repo, "edit", "--evidence", sheet)
    assert again.exit_code == 0 and "0 changed" in again.stdout


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    repo, out = imported(tmp_path)
    before = files_in(out)
    (first, data), *_ = sorted(pending(out).items())
    sheet = tmp_path / "bad.csv"
    sheet.write_text(
        "file,status,signed_on,ticket\n"
        f"{first},signed,2025-01-15,LKT-1\n"  # fine on its own
        "nobody.yaml,signed,2025-01-15,LKT-2\n"
        "00000000-0000-4000-8000-000000000000,signed,2025-01-15,LKT-3\n"
        f"{data['employer_id']},signed,15-01-2025,LKT-4\n"
        f"{first},signed,2099-01-01,LKT 5 see mail\n"
        f"{first},maybe,,\n"
        f"{first},signed,2025-02-30,\n"
        f"{first.upper()},signed,2025-01-16,LKT-6\n",
        encoding="utf-8",
    )
    result = run(repo, "edit", "--evidence", sheet)
    assert result.exit_code == 1
    for expected in (
        f"{sheet}:6: signed_on 2099-01-01 is in the future",
        f"{sheet}:6: ticket 'LKT 5 see mail' is not a ticket reference",
        f"{sheet}:5: signed_on '15-01-2025' is not written YYYY-MM-DD; if it is "
        "day-month-year, write 2025-01-15",
        f"{sheet}:7: status 'maybe' is not one of signed, requested, none",
        f"{sheet}:8: signed_on '2025-02-30' is not a real date",
        f"{sheet}:8: a signed addendum needs ticket",
        f"{sheet}:9: {first.upper()} is also on line 2",
    ):
        assert expected in result.stderr, result.stderr
    assert "nothing was written" in result.stderr
    assert files_in(out) == before
    # The rows that read well are then checked against the portfolio, all at once.
    sheet.write_text(
        "file,status,signed_on,ticket\n"
        "nobody.yaml,signed,2025-01-15,LKT-2\n"
        "00000000-0000-4000-8000-000000000000,signed,2025-01-15,LKT-3\n"
        f"{first},signed,2025-01-15,LKT-1\n",
        encoding="utf-8",
    )
    result = run(repo, "edit", "--evidence", sheet)
    assert result.exit_code == 1
    assert f"{sheet}:2: no employer with file nobody.yaml in " in result.stderr
    assert f"{sheet}:3: no employer with id 00000000-0000-4000-8000-000000000000" in result.stderr
    assert files_in(out) == before


def test_a_sheet_goes_in_whole_or_not_at_all(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    before = files_in(tmp_path / "employers")
    signed = [n for n, t in before.items() if "status: signed" in t and "MijnLoket -" in t]
    unsigned = [n for n, t in before.items() if "status: none" in t]
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        f"file,status,signed_on,ticket\n{unsigned[0]},signed,2025-03-01,LKT-9\n"
        f"{signed[0]},none,,\n",  # a MijnLoket product needs a signed addendum
        encoding="utf-8",
    )
    result = run_cli("edit", "--evidence", sheet, "--repo", tmp_path)
    assert result.exit_code == 1, result.output
    assert "refused: the edit would leave the file invalid: [addendum-required]" in result.output
    assert "Nothing was written" in result.output
    assert files_in(tmp_path / "employers") == before


def test_set_addendum_for_a_selection(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    result = run_cli(
        "edit", "--set-addendum", "requested", "--where", "addendum = none", "--repo", tmp_path
    )
    assert result.exit_code == 0, result.output
    assert "1 employer selected: 1 changed" in result.output
    text = (tmp_path / "employers" / "schoonmaakbedrijf-helder.yaml").read_text()
    assert "status: requested" in text
    assert "# the client has not asked for MijnLoket" in text
    refused = run_cli("edit", "--set-addendum", "signed", "--repo", tmp_path)
    assert refused.exit_code != 0
    assert "--evidence" in refused.output


def test_sheet_reader_accepts_excel_exports(tmp_path: Path) -> None:
    sheet = tmp_path / "s.csv"
    sheet.write_bytes("\ufeffEmployer;Signed-On;Ticket\r\nacme;2025-01-15;LKT-1\r\n;;\r\n".encode())
    rows, problems = read_sheet(sheet, dt.date(2026, 1, 1))
    assert problems == []
    assert [(r.line, r.employer, r.status, r.signed_on, r.ticket) for r in rows] == [
        (2, "acme", "signed", "2025-01-15", "LKT-1")
    ]
    sheet.write_bytes(b"employer;ticket\nacme;\xff\n")
    _, problems = read_sheet(sheet)
    assert [str(p) for p in problems] == [f"{sheet}:2: not UTF-8; export the sheet as CSV UTF-8"]
    sheet.write_text("name,date\nacme,2025-01-01\n")
    _, problems = read_sheet(sheet)
    assert "the first row must name the columns" in str(problems[0])


def test_edit_does_not_count_files_it_could_not_write_as_changed(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mijnloket_gitops.files import writing

    shutil.copytree(BUNDLED, tmp_path / "employers")
    blocked = str(tmp_path / "employers" / "bakkerij-de-vries.yaml")
    real = writing._stage

    def failing(path: Path, text: str, *, sync: bool) -> Any:
        if str(path) == blocked:
            raise OSError(13, "Permission denied")
        return real(path, text, sync=sync)

    monkeypatch.setattr(writing, "_stage", failing)
    result = run_cli("edit", "--activate", "MijnLoket - Salaris berekenen", "--where",
                     "product=MijnLoket", "--repo", tmp_path)  # fmt: skip
    assert result.exit_code == 1
    assert "6 employers selected: 3 changed, 2 unchanged, 1 could not be written" in result.output


def test_import_fills_the_evidence_from_a_sheet(tmp_path: Path) -> None:
    from mijnloket_gitops.sandbox.store import Store
    from tests.test_import import live_ids

    repo, db, _ = seed_repo(tmp_path, employers=12, seed=3)
    with Store.open(db) as store:
        live = store.live(live_ids(db))
    portal = sorted(i for i, e in live.items() if "MijnLoket" in e.products)
    off = sorted(i for i, e in live.items() if "MijnLoket" not in e.products)
    sheet = tmp_path / "evidence.csv"
    rows = [f"{i},signed,2025-02-0{n % 9 + 1},LKT-{700 + n}" for n, i in enumerate(portal)]
    sheet.write_text(
        "employer_id,status,signed_on,ticket\n" + "\n".join([*rows, f"{off[0]},requested,,"]),
        encoding="utf-8",
    )
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(
        "employer_id,status\n00000000-0000-4000-8000-000000000000,requested\n", encoding="utf-8"
    )
    out = repo / "imported"
    refused = run(repo, "import", "--all", "--output-dir", out, "--evidence", unknown)
    assert refused.exit_code == 1
    assert f"{unknown}:2: no employer with id 00000000-0000-4000-8000-000000000000" in (
        refused.output
    )
    assert not out.exists()
    result = run(repo, "import", "--all", "--output-dir", out, "--evidence", sheet)
    assert result.exit_code == 0, result.output
    assert f"{len(portal) + 1} addenda from the evidence sheet" in result.stdout
    assert "0 evidence gaps to fill" in result.stdout
    assert "; addendum signed (signed_on 2025-02-01, LKT-700) (evidence.csv:2)" in result.stdout
    assert pending(out) == {}
    texts = files_in(out).values()
    assert not any(GAP in t or "# YYYY-MM-DD" in t for t in texts)
    requested = [t for t in texts if "\n  status: requested" in t]
    assert len(requested) == 1 and "If it was, write" not in requested[0]
    (repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\nemployers_dir: imported\n", encoding="utf-8"
    )
    assert run(repo, "validate", "--strict").exit_code == 0


def test_import_says_when_a_row_is_for_a_file_it_leaves_alone(tmp_path: Path) -> None:
    repo, out = imported(tmp_path, employers=4)
    (name, data), *_ = sorted(pending(out).items())
    sheet = tmp_path / "evidence.csv"
    sheet.write_text(
        f"employer_id,signed_on,ticket\n{data['employer_id']},2025-01-02,LKT-9\n",
        encoding="utf-8",
    )
    result = run(repo, "import", "--missing", "--evidence", sheet)
    assert result.exit_code == 0, result.output
    assert f"warning: {out / name}: left alone, so its row of the evidence sheet" in (result.stderr)
    assert pending(out).keys() >= {name}


def test_a_file_name_in_two_folders_needs_its_path(tmp_path: Path) -> None:
    from mijnloket_gitops.evidence import resolve_rows
    from mijnloket_gitops.evidence.sheet import EvidenceRow

    a, b = tmp_path / "employers/noord/bakkerij.yaml", tmp_path / "employers/zuid/bakkerij.yaml"
    employers = [
        (a, "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"),
        (b, "1d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"),
    ]
    rows = [
        EvidenceRow(2, "bakkerij.yaml", "requested", None, None),
        EvidenceRow(3, "employers/zuid/bakkerij", "requested", None, None),
        EvidenceRow(4, "./employers/noord/bakkerij.yaml", "none", None, None),
    ]
    sheet = tmp_path / "s.csv"
    changes, problems = resolve_rows(sheet, rows, employers, tmp_path, "employers")
    assert [str(p) for p in problems] == [
        f"{sheet}:2: bakkerij.yaml names 2 files in employers; write the path below the "
        "repository or the employer id"
    ]
    assert {k[:1]: v.status for k, v in changes.items()} == {"1": "requested", "0": "none"}
