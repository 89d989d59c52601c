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


def employer_schema(catalog: Catalog) -> dict[str, Any]:
    """The schema of an employer file, with the catalog's names as enums."""
    body = EmployerFile.model_json_schema()
    body.pop("title", None)
    body.pop("description", None)
    body["properties"]["products"]["items"] = {
        "type": "string",
        "enum": list(catalog.products),
    }
    body["properties"]["products"]["uniqueItems"] = True
    user = body["$defs"]["User"]
    user["properties"]["rights"]["items"] = {"type": "string", "enum": list(catalog.rights)}
    user["properties"]["rights"]["uniqueItems"] = True
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
    body = RepoConfig.model_json_schema()
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
