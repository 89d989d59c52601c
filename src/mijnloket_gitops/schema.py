"""Generate the JSON Schemas in ``schemas/`` from the pydantic models.

The models are the one source of truth; a test fails when the committed schemas
differ from what this module generates. Product and right names are added as enums
from the effective catalog so editors can autocomplete them.
"""

from __future__ import annotations

import json
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import RepoConfig
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.schema_text import (
    EVIDENCE,
    STATUSES,
    describe_values,
    product_text,
    right_text,
    tier_text,
    user_type_text,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://mijnloket-gitops.invalid/schemas/"
SCHEMA_FILES = {
    "employer": "employer.schema.json",
    "config": "config.schema.json",
    "plan": "plan.schema.json",
}


def _header(name: str, title: str, description: str) -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": ID_BASE + SCHEMA_FILES[name],
        "title": title,
        "description": description,
    }


def _nullable(node: Any) -> Any:
    """``anyOf: [X, {type: null}]`` (pydantic's ``X | None``) folded into X with a
    nullable type: the same meaning, but an editor's hover shows the property's title
    once instead of "Tier || Tier", and its values directly."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _nullable(v) for k, v in node.items()}
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        (other,) = [o for o in options if o != {"type": "null"}]
        if "$ref" in other or "anyOf" in other or not isinstance(other.get("type"), str):
            return node
        node.pop("anyOf")
        merged = {**other, **node, "type": [other["type"], "null"]}
        if "const" in merged:
            merged["enum"] = [merged.pop("const")]
        if "enum" in merged:
            merged["enum"] = [*merged["enum"], None]
        return merged
    return node


def _describe_employer(body: dict[str, Any], catalog: Catalog) -> None:
    """Per-value text from the catalog for every enum an editor completes."""
    properties, defs = body["properties"], body["$defs"]
    products = {"type": "string", "enum": list(catalog.products)}
    describe_values(
        products, list(catalog.products), lambda n: product_text(catalog, catalog.products[n])
    )
    properties["products"]["items"] = products
    properties["products"]["uniqueItems"] = True
    user = defs["User"]["properties"]
    rights = {"type": "string", "enum": list(catalog.rights)}
    describe_values(rights, list(catalog.rights), lambda n: right_text(catalog, catalog.rights[n]))
    user["rights"]["items"] = rights
    user["rights"]["uniqueItems"] = True
    describe_values(user["type"], user["type"]["enum"], lambda t: user_type_text(catalog, t))
    tier = properties["tier"]
    tier["enum"] = [*catalog.tiers, None]
    describe_values(
        tier,
        tier["enum"],
        lambda t: "MijnLoket is off: leave `tier` out." if t is None else tier_text(catalog, t),
    )
    addendum = defs["Addendum"]["properties"]
    describe_values(addendum["status"], addendum["status"]["enum"], STATUSES.__getitem__)
    describe_values(
        addendum["evidence"],
        addendum["evidence"]["enum"],
        lambda v: "Not pending: the evidence is filled in." if v is None else EVIDENCE[v],
    )


def employer_schema(catalog: Catalog) -> dict[str, Any]:
    """The schema of an employer file, with the catalog's names as enums and, for each
    value an editor completes, its text from the catalog (:mod:`.schema_text`)."""
    body = _nullable(EmployerFile.model_json_schema())
    body.pop("title", None)
    body.pop("description", None)
    _describe_employer(body, catalog)
    return {
        **_header(
            "employer",
            "mijnloket-gitops employer file",
            "Desired MijnLoket state of one employer in Loket.nl (format version 1).",
        ),
        **body,
    }


def config_schema() -> dict[str, Any]:
    """The schema of ``mijnloket-gitops.yaml``."""
    body = _nullable(RepoConfig.model_json_schema())
    body.pop("title", None)
    body.pop("description", None)
    return {
        **_header(
            "config",
            "mijnloket-gitops repository configuration",
            "mijnloket-gitops.yaml: provider, safety limits and catalog overrides.",
        ),
        **body,
    }


def render(schema: dict[str, Any]) -> str:
    """A schema as the committed file holds it."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
