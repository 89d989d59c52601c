"""The JSON Schema of the plan format (``schemas/plan.schema.json``).

Written by hand, because the format is a promise to policy tools rather than a model
dump; ``docs/plan-format.md`` explains every key. A test checks the committed file
against :func:`plan_schema` and the JSON renderer's output against the file. The
schema is closed (``additionalProperties: false``) except for ``meta``, so a key the
model adds without documenting it fails the tests.
"""

from __future__ import annotations

import functools
from typing import Any

from mijnloket_gitops.plan.model import FORMAT_VERSION, STEP_COUNTS
from mijnloket_gitops.schema import DIALECT, ID_BASE

FILE_NAME = "plan.schema.json"

_STRING = {"type": "string", "minLength": 1}
_NULLABLE_STRING = {"type": ["string", "null"], "minLength": 1}
_COUNT = {"type": "integer", "minimum": 0}
_TIER = {"enum": ["start", "plus", "pro", None]}


def _object(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def _described(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description}


_STEP: dict[str, Any] = _object(
    {
        "employer_id": _described(_STRING, "The employer the step changes."),
        "action": {"enum": ["activate", "deactivate", "grant", "revoke"]},
        "product": _described(_NULLABLE_STRING, "Product display name; null for rights."),
        "right": _described(_NULLABLE_STRING, "Right name; null for products."),
        "login": _described(
            _NULLABLE_STRING, "The user's login (an e-mail address: personal data)."
        ),
        "user_type": {"enum": ["ak-gebruiker", "werkgevergebruiker", None]},
        "key": _described(
            _STRING, "Stable identity: employer_id|action|product|right|login (contains login)."
        ),
        "manual": _described({"type": "boolean"}, "A person does this in the Loket.nl web UI."),
        "blocked": _described(
            _NULLABLE_STRING, "Why the step cannot happen yet; null when it can."
        ),
        "waits_on": {
            "type": "array",
            "items": _STRING,
            "uniqueItems": True,
            "description": "Keys of steps in this plan that must be done first.",
        },
        "flags": {
            "type": "array",
            "items": _STRING,
            "uniqueItems": True,
            "description": "Review flags, e.g. personal-data.",
        },
    },
    "One change to one employer, in execution order.",
) | {
    "oneOf": [
        {
            "properties": {
                "action": {"enum": ["activate", "deactivate"]},
                "product": _STRING,
                "right": {"type": "null"},
                "login": {"type": "null"},
                "user_type": {"type": "null"},
            }
        },
        {
            "properties": {
                "action": {"enum": ["grant", "revoke"]},
                "product": {"type": "null"},
                "right": _STRING,
                "login": _STRING,
            }
        },
    ]
}

_TIER_CHANGE = _object(
    {
        "before": _described(_TIER, "Tier derived from live products; null: portal off."),
        "after": _described(_TIER, "Tier after the plan; null: portal off."),
        "change": {"enum": ["upgrade", "downgrade", None]},
        "reasons": {
            "type": "array",
            "description": "Changed products that cause the tier change.",
            "items": _object(
                {"product": _STRING, "tier": {"enum": ["start", "plus", "pro"]}},
                "A product and its tier effect.",
            ),
        },
    },
    "The MijnLoket tier (what the employer pays for) before and after.",
)

_EMPLOYER = _object(
    {
        "employer_id": _STRING,
        "name": _described({"type": "string"}, "Company name as Loket has it (live state)."),
        "file_name": _described(
            {"type": "string"}, "The name the employer file gives; checked against name."
        ),
        "path": _described(_STRING, "The employer file, relative to the repository."),
        "takes_over_management": _described(
            {"type": "boolean"},
            "No file managed this employer at the base ref: this change takes it over.",
        ),
        "tier": _TIER_CHANGE,
        "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}},
        "unknown_live_products": {
            "type": "array",
            "items": _STRING,
            "description": "Live products the catalog does not know; never touched.",
        },
        "unchecked": {
            "type": "array",
            "items": _STRING,
            "description": "What the file asks for that the provider cannot see or "
            "verify (e.g. rights of provider users in Loket.nl, rights that could not be "
            "read, live product names that differ only in case); a person checks it.",
        },
    },
    "A managed employer (one with a file).",
)

_SUMMARY = _object(
    {
        name: _COUNT
        for name in (
            *STEP_COUNTS,
            "employers_managed",
            "employers_unmanaged",
            "employers_removed",
            "employers_taken_over",
        )
    },
    "Counts over the whole plan.",
)
_SUMMARY["properties"]["unverified"] = _described(
    _COUNT,
    "Steps Loket.nl cannot show the outcome of (rights it does not let us read): apply"
    " sends them every time; they are counted in grant/revoke, not in --detailed-exitcode.",
)

_VIOLATION = _object(
    {
        "guard": _described(_STRING, "Name of the safety guard."),
        "message": _described(_STRING, "What tripped it, with the numbers."),
        "flag": _described(_STRING, "The command-line flag that overrides it."),
        "employer_id": _described(_NULLABLE_STRING, "The employer concerned; null: the plan."),
        "overridden_by": _described(
            _STRING, "In overridden only: the flag that overrode it (its own or --force)."
        ),
    },
    "A safety guard the plan trips.",
)
_VIOLATION["required"].remove("overridden_by")

_REMOVED = _object(
    {
        "employer_id": _STRING,
        "name": _described({"type": "string"}, "Company name as Loket has it."),
        "path": _described(_STRING, "The employer's file at the base ref."),
        "file_kept": _described(
            {"type": "boolean"},
            "The file is still there but names another employer now (its employer_id "
            "was changed); present only when true.",
        ),
    },
    "A live employer whose file was removed since the base ref: newly unmanaged.",
)
_REMOVED["required"].remove("file_kept")

_LIVE_EMPLOYER = _object(
    {
        "employer_id": _STRING,
        "name": {"type": "string"},
        "portal_available": _described(
            {"type": "boolean"}, "Loket has processed the addendum: MijnLoket can be activated."
        ),
        "products": {"type": "array", "items": _STRING, "uniqueItems": True},
        "users": {
            "type": "array",
            "items": _object(
                {
                    "login": _described(_STRING, "An e-mail address: personal data."),
                    "type": {"enum": ["ak-gebruiker", "werkgevergebruiker"]},
                    "rights": {"type": "array", "items": _STRING, "uniqueItems": True},
                },
                "A live user and the rights held for this employer.",
            ),
        },
    },
    "Live state of one employer when the plan was made (saved plans only).",
)

_META = {
    "type": "object",
    "description": "How the plan was made; keys may be added without a format change.",
    "properties": {
        "tool_version": {"type": "string"},
        "catalog_version": {"type": "integer"},
        "catalog_fingerprint": {"type": "string"},
        "desired_fingerprint": {"type": "string"},
        "desired_hashes": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Hash of each employer file's meaning, by employer id.",
        },
        "live_fingerprint": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "git_commit": {"type": ["string", "null"]},
        "provider_target": {
            "type": "string",
            "description": "Where the provider points: a sandbox file or an API URL.",
        },
        "web_ui_path": {
            "type": "string",
            "description": "Where a person switches products in the Loket.nl web UI.",
        },
        "base_ref": {
            "type": ["string", "null"],
            "description": "Git ref the file ownership was compared with; null: none.",
        },
        "scope": {
            "type": "object",
            "description": "What the plan covers: kind all, target, changed-since or where.",
            "required": ["kind"],
            "properties": {
                "kind": {"enum": ["all", "target", "changed-since", "where"]},
                "targets": {"type": "array", "items": _STRING},
                "where": _STRING,  # issue 15: plan --where
                "changed_since": _STRING,
                "employers_in_scope": _COUNT,
                "employers_managed": _COUNT,
            },
        },
        "serial": {  # issue 22: plan lineage
            "type": "integer",
            "minimum": 0,
            "description": "The target's lineage serial when the plan was made; a saved"
            " plan is stale once an apply of another plan advanced it.",
        },
        "last_apply": {  # issue 22
            "type": "string",
            "description": "When the last completed full apply ran, whose employers"
            " ownership was compared with too (removed since the last apply).",
        },
        "serial_read_at": {  # issue 22
            "type": "string",
            "format": "date-time",
            "description": "When the serial was read (before live state), to the millisecond.",
        },
        "overrides": {  # issue 22
            "type": "array",
            "items": {"type": "string", "pattern": "^--"},
            "description": "The guard flags given to plan; apply of a saved plan accepts"
            " exactly these.",
        },
    },
}


# issue 15: the monthly cost section (only with ``pricing:`` in mijnloket-gitops.yaml)
_AMOUNT = {"type": "number"}
_COST_EMPLOYER = _object(
    {
        "before": _described(_AMOUNT, "Monthly cost of the live state."),
        "after": _described(_AMOUNT, "Monthly cost once the plan is applied."),
        "delta": _described(_AMOUNT, "after - before."),
        "tier_delta": _described(_AMOUNT, "The part of delta that comes from the tier."),
        "employees": _described(
            {"type": ["integer", "null"], "minimum": 0},
            "Employee count from pricing.employees; null when not given.",
        ),
    },
    "One employer's monthly cost, before and after.",
)
_COST = _object(
    {
        "currency": _STRING,
        "period": {"const": "month"},
        "before": _described(_AMOUNT, "Monthly cost of the planned employers' live state."),
        "after": _described(_AMOUNT, "Monthly cost once the plan is applied."),
        "delta": _described(_AMOUNT, "after - before."),
        "employers": {
            "type": "object",
            "description": "By employer id: every planned employer.",
            "additionalProperties": {"$ref": "#/$defs/cost_employer"},
        },
    },
    "What the plan does to the monthly bill; present only when pricing is configured.",
)


# issue 23: change windows (only with ``windows:`` in mijnloket-gitops.yaml)
_WINDOW_BLOCK = _object(
    {
        "employer_id": _STRING,
        "name": _described({"type": "string"}, "Loket's name of the employer."),
        "path": _described(_STRING, "The employer file."),
        "window": _described(_STRING, "The window's name (for allow: the next to open)."),
        "kind": {"enum": ["deny", "allow"]},
        "until": _described(
            _NULLABLE_STRING,
            "deny: when the window ends; allow: when the next allow window opens; local "
            "ISO 8601 time with offset; null when not within a year.",
        ),
        "timezone": _described(_STRING, "The window's IANA time zone."),
        "message": _described(_STRING, "What blocks the employer, in words."),
        "flag": _described(_STRING, "The flag that lifts the block."),
        "overridden_by": _described(_STRING, "Present when that flag lifted it."),
    },
    "Steps of one employer a change window blocks when the plan is made.",
)
_WINDOW_BLOCK["required"].remove("overridden_by")
_APPROVAL = _object(
    {
        "name": _described(_STRING, "The approval's name in mijnloket-gitops.yaml."),
        "when": {
            "enum": [
                "tier_change",
                "personal_data_grant",
                "mijnloket_removal",
                "takeover",
                "cost_increase",
            ]
        },
        "reviewers": {
            "type": "array",
            "description": "Who may approve: @org/team or @login.",
            "items": _STRING,
        },
        "reasons": {
            "type": "array",
            "description": "What in the plan requires it (at most five, then a count).",
            "items": _STRING,
        },
    },
    "An approval the plan needs before it may be applied.",
)


def plan_schema() -> dict[str, Any]:
    """The schema of ``plan --format json`` output and of ``plan --out`` files.

    A saved plan is the same document plus ``live``, the state it was computed from.
    """
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": ID_BASE + FILE_NAME,
        "title": "mijnloket-gitops plan",
        **_object(
            {
                "format_version": {"const": FORMAT_VERSION},
                "provider": _described({"type": "string"}, "The provider's short name."),
                "meta": _META,
                "summary": {"$ref": "#/$defs/summary"},
                "employers": {"type": "array", "items": {"$ref": "#/$defs/employer"}},
                "unmanaged": {
                    "type": "array",
                    "description": "Live employers without a file: never touched.",
                    "items": _object(
                        {"employer_id": _STRING, "name": {"type": "string"}},
                        "An unmanaged employer.",
                    ),
                },
                "violations": {"type": "array", "items": {"$ref": "#/$defs/violation"}},
                "overridden": {
                    "type": "array",
                    "description": "Guards tripped but overridden by a flag.",
                    "items": {"$ref": "#/$defs/violation"},
                },
                "removed": {
                    "type": "array",
                    "description": "Newly unmanaged since the base ref (file removed).",
                    "items": _REMOVED,
                },
                "failed": {
                    "type": "array",
                    "description": "Managed employers whose live state could not be read, "
                    "so they are not planned (the exit code is 1).",
                    "items": _object(
                        {
                            "employer_id": _STRING,
                            "name": {"type": "string"},
                            "path": _described(_STRING, "The employer file."),
                            "message": _described(_STRING, "What failed."),
                        },
                        "An employer that could not be read.",
                    ),
                },
                "blocked": {
                    "type": "array",
                    "description": "Employer files left out because their employer_id is "
                    "not live or names another company than the file (present only when "
                    "there are any; the exit code is 1; the others are planned).",
                    "items": _object(
                        {
                            "path": _described(_STRING, "The employer file."),
                            "employer_id": _STRING,
                            "name": _described({"type": "string"}, "The name in the file."),
                            "live_name": _described(
                                {"type": ["string", "null"]},
                                "Loket's name for the employer_id; null when it is not live.",
                            ),
                            "message": _described(_STRING, "What is wrong and what to do."),
                        },
                        "A file blocked by its employer_id.",
                    ),
                },
                "invalid": {
                    "type": "array",
                    "description": "Employer files left out because they are invalid "
                    "(present only when there are any; the exit code is 1).",
                    "items": _described(_STRING, "The file's path, as validate shows it."),
                },
                "live": {
                    "type": "object",
                    "description": "Saved plans only: live state by employer id.",
                    "additionalProperties": {"$ref": "#/$defs/live_employer"},
                },
                "cost": {"$ref": "#/$defs/cost"},  # issue 15
                "drift": _object(  # issue 22
                    {
                        "since": _described(_STRING, "When the last completed full apply ran."),
                        "steps": {
                            "type": "array",
                            "description": "Keys of the steps that restore what changed in"
                            " Loket since then (not in the files).",
                            "items": _STRING,
                        },
                    },
                    "Present after a completed full apply: drift apart from change.",
                ),
                "state": {  # issue 22
                    "enum": ["ready", "refused"],
                    "description": "Saved plans only: refused when a guard refused it or a"
                    " file was left out as invalid; apply will not run a refused plan.",
                },
                "approvals": {  # issue 23
                    "type": "array",
                    "description": "The approvals the plan needs (present only when "
                    "approvals are configured); github check-approvals checks them.",
                    "items": {"$ref": "#/$defs/approval"},
                },
                "blocked_by_window": {  # issue 23
                    "type": "array",
                    "description": "Employers a change window blocks when the plan is made "
                    "(present only when windows are configured); apply checks again.",
                    "items": {"$ref": "#/$defs/window_block"},
                },
            },
            f"A plan (format version {FORMAT_VERSION}); see docs/plan-format.md.",
        ),
        "$defs": {
            "summary": _SUMMARY,
            "employer": _EMPLOYER,
            "step": _STEP,
            "violation": _VIOLATION,
            "live_employer": _LIVE_EMPLOYER,
            "cost": _COST,  # issue 15
            "cost_employer": _COST_EMPLOYER,
            "window_block": _WINDOW_BLOCK,  # issue 23
            "approval": _APPROVAL,
        },
    }
    schema["required"].remove("live")
    schema["required"].remove("cost")  # issue 15: only with pricing
    schema["required"].remove("blocked_by_window")  # issue 23: only with windows
    schema["required"].remove("approvals")  # issue 23: only with approvals
    schema["required"].remove("invalid")  # only when a file was left out
    schema["required"].remove("state")  # saved plans only
    schema["required"].remove("drift")  # only after a completed full apply
    schema["required"].remove("blocked")  # only when a file was blocked by its employer_id
    return schema


@functools.cache
def plan_validator() -> Any:
    """A jsonschema validator for saved plans (built once; checks ``format``)."""
    import jsonschema

    schema = plan_schema()
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
