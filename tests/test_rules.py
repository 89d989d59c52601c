"""Every rule fires at the exact node it is about, with its severity and hint.

Each file in ``fixtures/invalid/`` is an otherwise valid employer file that breaks one
rule; its first lines say what ``validate`` must report::

    # expect: <rule> <severity> <line>:<column>
    # hint: <text the hint contains>        (optional)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.catalog import Catalog, extend_catalog
from mijnloket_gitops.tier import derive_tier
from mijnloket_gitops.validate.diagnostics import RULES, Diagnostic
from mijnloket_gitops.validate.runner import validate_paths

FIXTURES = Path(__file__).parent / "fixtures" / "invalid"
_EXPECT = re.compile(
    r"# expect: (?P<rule>\S+) (?P<severity>error|warning) (?P<line>\d+):(?P<col>\d+)"
)
_HINT = re.compile(r"# hint: (?P<hint>.+)")
CROSS_FILE_RULES = {"duplicate-employer", "user-type-conflict"}

WriteYaml = Callable[..., Path]
RunCli = Callable[..., Result]


def check(path: Path, catalog: Catalog, **options: object) -> list[Diagnostic]:
    return validate_paths([path], catalog, **options).diagnostics  # type: ignore[arg-type]


def where(d: Diagnostic) -> tuple[str, str, int, int]:
    return (d.rule, d.severity, d.line, d.column)


# -- one fixture per rule ---------------------------------------------------------------


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_fixture_fires_its_rule_at_the_exact_node(fixture: Path, catalog: Catalog) -> None:
    text = fixture.read_text(encoding="utf-8")
    expect = _EXPECT.search(text)
    assert expect, f"{fixture.name} lacks an '# expect:' line"
    assert expect["rule"] == fixture.stem, "name the fixture after its rule"
    diagnostics = check(fixture, catalog, today=dt.date(2026, 6, 1))
    assert [where(d) for d in diagnostics] == [
        (expect["rule"], expect["severity"], int(expect["line"]), int(expect["col"]))
    ], diagnostics
    assert diagnostics[0].severity == RULES[expect["rule"]].severity
    hint = _HINT.search(text)
    if hint:
        assert diagnostics[0].hint is not None
        assert hint["hint"] in diagnostics[0].hint


# -- rules that need input a text fixture cannot hold -------------------------------------


def test_encoding(write_yaml: WriteYaml, catalog: Catalog) -> None:
    path = write_yaml("latin1.yaml", "naam: Bakkerij Caf\xe9\n".encode("latin-1"))
    assert [where(d) for d in check(path, catalog)] == [("encoding", "error", 1, 19)]


def test_file_limits(write_yaml: WriteYaml, catalog: Catalog) -> None:
    path = write_yaml("big.yaml", b"# padding\n" * 110_000)
    assert [where(d) for d in check(path, catalog)] == [("file-limits", "error", 1, 1)]


def test_file_read(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "gone.yaml"
    path.symlink_to(tmp_path / "nowhere.yaml")
    [diagnostic] = check(path, catalog)
    assert where(diagnostic) == ("file-read", "error", 1, 1)
    assert diagnostic.path == str(path)


def test_no_files(tmp_path: Path, catalog: Catalog) -> None:
    (tmp_path / "README.md").write_text("no employers here\n")
    [diagnostic] = check(tmp_path, catalog)
    assert where(diagnostic) == ("no-files", "error", 1, 1)
    assert diagnostic.hint


def test_right_user_type(write_yaml: WriteYaml, catalog: Catalog, valid_employer: str) -> None:
    narrowed = extend_catalog(
        catalog, {}, {"Raadplegen MijnLoket e-mailadres": {"user_types": ("ak-gebruiker",)}}
    )
    path = write_yaml(
        "employer.yaml",
        valid_employer
        + "users:\n"
        + "  - login: p.de.vries@bakkerijdevries.nl\n"
        + "    type: werkgevergebruiker\n"
        + "    rights:\n"
        + "      - Raadplegen MijnLoket e-mailadres\n",
    )
    [diagnostic] = check(path, narrowed)
    assert where(diagnostic) == ("right-user-type", "error", 15, 9)
    assert diagnostic.hint == "it can be given to: ak-gebruiker"


INLINE_RULES = {"encoding", "file-limits", "file-read", "no-files", "right-user-type"}


def test_every_single_file_rule_has_a_case() -> None:
    covered = {p.stem for p in FIXTURES.glob("*.yaml")} | INLINE_RULES
    assert covered == set(RULES) - CROSS_FILE_RULES


# -- variants of rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected", "hint"),
    [
        (
            "employer_id: 0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10",
            "employer_id: 12345",
            (2, 14),
            'quote it so YAML keeps it as text: "12345"',
        ),
        ('ticket: "LKT-48211"', "ticket: 48211", (7, 11), '"48211"'),
        ("employer_id: 0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10", "employer_id: abc", (2, 14), "UUID"),
        ("version: 1", "version: 2", (1, 10), None),
        ("tier: start", "tier: yes", (8, 7), None),
        ("  status: signed", "  status: on", (5, 11), None),
        ("  signed_on: 2025-03-14", "  signed_on: 14-03-2025", (6, 14), None),
        ("  ticket:", "  tikcet:", (7, 3), "did you mean 'ticket'?"),
        ("name: Bakkerij De Vries B.V.", "name: ''", (3, 7), None),
        ("name: Bakkerij De Vries B.V.", "name: x\n5: y", (4, 1), "quote the key"),
        ("products:\n  - MijnLoket", "products: MijnLoket", (9, 11), None),
        ("products:\n  - MijnLoket", "products:\n  - MijnLoket\n  - 42", (11, 5), '"42"'),
    ],
)
def test_schema_problems_point_at_the_value(
    write_yaml: WriteYaml,
    catalog: Catalog,
    valid_employer: str,
    old: str,
    new: str,
    expected: tuple[int, int],
    hint: str | None,
) -> None:
    assert old in valid_employer
    path = write_yaml("employer.yaml", valid_employer.replace(old, new))
    diagnostics = [d for d in check(path, catalog) if d.rule == "schema"]
    assert [(d.line, d.column) for d in diagnostics] == [expected], diagnostics
    if hint:
        assert diagnostics[0].hint is not None
        assert hint in diagnostics[0].hint


def test_schema_messages_name_list_items(
    write_yaml: WriteYaml, catalog: Catalog, valid_employer: str
) -> None:
    text = valid_employer + "  - 42\nusers:\n  - login: a@b.nl\n    type: klant\n"
    [product, user_type] = check(write_yaml("employer.yaml", text), catalog)
    assert product.message == "products[1]: expected a string, got a number (42)"
    assert (user_type.line, user_type.column) == (14, 11)
    assert user_type.message.startswith("users[0].type: 'klant' is not one of")


def test_missing_required_key_points_at_its_mapping(
    write_yaml: WriteYaml, catalog: Catalog, valid_employer: str
) -> None:
    path = write_yaml("employer.yaml", valid_employer.replace("  status: signed\n", ""))
    [diagnostic] = check(path, catalog)
    assert where(diagnostic) == ("schema", "error", 5, 3)
    assert "'status'" in diagnostic.message


@pytest.mark.parametrize(
    ("old", "new", "expected", "message"),
    [
        ("  signed_on: 2025-03-14\n", "", (5, 11), "signed_on is missing"),
        ("  signed_on: 2025-03-14", "  signed_on: 2026-06-02", (6, 14), "in the future"),
        ("  signed_on: 2025-03-14", "  signed_on: 2025-02-30", (6, 14), "not a real date"),
    ],
)
def test_addendum_evidence_variants(
    write_yaml: WriteYaml,
    catalog: Catalog,
    valid_employer: str,
    old: str,
    new: str,
    expected: tuple[int, int],
    message: str,
) -> None:
    path = write_yaml("employer.yaml", valid_employer.replace(old, new))
    [diagnostic] = check(path, catalog, today=dt.date(2026, 6, 1))
    assert where(diagnostic) == ("addendum-evidence", "error", *expected)
    assert message in diagnostic.message


def test_signed_today_is_not_in_the_future(
    write_yaml: WriteYaml, catalog: Catalog, valid_employer: str
) -> None:
    path = write_yaml("employer.yaml", valid_employer.replace("2025-03-14", "2026-06-01"))
    assert check(path, catalog, today=dt.date(2026, 6, 1)) == []


def test_missing_one_of_dependency_names_the_options(
    write_yaml: WriteYaml, catalog: Catalog, valid_employer: str
) -> None:
    path = write_yaml("employer.yaml", valid_employer + "  - MijnLoket - Documenten\n")
    [diagnostic] = check(path, catalog)
    assert where(diagnostic) == ("missing-dependency", "error", 11, 5)
    assert diagnostic.hint == (
        "add one of 'Dossiervorming Qwoater Lite' or 'Dossiervorming Qwoater Extended' to products"
    )


def test_missing_tier_points_at_mijnloket_and_names_the_products(
    write_yaml: WriteYaml, catalog: Catalog, valid_employer: str
) -> None:
    text = valid_employer.replace("tier: start\n", "") + "  - MijnLoket - Declaraties\n"
    text += "  - Workflow editor\n  - Dossiervorming Qwoater Lite\n"
    path = write_yaml("employer.yaml", text)
    [diagnostic] = check(path, catalog)
    assert where(diagnostic) == ("tier-mismatch", "error", 9, 5)
    assert "MijnLoket - Declaraties (plus)" in diagnostic.message
    assert diagnostic.hint is not None
    assert "tier: plus" in diagnostic.hint


def test_unknown_product_without_a_close_name_points_at_the_catalog(
    write_yaml: WriteYaml, catalog: Catalog, valid_employer: str
) -> None:
    path = write_yaml("employer.yaml", valid_employer + "  - Zzz\n")
    [diagnostic] = check(path, catalog)
    assert where(diagnostic) == ("unknown-product", "error", 11, 5)
    assert diagnostic.hint is not None
    assert "mijnloket-gitops catalog" in diagnostic.hint


# -- the article's example ------------------------------------------------------------------


def test_article_example_verlofaanvragen_gives_plus_then_preboarding_gives_pro(
    catalog: Catalog,
) -> None:
    leave = ["MijnLoket", "MijnLoket - Verlofaanvragen", "Verlofregistratie", "Verlofregeling"]
    plus = derive_tier(catalog, leave)
    assert plus.tier == "plus"
    assert plus.reasons == (("MijnLoket - Verlofaanvragen", "plus"),)
    pro = derive_tier(catalog, [*leave, "MijnLoket - Preboarding", "Preboarding"])
    assert pro.tier == "pro"
    assert ("MijnLoket - Preboarding", "pro") in pro.reasons
    assert derive_tier(catalog, ["MijnLoket"]).tier == "start"
    assert derive_tier(catalog, ["Verlofregistratie"]).tier is None


def test_article_example_in_files(
    write_yaml: WriteYaml, catalog: Catalog, valid_employer: str
) -> None:
    leave = valid_employer + (
        "  - MijnLoket - Verlofaanvragen\n  - Verlofregistratie\n  - Verlofregeling\n"
    )
    path = write_yaml("employer.yaml", leave.replace("tier: start", "tier: plus"))
    assert check(path, catalog) == []
    path.write_text(leave.replace("tier: start", "tier: plus") + "  - MijnLoket - Preboarding\n")
    # Without the Preboarding product it needs, MijnLoket - Preboarding is still Pro.
    assert [d.rule for d in check(path, catalog)] == ["tier-mismatch", "missing-dependency"]
    path.write_text(
        leave.replace("tier: start", "tier: plus")
        + "  - MijnLoket - Preboarding\n  - Preboarding\n"
    )
    [diagnostic] = check(path, catalog)
    assert where(diagnostic) == ("tier-mismatch", "error", 8, 7)
    assert "'pro'" in diagnostic.message
    assert "MijnLoket - Preboarding (pro)" in diagnostic.message


# -- across files ------------------------------------------------------------------------


def test_duplicate_employer_is_reported_on_both_files(
    write_yaml: WriteYaml, catalog: Catalog, valid_employer: str, tmp_path: Path
) -> None:
    first = write_yaml("a.yaml")
    second = write_yaml(
        "sub/b.yaml",
        "# the same employer again\n"
        + valid_employer.replace("0d7c5a3b-1f7e", "0D7C5A3B-1F7E").replace("Bakkerij", "Bakker"),
    )
    write_yaml("c.yaml", valid_employer.replace("9a10", "9a11"))
    diagnostics = validate_paths([tmp_path], catalog).diagnostics
    assert [(d.path, d.rule, d.line, d.column) for d in diagnostics] == [
        (str(first), "duplicate-employer", 2, 14),
        (str(second), "duplicate-employer", 3, 14),
    ]
    assert str(second) in diagnostics[0].message
    assert str(first) in diagnostics[1].message


def test_all_problems_of_all_files_in_one_run(
    write_yaml: WriteYaml, catalog: Catalog, valid_employer: str, tmp_path: Path
) -> None:
    write_yaml("broken.yaml", "name: [\n")
    write_yaml("latin1.yaml", b"name: \xe9\n")
    write_yaml(
        "two-problems.yaml",
        valid_employer.replace("tier: start", "tier: pro") + "  - Onbekend product\n",
    )
    write_yaml("good.yaml", valid_employer.replace("9a10", "9a11"))
    result = validate_paths([tmp_path], catalog)
    assert sorted((Path(d.path).name, d.rule) for d in result.diagnostics) == [
        ("broken.yaml", "yaml-syntax"),
        ("latin1.yaml", "encoding"),
        ("two-problems.yaml", "tier-mismatch"),
        ("two-problems.yaml", "unknown-product"),
    ]
    assert len(result.files) == 4
    assert result.errors == 4


# -- the repository configuration ----------------------------------------------------------


def repo_with(tmp_path: Path, config: str, employer: str) -> Path:
    (tmp_path / "mijnloket-gitops.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "employers").mkdir()
    (tmp_path / "employers" / "employer.yaml").write_text(employer, encoding="utf-8")
    return tmp_path


def diagnostics_of(result: Result) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(result.stdout)["diagnostics"]
    return data


def test_config_require_tier_false(tmp_path: Path, run_cli: RunCli, valid_employer: str) -> None:
    no_tier = valid_employer.replace("tier: start\n", "")
    repo = repo_with(tmp_path, "version: 1\n", no_tier)
    before = run_cli("validate", "--repo", repo, "--format", "json")
    assert before.exit_code == 1
    assert [d["rule"] for d in diagnostics_of(before)] == ["tier-mismatch"]
    (repo / "mijnloket-gitops.yaml").write_text("version: 1\nrequire_tier: false\n")
    after = run_cli("validate", "--repo", repo, "--format", "json")
    assert after.exit_code == 0, after.output
    assert diagnostics_of(after) == []
    # A tier that is written down must still be right.
    (repo / "employers" / "employer.yaml").write_text(
        valid_employer.replace("tier: start", "tier: pro")
    )
    wrong = run_cli("validate", "--repo", repo, "--format", "json")
    assert [d["rule"] for d in diagnostics_of(wrong)] == ["tier-mismatch"]


def test_config_adds_a_product_with_a_tier(
    tmp_path: Path, run_cli: RunCli, valid_employer: str
) -> None:
    config = "catalog:\n  products:\n    Nieuwe module:\n      tier: pro\n"
    employer = valid_employer.replace("tier: start", "tier: pro") + "  - Nieuwe module\n"
    repo = repo_with(tmp_path, config, employer)
    result = run_cli("validate", "--repo", repo)
    assert result.exit_code == 0, result.output
    explained = run_cli("explain", "--repo", repo, "--format", "json", repo / "employers")
    assert json.loads(explained.stdout)[0]["reasons"] == [
        {"product": "Nieuwe module", "tier": "pro"}
    ]


def test_config_adds_a_product_with_requirements(
    tmp_path: Path, run_cli: RunCli, valid_employer: str
) -> None:
    config = (
        "catalog:\n  products:\n    Nieuwe module:\n      tier: plus\n"
        "      requires: [MijnLoket, Workflow editor]\n"
    )
    employer = valid_employer.replace("tier: start", "tier: plus") + "  - Nieuwe module\n"
    repo = repo_with(tmp_path, config, employer)
    result = run_cli("validate", "--repo", repo, "--format", "json")
    assert [(d["rule"], d["line"]) for d in diagnostics_of(result)] == [
        ("missing-dependency", 11)
    ], result.output


def test_config_dependency_severity_warning(
    tmp_path: Path, run_cli: RunCli, valid_employer: str
) -> None:
    config = (
        "catalog:\n  products:\n    MijnLoket - Verlofaanvragen:\n"
        "      dependency_severity: warning\n"
    )
    employer = valid_employer.replace("tier: start", "tier: plus") + (
        "  - MijnLoket - Verlofaanvragen\n  - Verlofregistratie\n"
    )
    repo = repo_with(tmp_path, config, employer)
    result = run_cli("validate", "--repo", repo, "--format", "json")
    assert result.exit_code == 0, result.output
    [diagnostic] = diagnostics_of(result)
    assert (diagnostic["rule"], diagnostic["severity"], diagnostic["line"]) == (
        "missing-dependency",
        "warning",
        11,
    )
    assert run_cli("validate", "--repo", repo, "--strict").exit_code == 1


@pytest.mark.parametrize(
    ("config", "location", "message"),
    [
        ("require_tier: yes\n", ":1:15:", "expected true or false"),
        ("version: 1\nversion: 1\n", ":2:1:", "more than once"),
        ("version: 1\nrequier_tier: false\n", ":2:1:", "unknown key 'requier_tier'"),
        ("catalog: [\n", ":2:1:", ""),
        (
            "catalog:\n  products:\n    MijnLoket:\n      dependency_severity: warn\n",
            ":4:28:",
            "'warn'",
        ),
    ],
)
def test_broken_config_is_a_clean_error(
    tmp_path: Path,
    run_cli: RunCli,
    valid_employer: str,
    config: str,
    location: str,
    message: str,
) -> None:
    repo = repo_with(tmp_path, config, valid_employer)
    result = run_cli("validate", "--repo", repo)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {repo / 'mijnloket-gitops.yaml'}{location}")
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
