"""The committed JSON Schemas, the bundled examples and the catalog's content."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from jsonschema import Draft202012Validator

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.loader import load_bytes
from mijnloket_gitops.schema import SCHEMA_FILES, config_schema, employer_schema, render

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
EXAMPLES = sorted((ROOT / "employers").rglob("*.y*ml"))
FIXTURES = Path(__file__).parent / "fixtures" / "invalid"
RunCli = Callable[..., Result]
REGENERATE = "the committed schema is stale: run `mijnloket-gitops schema --output-dir schemas`"

QWOATER = ("Dossiervorming Qwoater Lite", "Dossiervorming Qwoater Extended")
ML = "MijnLoket"
# The product table of the project's domain notes (shared/domain.md), row by row:
# name, tier effect, requires, requires_one_of, excludes.
DOMAIN_TABLE: list[tuple[str, str, list[str], list[tuple[str, ...]], list[str]]] = [
    (ML, "start", [], [], []),
    ("MijnLoket - Documenten", "start", [ML], [QWOATER], []),
    ("MijnLoket - Verlofkaart", "start", [ML, "Verlofregistratie", "Verlofregeling"], [], []),
    ("MijnLoket - Persoonsgegevens inzien", "start", [ML], [], []),
    ("MijnLoket - Verzekeringen vergelijken", "start", [ML], [], []),
    ("MijnLoket - Declaraties", "plus", [ML, "Workflow editor"], [QWOATER], []),
    ("MijnLoket - Persoonsgegevens wijzigen", "plus", [ML, "Workflow editor"], [], []),
    ("MijnLoket - Verlofaanvragen", "plus", [ML, "Verlofregistratie", "Verlofregeling"], [], []),
    ("MijnLoket - Verlofkalender", "plus", [ML, "Verlofregistratie"], [], []),
    ("MijnLoket - Salaris berekenen", "plus", [ML], [], []),
    ("MijnLoket - Assistent", "pro", [ML], [], []),
    ("MijnLoket - Preboarding", "pro", [ML, "Preboarding"], [], []),
    ("MijnLoket - Assistent bedrijfsregelingen", "pro", [ML], [], []),
    ("Management Self Service", "pro", [ML], [], []),
    ("Workflow editor", "none", [], [], []),
    ("Dossiervorming Qwoater Lite", "none", [], [], ["Dossiervorming Qwoater Extended"]),
    ("Dossiervorming Qwoater Extended", "none", [], [], ["Dossiervorming Qwoater Lite"]),
    ("Preboarding", "none", [], [], []),
    ("Verlofregistratie", "none", [], [], []),
    ("Verlofregeling", "none", [], [], []),
]


def committed(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / SCHEMA_FILES[name]).read_text("utf-8"))
    return data


def load_yaml(path: Path) -> Any:
    doc = load_bytes(path.read_bytes())
    assert doc.problems == [], doc.problems
    return doc.data


@pytest.fixture(scope="module")
def employer_validator() -> Draft202012Validator:
    schema = committed("employer")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# -- one source of truth ------------------------------------------------------------------


def test_committed_employer_schema_is_generated(catalog: Catalog) -> None:
    text = (SCHEMAS / "employer.schema.json").read_text("utf-8")
    assert text == render(employer_schema(catalog)), REGENERATE


def test_committed_config_schema_is_generated() -> None:
    text = (SCHEMAS / "config.schema.json").read_text("utf-8")
    assert text == render(config_schema()), REGENERATE


def test_schema_command_prints_and_writes_the_committed_files(
    run_cli: RunCli, tmp_path: Path
) -> None:
    assert run_cli("schema").stdout == (SCHEMAS / "employer.schema.json").read_text("utf-8")
    assert run_cli("schema", "config").stdout == (SCHEMAS / "config.schema.json").read_text("utf-8")
    result = run_cli("schema", "--output-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    for name in SCHEMA_FILES.values():
        assert (tmp_path / "out" / name).read_bytes() == (SCHEMAS / name).read_bytes()


def test_schemas_are_draft_2020_12_with_ids() -> None:
    for name in SCHEMA_FILES:
        schema = committed(name)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(SCHEMA_FILES[name])
        assert schema["title"]
        assert schema["description"]


def test_employer_schema_lists_the_catalog_names(catalog: Catalog) -> None:
    schema = committed("employer")
    assert schema["properties"]["products"]["items"]["enum"] == list(catalog.products)
    rights = schema["$defs"]["User"]["properties"]["rights"]["items"]["enum"]
    assert rights == list(catalog.rights)


# -- the bundled examples ------------------------------------------------------------------


def test_there_are_six_to_eight_examples() -> None:
    assert 6 <= len(EXAMPLES) <= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates_against_the_committed_schema(
    path: Path, employer_validator: Draft202012Validator
) -> None:
    errors = [e.message for e in employer_validator.iter_errors(load_yaml(path))]
    assert errors == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_in_canonical_form(path: Path, catalog: Catalog) -> None:
    text = path.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/employer.schema.json\n")
    data = load_yaml(path)
    order = ["version", "employer_id", "name", "addendum", "tier", "products", "users"]
    assert list(data) == [k for k in order if k in data]
    assert list(data["addendum"]) == [
        k for k in ("status", "signed_on", "ticket") if k in data["addendum"]
    ]
    assert data.get("products", []) == catalog.sort(data.get("products", []))
    users = data.get("users", [])
    assert [u["login"] for u in users] == sorted(u["login"] for u in users)
    assert all(list(u) == ["login", "type", "rights"] for u in users)


def test_examples_cover_every_tier_and_no_mijnloket() -> None:
    tiers = {load_yaml(p).get("tier") for p in EXAMPLES}
    assert tiers == {"start", "plus", "pro", None}
    statuses = {load_yaml(p)["addendum"]["status"] for p in EXAMPLES}
    assert {"signed", "requested"} <= statuses
    types = {u["type"] for p in EXAMPLES for u in load_yaml(p).get("users", [])}
    assert types == {"ak-gebruiker", "werkgevergebruiker"}


# -- invalid files are rejected by the schema too ------------------------------------------


@pytest.mark.parametrize(
    "fixture",
    ["schema", "unknown-product", "duplicate-product", "unknown-right", "duplicate-right"],
)
def test_invalid_fixture_is_rejected_by_jsonschema(
    fixture: str, employer_validator: Draft202012Validator
) -> None:
    data = load_yaml(FIXTURES / f"{fixture}.yaml")
    assert list(employer_validator.iter_errors(data)) != []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("employer_id", 12345),
        ("employer_id", "not-a-uuid"),
        ("version", 2),
        ("tier", "gold"),
        ("products", "MijnLoket"),
    ],
)
def test_wrong_values_are_rejected_by_jsonschema(
    key: str, value: object, employer_validator: Draft202012Validator
) -> None:
    data = load_yaml(ROOT / "employers" / "bakkerij-de-vries.yaml")
    assert employer_validator.is_valid(data)
    assert not employer_validator.is_valid({**data, key: value})


@pytest.mark.parametrize("signed_on", ["2025-02-30", "14-03-2025", 20250314])
def test_bad_dates_are_rejected_by_jsonschema_with_format_checking(
    signed_on: object, employer_validator: Draft202012Validator
) -> None:
    data = load_yaml(ROOT / "employers" / "bakkerij-de-vries.yaml")
    data["addendum"]["signed_on"] = signed_on
    assert not employer_validator.is_valid(data)


def test_config_schema_accepts_a_config_and_rejects_unknown_keys() -> None:
    validator = Draft202012Validator(committed("config"))
    config = {
        "version": 1,
        "require_tier": False,
        "catalog": {
            "products": {
                "Nieuwe module": {"tier": "pro", "requires": ["MijnLoket"]},
                "MijnLoket - Verlofaanvragen": {"dependency_severity": "warning"},
            }
        },
    }
    assert list(validator.iter_errors(config)) == []
    assert not validator.is_valid({"requier_tier": False})
    assert not validator.is_valid({"require_tier": "no"})


# -- the catalog -------------------------------------------------------------------------


def test_catalog_json_matches_the_domain_table(run_cli: RunCli) -> None:
    result = run_cli("catalog", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    products = data["products"]
    assert list(products) == [row[0] for row in DOMAIN_TABLE]
    for name, tier, requires, one_of, excludes in DOMAIN_TABLE:
        product = products[name]
        assert product["name"] == name
        assert product["tier"] == tier, name
        assert product["requires"] == requires, name
        assert product["requires_one_of"] == [list(g) for g in one_of], name
        assert product["excludes"] == excludes, name
        assert product["source"] in ("article", "interpretation"), name
    assert products[ML]["gate"] == "addendum"
    assert [n for n, p in products.items() if p["gate"]] == [ML]
    assert data["portal"] == ML
    assert data["start_features"] == ["Salarisgrafiek", "Loonstroken", "Jaaropgaven"]


def test_catalog_json_rights(run_cli: RunCli) -> None:
    rights = json.loads(run_cli("catalog", "--format", "json").stdout)["rights"]
    assert list(rights) == ["Raadplegen MijnLoket e-mailadres"]
    right = rights["Raadplegen MijnLoket e-mailadres"]
    assert right["user_types"] == ["ak-gebruiker", "werkgevergebruiker"]
    assert right["requires"] == [ML]
    assert right["personal_data"] is True


def test_catalog_text_lists_every_product(run_cli: RunCli) -> None:
    result = run_cli("catalog")
    assert result.exit_code == 0, result.output
    for name, tier, *_ in DOMAIN_TABLE:
        line = next(x for x in result.stdout.splitlines() if x.startswith(f"  {name} "))
        assert f" {tier} " in f"{line} "
    assert "Raadplegen MijnLoket e-mailadres: for ak-gebruiker, werkgevergebruiker" in (
        result.stdout
    )
