"""Per-value text in the employer schema, generated from the effective catalog."""

from __future__ import annotations

import json
from typing import Any

from mijnloket_gitops.catalog import Catalog, builtin_catalog, extend_catalog
from mijnloket_gitops.schema import config_schema, employer_schema


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [n for item in node for n in _walk(item)]
    if not isinstance(node, dict):
        return []
    return [node, *(n for value in node.values() for n in _walk(value))]


def test_every_enum_value_an_editor_completes_has_text(catalog: Catalog) -> None:
    schema = employer_schema(catalog)
    enums = [n for n in _walk(schema) if "enum" in n]
    assert len(enums) == 6  # products, rights, user type, tier, status, evidence
    for node in enums:
        assert len(node["markdownEnumDescriptions"]) == len(node["enum"]), node
        assert len(node["enumDescriptions"]) == len(node["enum"]), node
        assert all(node["markdownEnumDescriptions"]), node
    products = schema["properties"]["products"]["items"]
    text = dict(zip(products["enum"], products["markdownEnumDescriptions"], strict=True))
    assert text["MijnLoket - Verlofaanvragen"].startswith("**Tier: Plus**")
    assert (
        "Requires: `MijnLoket`, `Verlofregistratie`, `Verlofregeling`."
        in text["MijnLoket - Verlofaanvragen"]
    )
    assert (
        "Requires one of: `Dossiervorming Qwoater Lite` or `Dossiervorming Qwoater "
        in text["MijnLoket - Documenten"]
    )
    assert "Excludes: `Dossiervorming Qwoater Extended`." in text["Dossiervorming Qwoater Lite"]
    assert "Needs a signed contract addendum" in text["MijnLoket"]
    assert "*Source: the Loket.nl help article.*" in text["MijnLoket"]


def test_no_title_is_shown_twice_in_a_hover() -> None:
    for schema in (employer_schema(builtin_catalog()), config_schema()):
        for node in _walk(schema):
            options = node.get("anyOf", [])
            assert {"type": "null"} not in options or any("$ref" in o for o in options), node


def test_the_text_follows_the_repository_catalog() -> None:
    catalog = extend_catalog(
        builtin_catalog(), {"Loonstrook Plus": {"tier": "none", "note": "Our own product."}}, {}
    )
    dumped = json.dumps(employer_schema(catalog), ensure_ascii=False)
    assert "*Source: this repository's configuration.* Our own product." in dumped
