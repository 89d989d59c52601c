"""``edit``: bulk changes that keep every comment and give valid, canonical files."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.edit.run import EditRequest, edit_file, edit_files, wave_of
from mijnloket_gitops.files.comments import extract_comments
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.fmt import format_file
from mijnloket_gitops.sandbox.synthetic import write_employers
from mijnloket_gitops.validate.runner import check_file, validate_paths
from tests.test_properties import valid_files

CATALOG = builtin_catalog()
BUNDLED = Path(__file__).parent.parent / "employers"
RIGHT = "Raadplegen MijnLoket e-mailadres"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    return tmp_path


def comment_lines(text: str) -> list[str]:
    """Every comment of a file, as text (``# ...``)."""
    doc = load_text(text)
    comments = extract_comments(text, doc)
    found = [*comments.header, *comments.footer, *comments.eol.values()]
    for table in (comments.before, comments.after):
        found += [line for lines in table.values() for line in lines]
    return [line for line in found if line]


def assert_valid_and_canonical(path: Path) -> None:
    checked = check_file(path, CATALOG, True, dt.date.today())
    assert [d for d in checked.diagnostics if d.severity == "error"] == [], path.read_text()
    assert not format_file(path, CATALOG).changed, path.read_text()


def texts(repo: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((repo / "employers").glob("*.yaml"))}


def test_grant_to_a_user_type_keeps_every_comment(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    before = texts(repo)
    result = run_cli(
        "edit", "--where", "product=MijnLoket", "--grant", RIGHT, "--to", "werkgevergebruiker",
        "--repo", repo,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    after = texts(repo)
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed == ["ict-partners-utrecht.yaml", "installatiebedrijf-van-dijk.yaml"]
    assert "6 employers selected: 2 changed, 4 unchanged" in result.output
    for name in changed:
        for comment in comment_lines(before[name]):
            assert comment in after[name], (name, comment)
        assert_valid_and_canonical(repo / "employers" / name)
    assert (
        "    rights:\n      - Raadplegen MijnLoket e-mailadres\n"
        in after["installatiebedrijf-van-dijk.yaml"]
    )
    # the employer without MijnLoket was not selected, even though it has a werkgevergebruiker
    assert after["hoveniersbedrijf-groenrijk.yaml"] == before["hoveniersbedrijf-groenrijk.yaml"]


def test_activate_adds_the_closure_and_the_tier(repo: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli(
        "edit", "--where", "name=Bakkerij* or name=Installatie*",
        "--activate", "MijnLoket - Declaraties", "--repo", repo,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    bakkerij = (repo / "employers" / "bakkerij-de-vries.yaml").read_text()
    # Qwoater Lite was already there, so only Workflow editor is added; tier goes up
    assert "activate MijnLoket - Declaraties with Workflow editor; tier start -> plus" in (
        result.output
    )
    assert "tier: plus\n" in bakkerij and "  - Workflow editor\n" in bakkerij
    assert "Qwoater Extended" not in bakkerij
    # Van Dijk has no Qwoater: the catalog's first choice, and the summary says so
    assert (
        "chose Dossiervorming Qwoater Lite for MijnLoket - Declaraties (the catalog's first "
        "choice; --choose picks another)" in result.output
    )
    for name in ("bakkerij-de-vries.yaml", "installatiebedrijf-van-dijk.yaml"):
        assert_valid_and_canonical(repo / "employers" / name)


def test_choose_picks_the_member_of_a_one_of_group(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    result = run_cli(
        "edit", "--where", "name=Installatie*", "--activate", "MijnLoket - Declaraties",
        "--choose", "Dossiervorming Qwoater Extended", "--repo", repo,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (repo / "employers" / "installatiebedrijf-van-dijk.yaml").read_text()
    assert "Dossiervorming Qwoater Extended" in text and "Qwoater Lite" not in text
    assert "(as --choose says)" in result.output


def test_activate_refuses_where_the_addendum_is_not_signed(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    before = texts(repo)
    result = run_cli("edit", "--activate", "MijnLoket - Verlofkaart", "--repo", repo)
    assert result.exit_code == 1
    assert (
        "hoveniersbedrijf-groenrijk.yaml: refused: MijnLoket - Verlofkaart needs MijnLoket, "
        "and the addendum is requested, not signed" in result.output
    )
    assert "schoonmaakbedrijf-helder.yaml: refused:" in result.output
    after = texts(repo)
    assert after["hoveniersbedrijf-groenrijk.yaml"] == before["hoveniersbedrijf-groenrijk.yaml"]
    assert after["bakkerij-de-vries.yaml"] != before["bakkerij-de-vries.yaml"]
    # a product without the gate can be activated without MijnLoket
    plain = run_cli("edit", "--where", "addendum=none", "--activate", "Preboarding", "--repo", repo)
    assert plain.exit_code == 0, plain.output
    assert "  - Preboarding\n" in (repo / "employers" / "schoonmaakbedrijf-helder.yaml").read_text()


def test_activate_refuses_a_conflicting_product(repo: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli(
        "edit", "--where", "name=Bakkerij*", "--activate", "Dossiervorming Qwoater Extended",
        "--repo", repo,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "cannot be active together with Dossiervorming Qwoater Lite" in result.output


def test_deactivate_needs_cascade_for_dependants(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    before = texts(repo)
    refused = run_cli(
        "edit", "--where", "tier=pro", "--deactivate", "Workflow editor", "--repo", repo
    )
    assert refused.exit_code == 1
    assert (
        "refused: Workflow editor is needed by MijnLoket - Declaraties, "
        "MijnLoket - Persoonsgegevens wijzigen; --cascade removes them too" in refused.output
    )
    assert texts(repo) == before
    done = run_cli(
        "edit", "--where", "tier=pro", "--deactivate", "Workflow editor", "--cascade",
        "--repo", repo,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "deactivate Workflow editor and its dependants MijnLoket - Declaraties" in done.output
    for name in ("ict-partners-utrecht.yaml", "zorggroep-de-linde.yaml"):
        text = (repo / "employers" / name).read_text()
        assert "Workflow editor" not in text.split("products:")[1].split("users:")[0]
        assert_valid_and_canonical(repo / "employers" / name)


def test_deactivating_mijnloket_drops_the_tier_and_rights_but_keeps_comments(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    path = repo / "employers" / "bakkerij-de-vries.yaml"
    before = path.read_text()
    result = run_cli(
        "edit", "--where", "name=Bakkerij*", "--deactivate", "MijnLoket", "--cascade",
        "--repo", repo,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    after = path.read_text()
    assert "tier:" not in after and "  - MijnLoket\n" not in after
    assert "revoke Raadplegen MijnLoket e-mailadres from m.bakker@salarisbureau-noord.nl" in (
        result.output
    )
    assert "tier start -> none (MijnLoket is off)" in result.output
    for comment in comment_lines(before):
        assert comment in after, comment  # the comment above `tier:` moved, not lost
    assert_valid_and_canonical(path)


def test_removed_line_comment_is_reported(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    source = (BUNDLED / "ict-partners-utrecht.yaml").read_text()
    (tmp_path / "employers").mkdir()
    (tmp_path / "employers" / "ict.yaml").write_text(source)
    result = run_cli(
        "edit", "--deactivate", "Dossiervorming Qwoater Extended", "--cascade", "--repo", tmp_path
    )
    assert result.exit_code == 0, result.output
    assert "comment removed with its line: # Documenten, Declaraties (receipts)" in result.output


def test_grant_respects_user_types(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text(
        "version: 1\ncatalog:\n  rights:\n    Beheer loonstroken:\n"
        "      user_types: [ak-gebruiker]\n      requires: [MijnLoket]\n"
    )
    by_type = run_cli(
        "edit", "--grant", "Beheer loonstroken", "--to", "werkgevergebruiker", "--repo", tmp_path
    )
    assert by_type.exit_code == 1
    assert "a werkgevergebruiker cannot hold 'Beheer loonstroken' (only: ak-gebruiker)" in (
        by_type.output
    )
    by_login = run_cli(
        "edit", "--grant", "Beheer loonstroken", "--to", "t.bos@ictpartners-utrecht.nl",
        "--to", "ak-gebruiker", "--repo", tmp_path,
    )  # fmt: skip
    assert by_login.exit_code == 1
    assert (
        "ict-partners-utrecht.yaml: refused: t.bos@ictpartners-utrecht.nl is a "
        "werkgevergebruiker, who cannot hold Beheer loonstroken" in by_login.output
    )
    # ak-gebruikers of employers with MijnLoket got it; Groenrijk has none to grant to
    assert "Beheer loonstroken" in (tmp_path / "employers" / "bakkerij-de-vries.yaml").read_text()


def test_revoke_by_login(repo: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli("edit", "--revoke", RIGHT, "--to", "HR@ictpartners-utrecht.nl", "--repo", repo)
    assert result.exit_code == 0, result.output
    assert "revoke Raadplegen MijnLoket e-mailadres from hr@ictpartners-utrecht.nl" in result.output
    assert "8 employers selected: 1 changed, 7 unchanged" in result.output


def test_dry_run_and_diff_write_nothing(repo: Path, run_cli: Callable[..., Result]) -> None:
    before = texts(repo)
    result = run_cli(
        "edit", "--grant", RIGHT, "--to", "werkgevergebruiker", "--where", "product=MijnLoket",
        "--dry-run", "--diff", "--repo", repo,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert texts(repo) == before
    assert "2 would be changed" in result.output
    assert (
        "--- a/" in result.output and "+      - Raadplegen MijnLoket e-mailadres" in result.output
    )


def test_diff_applies_with_git(repo: Path, run_cli: Callable[..., Result]) -> None:
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    result = run_cli(
        "edit", "--activate", "MijnLoket - Salaris berekenen", "--where", "product=MijnLoket",
        "--dry-run", "--diff", "--repo", repo,
    )  # fmt: skip
    patch = "".join(line + "\n" for line in result.stdout.splitlines() if not _is_note(line))
    patch = patch.replace(f"a/{repo}/", "a/").replace(f"b/{repo}/", "b/")
    check = subprocess.run(
        ["git", "apply", "--check", "-"], cwd=repo, input=patch, text=True, capture_output=True
    )
    assert check.returncode == 0, check.stderr + patch


def _is_note(line: str) -> bool:
    return bool(re.match(r"^(\S+\.yaml: |\d+ employers selected)", line))


def test_wave_splits_stably_and_limit_holds_back(tmp_path: Path) -> None:
    write_employers(tmp_path / "employers", CATALOG, 60, seed=11)
    employers = validate_paths([tmp_path / "employers"], CATALOG).employers
    request = EditRequest(grant=(RIGHT,), to=("werkgevergebruiker",))
    seen: list[str] = []
    for k in range(1, 5):
        run = edit_files(employers, CATALOG, EditRequest(**{**request.__dict__, "wave": (k, 4)}))
        ids = [f.employer_id for f in run.files]
        assert all(wave_of(i, 4) == k for i in ids)
        assert run.outside_wave == 60 - len(ids)
        seen += ids
    assert sorted(seen) == sorted(e.employer_id for _, e in employers)
    # a smaller selection keeps every employer in its wave
    half = employers[:30]
    run = edit_files(half, CATALOG, EditRequest(**{**request.__dict__, "wave": (2, 4)}))
    assert {f.employer_id for f in run.files} == {
        e.employer_id for _, e in half if wave_of(e.employer_id, 4) == 2
    }
    limited = edit_files(employers, CATALOG, EditRequest(**{**request.__dict__, "limit": 5}))
    changed = limited.with_status("changed")
    assert len(changed) == 5
    assert changed == sorted(changed, key=lambda f: f.path)
    held = limited.with_status("held back")
    assert held and all(h.path > changed[-1].path for h in held)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--activate", "MijnLoket - Declaratie"), "did you mean 'MijnLoket - Declaraties'?"),
        (("--grant", RIGHT), "need --to"),
        (("--grant", "Raadplegen"), "unknown right"),
        ((), "nothing to do"),
        (("--activate", "Preboarding", "--wave", "5/4"), "1 <= K <= M"),
        (("--activate", "Preboarding", "--limit", "0"), "--limit must be at least 1"),
    ],
)
def test_bad_requests_exit_1_without_traceback(
    repo: Path, run_cli: Callable[..., Result], args: tuple[str, ...], message: str
) -> None:
    result = run_cli("edit", *args, "--repo", repo)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_invalid_files_stop_the_edit(repo: Path, run_cli: Callable[..., Result]) -> None:
    broken = repo / "employers" / "broken.yaml"
    broken.write_text("version: 1\nname: x\n")
    before = texts(repo)
    result = run_cli("edit", "--activate", "Preboarding", "--repo", repo)
    assert result.exit_code == 1
    assert "nothing was edited" in result.output
    assert texts(repo) == before


# -- property: any edit of a valid file gives a valid file and keeps its comments ----------


def operations(listed: list[str]) -> st.SearchStrategy[EditRequest]:
    """Edits of a file listing ``listed``: deactivations mostly of listed products."""
    products = st.sampled_from(list(CATALOG.products))
    present = st.sampled_from(listed) if listed else products
    types = st.sampled_from([("werkgevergebruiker",), ("ak-gebruiker",)])
    rights = st.sampled_from(list(CATALOG.rights))
    return st.one_of(
        st.builds(lambda p: EditRequest(activate=(p,)), products),
        st.builds(
            lambda p, c: EditRequest(deactivate=(p,), cascade=c),
            present | st.just(CATALOG.portal),
            st.booleans(),
        ),
        st.builds(lambda r, t: EditRequest(grant=(r,), to=t), rights, types),
        st.builds(lambda r, t: EditRequest(revoke=(r,), to=t), rights, types),
    )


EXPECTED_REFUSALS = (
    "is needed by",
    "not signed",
    "cannot be active together",
    "which is not active",
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_files(), st.data())
def test_any_edit_of_a_valid_file_is_valid_and_keeps_comments(
    generated: tuple[dict[str, Any], bytes], draw: st.DataObject
) -> None:
    data, raw = generated
    requests = draw.draw(st.lists(operations(data["products"]), min_size=1, max_size=3))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "employer.yaml")
        path.write_bytes(raw)
        for request in requests:
            original = path.read_text(encoding="utf-8-sig")
            employer = EmployerFile.model_validate(load_text(original).data)
            result = edit_file(str(path), employer, CATALOG, request, True, TODAY, lambda _: None)
            if result.refusal is not None:
                assert any(r in result.refusal for r in EXPECTED_REFUSALS), result.refusal
                continue
            if result.text is None:
                continue
            path.write_text(result.text, encoding="utf-8")
            checked = check_file(path, CATALOG, True, TODAY)
            assert [d for d in checked.diagnostics if d.severity == "error"] == [], result.text
            assert not format_file(path, CATALOG).changed
            kept = result.text
            for comment in comment_lines(original):
                if comment not in result.dropped:
                    assert comment.rstrip() in kept, (comment, original, kept)


def test_the_worker_pool_gives_the_same_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mijnloket_gitops.edit import pool

    write_employers(tmp_path / "employers", CATALOG, 320, seed=5)
    employers = validate_paths([tmp_path / "employers"], CATALOG).employers
    request = EditRequest(activate=("MijnLoket - Salaris berekenen",))
    parallel = edit_files(employers, CATALOG, request)
    monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 10**9)
    sequential = edit_files(employers, CATALOG, request)
    assert parallel == sequential
    assert len(parallel.with_status("changed")) > 100
    monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 300)
    written = edit_files(employers, CATALOG, request, write=True)  # by the workers
    changed = written.with_status("changed")
    assert [f.text for f in changed] == [f.text for f in parallel.with_status("changed")]
    assert all(f.written and Path(f.path).read_text() == f.text for f in changed)
    again = edit_files(
        validate_paths([tmp_path / "employers"], CATALOG).employers, CATALOG, request
    )
    assert again.with_status("changed") == []


def test_a_file_that_cannot_be_written_is_reported_and_the_rest_written(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mijnloket_gitops.files import writing

    shutil.copytree(BUNDLED, tmp_path / "employers")
    blocked = str(tmp_path / "employers" / "bakkerij-de-vries.yaml")
    real = writing._stage

    def failing(path: Path, text: str, *, sync: bool) -> Any:
        if str(path) == blocked:
            raise OSError(28, "No space left on device")
        return real(path, text, sync=sync)

    monkeypatch.setattr(writing, "_stage", failing)
    result = run_cli("edit", "--activate", "MijnLoket - Salaris berekenen", "--where",
                     "product=MijnLoket", "--repo", tmp_path)  # fmt: skip
    assert result.exit_code == 1
    assert f"error: {blocked}: cannot write: No space left on device" in result.output
    assert "Salaris berekenen" not in Path(blocked).read_text()
    others = ["ict-partners-utrecht.yaml", "zorggroep-de-linde.yaml"]
    assert all("MijnLoket - Salaris berekenen" in (tmp_path / "employers" / n).read_text()
               for n in others)  # fmt: skip


def test_limit_writes_only_the_first_n(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    before = texts(tmp_path)
    result = run_cli("edit", "--activate", "MijnLoket - Salaris berekenen", "--limit", "2",
                     "--repo", tmp_path)  # fmt: skip
    assert result.exit_code == 1  # the two employers without a signed addendum are refused
    changed = [n for n, t in texts(tmp_path).items() if t != before[n]]
    assert changed == ["bakkerij-de-vries.yaml", "installatiebedrijf-van-dijk.yaml"]
    assert "2 changed" in result.output and "held back by --limit" in result.output
