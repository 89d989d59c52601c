"""import: live state -> canonical employer files, and the round trip back through plan.

The round trip is the contract: import into an empty directory, fill in the evidence
gaps as a person would, and plan finds nothing to change, for every employer, against
the sandbox and against the emulator through the loket provider.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.onboard.existing import scan
from mijnloket_gitops.onboard.naming import MAX_SLUG, Named, assign_names, slug
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import SeededEmulator, seed_repo, start_emulator
from tests.loket_emulated import ENV, authorize, loket_config

pytest_plugins = ("tests.emulator_fixtures",)

UNKNOWN = "Loonstrook Plus"
RIGHT = "Raadplegen MijnLoket e-mailadres"
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.yaml$")
NULL_DATE = "signed_on: null"
NULL_TICKET = "ticket: null"
PENDING = "  evidence: pending\n"


def run(repo: Path, *args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [*map(str, args), "--repo", str(repo)])
    assert "Traceback" not in result.output, result.output
    assert "internal error" not in result.output, result.output
    return result


def live_ids(db: Path) -> list[str]:
    with Store.open(db) as store:
        return [e.employer_id for e in store.employers()]


def files_in(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.yaml"))}


def fill_gaps(directory: Path) -> int:
    """Replace every evidence gap as a person would; the number of files changed."""
    changed = 0
    for path in directory.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        filled = text.replace(NULL_DATE, "signed_on: 2025-02-03")
        filled = filled.replace(NULL_TICKET, 'ticket: "LKT-20250203"')
        filled = filled.replace(PENDING, "")
        if filled != text:
            path.write_text(filled, encoding="utf-8")
            changed += 1
    return changed


def use_directory(repo: Path, directory: str, provider: list[str] | None = None) -> None:
    lines = ["version: 1", f"employers_dir: {directory}", *(provider or [])]
    (repo / "mijnloket-gitops.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def assert_round_trip(repo: Path, out: Path, expected: int) -> None:
    """fmt-clean, only evidence-pending warnings and no changes to plan; once the evidence
    is filled in, validate is clean and plan still has nothing to do."""
    written = files_in(out)
    assert len(written) == expected
    assert all(SAFE_NAME.match(name) for name in written)
    fmt = run(repo, "fmt", "--check", out)
    assert fmt.exit_code == 0, fmt.output
    validated = run(repo, "validate", out, "--format", "json")
    diagnostics = json.loads(validated.stdout)["diagnostics"]
    assert {(d["rule"], d["severity"]) for d in diagnostics} <= {("evidence-pending", "warning")}
    assert validated.exit_code == 0, "pending evidence is a warning, not an error"
    signed = [name for name, text in written.items() if "status: signed" in text]
    assert len(diagnostics) == len(signed)
    for name in signed:
        assert written[name].count(": null") == 2, written[name]
        assert written[name].count(PENDING) == 1, written[name]
    pending = run(repo, "plan", "--detailed-exitcode", "--format", "json")
    assert pending.exit_code == 0, "pending evidence blocks no plan: " + pending.output
    assert fill_gaps(out) == len(signed)
    assert run(repo, "validate", "--strict", out).exit_code == 0
    plan = run(repo, "plan", "--detailed-exitcode", "--format", "json")
    assert plan.exit_code == 0, plan.output
    summary = json.loads(plan.stdout)["summary"]
    assert summary["employers_managed"] == expected
    assert summary["employers_unmanaged"] == 0
    assert summary["employers_changed"] == 0


# Round trips


def test_round_trip_against_the_sandbox(tmp_path: Path) -> None:
    repo, db, _ = seed_repo(tmp_path, employers=300, seed=5)
    with Store.open(db) as store, store.write("test") as tx:
        tx.activate(live_ids(db)[0], UNKNOWN)
    out = repo / "imported"
    result = run(repo, "import", "--all", "--output-dir", out)
    assert result.exit_code == 0, result.output
    count = len(live_ids(db))
    assert count == 303  # three unmanaged employers come with the seed
    assert f"{count} written, 0 skipped (exists), 1 unknown product," in result.stdout
    assert "evidence gaps to fill" in result.stdout
    use_directory(repo, "imported")
    assert_round_trip(repo, out, count)


def test_round_trip_against_the_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with start_emulator(tmp_path, employers=300, seed=9) as started:
        repo = started.repo
        authorize(started.server, repo)
        config = loket_config(started.server)
        use_directory(
            repo,
            "imported",
            [
                "provider:",
                "  type: loket",
                f"  api_url: {config.api_url}",
                f"  oauth_url: {config.oauth_url}",
                "  requests_per_second: 10000",
                "  concurrency: 8",
            ],
        )
        first = live_ids(started.db)[0]
        started.server.switch_module(first, UNKNOWN, True)
        result = run(repo, "import", "--all")
        assert result.exit_code == 0, result.output
        assert f"{UNKNOWN!r}" in result.output
        out = repo / "imported"
        written = files_in(out)
        # The loket provider cannot see ak-gebruikers: every file says so.
        assert all("Rights of ak-gebruikers could not be read" in t for t in written.values())
        assert not any("type: ak-gebruiker" in t for t in written.values())
        assert sum(f"  - {UNKNOWN}" in t for t in written.values()) == 1
        assert_round_trip(repo, out, len(live_ids(started.db)))


# What live state cannot tell


def small(tmp_path: Path, employers: int = 4) -> tuple[Path, Path]:
    repo, db, _ = seed_repo(tmp_path, employers=employers, seed=3)
    return repo, db


def employer_with_portal(db: Path) -> tuple[str, str]:
    """An employer with MijnLoket live and one of its werkgevergebruikers."""
    with Store.open(db) as store:
        for record in store.employers():
            live = store.live([record.employer_id])[record.employer_id]
            users = [u.login for u in live.users.values() if u.type == "werkgevergebruiker"]
            if "MijnLoket" in live.products and users:
                return record.employer_id, users[0]
    raise AssertionError("the seed has no employer with MijnLoket and a werkgevergebruiker")


def test_unknown_products_and_rights_stay_visible(tmp_path: Path) -> None:
    repo, db = small(tmp_path)
    employer_id, login = employer_with_portal(db)
    with Store.open(db) as store, store.write("test") as tx:
        tx.activate(employer_id, UNKNOWN)
        tx.grant(employer_id, login, "Salarisstroken inzien")
    out = tmp_path / "out"
    result = run(repo, "import", "--employer", employer_id, "--output-dir", out)
    assert result.exit_code == 0, result.output
    assert f"live products not in the catalog, kept as a comment: {UNKNOWN!r}" in result.output
    assert "1 written, 0 skipped (exists), 1 unknown product, 2 evidence gaps" in result.stdout
    ((_, text),) = files_in(out).items()
    doc = load_text(text)
    assert UNKNOWN not in doc.data["products"]
    assert f"#   - {UNKNOWN}\n" in text
    assert f"#   - Salarisstroken inzien ({login})\n" in text
    assert all(RIGHT in u["rights"] for u in doc.data["users"])


def test_evidence_gaps_and_unknown_addendum_are_commented(tmp_path: Path) -> None:
    repo, _ = small(tmp_path, employers=12)
    out = repo / "out"
    assert run(repo, "import", "--all", "--output-dir", out).exit_code == 0
    texts = files_in(out).values()
    signed = [t for t in texts if "status: signed" in t]
    unsigned = [t for t in texts if "status: none" in t]
    assert signed and unsigned
    for text in signed:
        assert "then remove `evidence: pending`" in text and "leaves it alone" in text
        assert PENDING in text
        assert "  signed_on: null  # YYYY-MM-DD\n" in text
        assert "  ticket: null  #" in text
        assert "\ntier: " in text
    for text in unsigned:
        assert "cannot tell whether an addendum was requested" in text
        assert "tier:" not in text
    for text in texts:
        assert text.startswith("# yaml-language-server: $schema=../schemas/employer.schema.json\n")


# File names


def add_employers(db: Path, names: list[str]) -> dict[str, str]:
    """Employers with these names, live; their ids by name (the last of equal names)."""
    ids: dict[str, str] = {}
    with Store.open(db) as store, store.write("test") as tx:
        for number, name in enumerate(names, 80_000):
            employer_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"employer:{number}"))
            tx.add_employer(employer_id, name, employer_number=number)
            tx.activate(employer_id, "Verlofregistratie")
            ids[name] = employer_id
    return ids


UNSAFE = [
    "../../etc/passwd",
    ".hidden",
    "CON",
    "sub/dir\\name",
    "Café Ünïcode B.V.",
    "!!!",
    "",
    "x" * 300,
    "Bakkerij De Vries B.V.",
    "bakkerij de vries",
    "BAKKERIJ-DE-VRIES",
]


def test_unsafe_and_colliding_names(tmp_path: Path) -> None:
    repo, db = small(tmp_path, employers=1)
    ids = add_employers(db, UNSAFE)
    out = tmp_path / "deep" / "out"
    before = set(tmp_path.rglob("*"))
    result = run(repo, "import", "--all", "--output-dir", out)
    assert result.exit_code == 0, result.output
    written = files_in(out)
    assert len(written) == len(live_ids(db))
    assert {p.parent for p in set(tmp_path.rglob("*")) - before} <= {out, out.parent, tmp_path}
    assert not list(out.glob(".*"))
    for name in written:
        assert SAFE_NAME.match(name), name
        assert len(name) <= MAX_SLUG + len("-") + 8 + len(".yaml")
    by_id = {load_text(t).data["employer_id"]: n for n, t in written.items()}
    assert by_id[ids["../../etc/passwd"]] == "etc-passwd.yaml"
    assert by_id[ids[".hidden"]] == "hidden.yaml"
    assert by_id[ids["CON"]] == "employer-con.yaml"
    assert by_id[ids["Café Ünïcode B.V."]] == "cafe-unicode.yaml"
    assert by_id[ids["sub/dir\\name"]] == "sub-dir-name.yaml"
    empty = ids[""]
    assert by_id[empty] == f"employer-{empty[:8]}.yaml"  # "!!!" is "employer" too
    assert by_id[ids["!!!"]] == f"employer-{ids['!!!'][:8]}.yaml"
    assert f"name: {empty}  # Loket has no company name" in written[by_id[empty]]
    for twin in ("bakkerij de vries", "BAKKERIJ-DE-VRIES", "Bakkerij De Vries B.V."):
        assert by_id[ids[twin]] == f"bakkerij-de-vries-{ids[twin][:8]}.yaml"
    # The same live state always gives the same names.
    again = tmp_path / "again"
    assert run(repo, "import", "--all", "--output-dir", again).exit_code == 0
    assert {load_text(t).data["employer_id"]: n for n, t in files_in(again).items()} == by_id


def test_slugs() -> None:
    assert slug("Bakkerij De Vries B.V.") == "bakkerij-de-vries"
    assert slug("Hoveniersbedrijf Groenrijk V.O.F.") == "hoveniersbedrijf-groenrijk"
    assert slug("../..") == "employer"
    assert slug("B.V.") == "b-v"  # a legal form alone is the whole name
    assert slug("nul") == "employer-nul"
    assert slug("Ærø  Øst") == "aero-ost"
    assert slug("Straße Łódź") == "strasse-lodz"
    assert len(slug("a-" * 100)) <= MAX_SLUG and not slug("a-" * 100).endswith("-")


def test_names_do_not_depend_on_order_or_collide_with_taken_names() -> None:
    employers = [
        Named("22222222-0000-4000-8000-000000000000", "Acme"),
        Named("11111111-0000-4000-8000-000000000000", "ACME B.V."),
        Named("33333333-0000-4000-8000-000000000000", "Acme 11111111"),
        Named("44444444-0000-4000-8000-000000000000", "Solo"),
        Named("55555555-0000-4000-8000-000000000000", "Taken"),
    ]
    names = assign_names(employers, {"taken"})
    assert names == assign_names(reversed(employers), {"taken"})
    assert len(set(names.values())) == len(employers)
    assert names["44444444-0000-4000-8000-000000000000"] == "solo.yaml"
    assert names["55555555-0000-4000-8000-000000000000"] == "taken-55555555.yaml"
    assert names["33333333-0000-4000-8000-000000000000"] == "acme-11111111.yaml"
    # The plain name of another employer pushes the suffix to more digits.
    assert names["11111111-0000-4000-8000-000000000000"] == "acme-111111110000.yaml"


# Dry run, overwriting, errors


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    yield small(tmp_path, employers=6)


def test_dry_run_writes_nothing(seeded: tuple[Path, Path], tmp_path: Path) -> None:
    repo, db = seeded
    out = tmp_path / "out"
    result = run(repo, "import", "--all", "--dry-run", "--output-dir", out)
    assert result.exit_code == 0, result.output
    assert not out.exists()
    lines = [line for line in result.stdout.splitlines() if line.startswith("would write ")]
    assert len(lines) == len(live_ids(db))
    assert all(str(out) in line and "(" in line for line in lines)
    assert f"{len(lines)} would be written" in result.stdout


def test_existing_files_are_kept_unless_forced(seeded: tuple[Path, Path], tmp_path: Path) -> None:
    repo, _ = seeded
    out = repo / "employers"  # the default: the seeded files are there already
    before = files_in(out)
    refused = run(repo, "import", "--all")
    assert refused.exit_code == 1, refused.output
    assert files_in(out).keys() - before.keys() == {
        "drukkerij-van-der-meer.yaml",
        "garage-hoekstra.yaml",
        "stichting-thuiszorg-oostrand.yaml",
    }  # the unmanaged employers are new; the managed ones keep their files untouched
    assert {n: t for n, t in files_in(out).items() if n in before} == before
    assert f"{len(before)} skipped (exists)" in refused.stdout
    assert "use --force to replace it" in refused.output
    dry = run(repo, "import", "--all", "--dry-run")
    assert dry.exit_code == 1 and "exists, not overwritten" in dry.output
    forced_dry = run(repo, "import", "--all", "--dry-run", "--force")
    assert forced_dry.exit_code == 0 and "would overwrite" in forced_dry.stdout
    assert {n: t for n, t in files_in(out).items() if n in before} == before
    forced = run(repo, "import", "--all", "--force")
    assert forced.exit_code == 0, forced.output
    after = files_in(out)
    assert after.keys() == set(before) | {
        "drukkerij-van-der-meer.yaml",
        "garage-hoekstra.yaml",
        "stichting-thuiszorg-oostrand.yaml",
    }
    assert all(text.startswith("# yaml-language-server") for text in after.values())
    assert all(after[name] != before[name] for name in before)


def test_an_employer_keeps_its_file_wherever_it_is(
    seeded: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, db = seeded
    out = tmp_path / "out"
    employer_id = live_ids(db)[0]
    assert run(repo, "import", "--employer", employer_id, "--output-dir", out).exit_code == 0
    ((name, _),) = files_in(out).items()
    moved = out / "team" / "renamed.yaml"
    moved.parent.mkdir()
    (out / name).rename(moved)
    kept = run(repo, "import", "--employer", employer_id, "--output-dir", out)
    assert kept.exit_code == 1 and str(moved) in kept.output
    forced = run(repo, "import", "--employer", employer_id, "--output-dir", out, "--force")
    assert forced.exit_code == 0 and f"overwrote {moved}" in forced.stdout
    assert files_in(out) == {}
    assert moved.read_text().startswith("# yaml-language-server: $schema=../../")


def test_unknown_employer_is_a_clear_error(seeded: tuple[Path, Path], tmp_path: Path) -> None:
    repo, db = seeded
    out = tmp_path / "out"
    missing = "00000000-0000-4000-8000-000000000000"
    first = live_ids(db)[0]
    result = run(repo, "import", "--employer", first, "--employer", missing, "--output-dir", out)
    assert result.exit_code == 1
    assert f"no employer with id {missing}" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [[], ["--all", "--employer", "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"], ["--employer", "../x"]],
)
def test_usage_errors(seeded: tuple[Path, Path], args: list[str]) -> None:
    repo, _ = seeded
    result = run(repo, "import", *args)
    assert result.exit_code == ExitCode.USAGE, result.output


def test_emulator_fixture_import_single(
    emulator: SeededEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plain fixture: --employer through the loket provider."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    authorize(emulator.server, emulator.repo)
    config = loket_config(emulator.server)
    use_directory(
        emulator.repo,
        "imported",
        [
            "provider:",
            "  type: loket",
            f"  api_url: {config.api_url}",
            f"  oauth_url: {config.oauth_url}",
        ],
    )
    employer_id = emulator.employers[0][1].employer_id
    result = run(emulator.repo, "import", "--employer", employer_id)
    assert result.exit_code == 0, result.output
    assert len(files_in(emulator.repo / "imported")) == 1


def test_an_employer_id_that_is_no_uuid_fails_that_employer_only(
    seeded: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, db = seeded
    with Store.open(db) as store, store.write("test") as tx:
        tx.add_employer("../not-a-uuid", "Vreemd B.V.", employer_number=99_999)
    out = tmp_path / "out"
    result = run(repo, "import", "--all", "--output-dir", out)
    assert result.exit_code == 1
    failed = "vreemd.yaml (Vreemd B.V., ../not-a-uuid): error: cannot be written as an employer"
    assert failed in result.output
    assert "1 failed" in result.stdout
    assert len(files_in(out)) == len(live_ids(db)) - 1


def test_an_existing_file_with_an_upper_case_suffix_keeps_its_name(tmp_path: Path) -> None:
    """``BAKKERIJ.YAML`` is an employer file like any other (discovery reads it), so a
    new employer whose name slugs to ``bakkerij`` must not be given ``bakkerij.yaml``:
    on a case-insensitive file system that would overwrite the other employer's file."""
    (tmp_path / "BAKKERIJ.YAML").write_text("version: 1\nemployer_id: A-1\nname: Bakkerij\n")
    (tmp_path / "Garage.Yml").write_text("version: 1\nemployer_id: B-2\nname: Garage\n")
    existing = scan(tmp_path)
    assert existing.taken == {"bakkerij", "garage"}
    assert existing.file_of("a-1") == tmp_path / "BAKKERIJ.YAML"
    names = assign_names([Named("C-3", "Bakkerij"), Named("D-4", "Garage")], existing.taken)
    assert names["C-3"].casefold() != "bakkerij.yaml"
    assert names["D-4"].casefold() not in ("garage.yaml", "garage.yml")
