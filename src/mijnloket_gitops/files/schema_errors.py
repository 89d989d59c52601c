"""Turn pydantic validation errors into messages that point into the YAML file."""

from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mijnloket_gitops.files.loader import Document
from mijnloket_gitops.files.model import LABEL_KEY_PATTERN, VISIBLE_PATTERN
from mijnloket_gitops.files.positions import Mark, PathKey

_PATTERN_NAMES = {
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date written as YYYY-MM-DD",
    LABEL_KEY_PATTERN: "a label name: a letter, then letters, digits, _ or - (at most 40)",
}
_UUID_HINT = "a Loket employer id is a UUID like 0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"


def kind(value: Any) -> str:
    """How a YAML reader would call the type of ``value``."""
    if value is None:
        return "an empty value (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _real_path(data: Any, loc: tuple[int | str, ...]) -> PathKey:
    """``loc`` without the parts pydantic adds that are not in the data (union tags)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        present = (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        )
        if present:
            current = current[part]
        elif isinstance(current, dict) and part in current.values():
            continue  # a discriminated union's tag (provider `type: loket`), not a key
        elif isinstance(current, dict | list):
            path.append(part)  # missing or unknown key: keep it, it is the subject
            break
        else:
            break
        path.append(part)
    return tuple(path)


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at pydantic's ``loc`` below ``model``
    (``loc`` names the tag of a discriminated union, which picks its member)."""
    current: Any = model
    for part in loc:
        options = _options(current)
        if len(options) > 1:  # a discriminated union: this part of loc is the tag
            current = next((m for m in options if _has_tag(m, part)), None)
            if current is None:
                return None
            continue
        current = options[0]
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        elif typing.get_origin(current) in (list, tuple, dict):
            current = typing.get_args(current)[-1]
        else:
            return None
    options = _options(current)
    found = options[0] if len(options) == 1 else None
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def _options(annotation: Any) -> list[Any]:
    """The types ``annotation`` allows, without ``None`` and ``Annotated``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [o for a in typing.get_args(annotation) if a is not type(None) for o in _options(a)]
    return [annotation]


def _has_tag(model: Any, tag: int | str) -> bool:
    """Whether a field of ``model`` is a ``Literal`` allowing ``tag`` (its union tag)."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    return any(
        typing.get_origin(f.annotation) is typing.Literal and tag in typing.get_args(f.annotation)
        for f in model.model_fields.values()
    )


def _tags(model: type[BaseModel], loc: tuple[int | str, ...], field: str) -> list[str]:
    """The tags a discriminated union at ``loc`` takes in ``field``, for a hint."""
    parent = _model_at(model, loc[:-1]) if loc else None
    if parent is None or not isinstance(loc[-1], str) or loc[-1] not in parent.model_fields:
        return ["..."]
    members = _options(parent.model_fields[loc[-1]].annotation)
    tags = [
        str(tag)
        for member in members
        if isinstance(member, type)
        and issubclass(member, BaseModel)
        and field in member.model_fields
        for tag in typing.get_args(member.model_fields[field].annotation)
    ]
    return tags or ["..."]


def _unwrap(annotation: Any) -> Any:
    """``X`` for ``X | None`` and ``Annotated[X, ...]``."""
    while typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0]
    return annotation


def _label(path: PathKey) -> str:
    """How a message names the value at ``path``: ``tier``, ``products[2]``,
    ``users[0].type``."""
    label = ""
    for part in path:
        label += f"[{part}]" if isinstance(part, int) else f".{part}" if label else str(part)
    return label or "document"


def _allowed(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """The values a ``Literal`` field at pydantic's ``loc`` allows (none if it is no such
    field)."""
    parent = _model_at(model, loc[:-1]) if loc else None
    if parent is None or not isinstance(loc[-1], str) or loc[-1] not in parent.model_fields:
        return ()
    annotation = _unwrap(parent.model_fields[loc[-1]].annotation)
    if typing.get_origin(annotation) is not typing.Literal:
        return ()
    return tuple(str(v) for v in typing.get_args(annotation))


def did_you_mean(value: object, allowed: typing.Sequence[str]) -> str | None:
    """``did you mean 'x'?`` for a value close to one of ``allowed`` (also by prefix)."""
    if not isinstance(value, str) or not value:
        return None
    folded = value.casefold()
    close = [a for a in allowed if a.casefold() == folded]
    close = close or [a for a in allowed if a.startswith(folded) or folded.startswith(a)]
    close = close or difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    return f"did you mean {' or '.join(map(repr, close[:2]))}?" if close else None


def _one_of(values: typing.Sequence[str]) -> str:
    quoted = [repr(v) for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


_BOUNDS = {
    "less_than_equal": ("le", "too large: it must be at most"),
    "less_than": ("lt", "too large: it must be less than"),
    "greater_than_equal": ("ge", "too small: it must be at least"),
    "greater_than": ("gt", "too small: it must be more than"),
}


def _describe(
    error: ErrorDetails, doc: Document, model: type[BaseModel]
) -> tuple[Mark, str, str | None]:
    path = _real_path(doc.data, error["loc"])
    name = str(path[-1]) if path else ""
    value = error.get("input")
    etype = error["type"]
    if etype == "extra_forbidden" and name == "<<":
        return (
            doc.mark(path, key=True),
            "'<<' is a YAML 1.1 merge key; employer files are read as YAML 1.2, which has "
            "no merge keys",
            "write the keys out instead of merging them from an anchor",
        )
    if etype == "extra_forbidden":
        allowed = sorted((_model_at(model, error["loc"][:-1]) or model).model_fields)
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "allowed keys: " + ", ".join(allowed)
        return doc.mark(path, key=True), f"unknown key {name!r}", hint
    if etype == "invalid_key":
        where = doc.mark((*path[:-1], value), key=True)
        return where, f"a key must be text, got {kind(value)}", "quote the key or rename it"
    if etype == "missing":
        return doc.mark(path[:-1]), f"missing required key {name!r}", f"add `{name}:`"
    # a mapping key's own constraint (a label's name): point at the key, not its value
    mark = doc.mark(path, key=error["loc"][-1:] == ("[key]",))
    label = _label(path)
    if etype in ("string_type", "int_type", "bool_type", "list_type", "dict_type", "model_type"):
        wanted = {
            "string_type": "a string",
            "int_type": "a whole number",
            "bool_type": "true or false",
            "list_type": "a list",
            "dict_type": "a mapping",
            "model_type": "a mapping",
        }[etype]
        quote: str | None = None
        if etype == "string_type" and isinstance(value, int | float | bool):
            # the text as written (00482, 0x1F, yes), not the number YAML made of it
            written = doc.scalar_sources.get(path, str(value))
            quote = f"quote it so YAML keeps it as text: {json.dumps(written, ensure_ascii=False)}"
        return mark, f"{label}: expected {wanted}, got {kind(value)}", quote
    if etype == "literal_error":
        values = _allowed(model, error["loc"])
        if name == "version" and len(path) == 1:
            return (
                mark,
                f"version: {value!r} is not a format this mijnloket-gitops reads; "
                f"it reads version {' and '.join(values)}",
                "a newer mijnloket-gitops wrote this file: upgrade the tool, or write `version: 1`",
            )
        expected = _one_of(values) if values else error.get("ctx", {}).get("expected", "")
        return mark, f"{label}: {value!r} is not one of {expected}", did_you_mean(value, values)
    if etype == "union_tag_invalid":
        context = error.get("ctx", {})
        tag, field = context.get("tag"), str(context.get("discriminator", "")).strip("'")
        tags = [t.strip(" '") for t in str(context.get("expected_tags", "")).split(",")]
        where = doc.mark((*path, field)) if field else mark
        return (
            where,
            f"{_label((*path, field))}: {tag!r} is not one of {_one_of(tags)}",
            did_you_mean(tag, tags),
        )
    if etype == "union_tag_not_found":
        field = str(error.get("ctx", {}).get("discriminator", "")).strip("'")
        tags = _tags(model, error["loc"], field)
        return (
            mark,
            f"{label}: missing required key {field!r}",
            f"add `{field}: {tags[0]}`" + "".join(f" or `{field}: {t}`" for t in tags[1:]),
        )
    if etype in _BOUNDS:
        key, words = _BOUNDS[etype]
        limit = error.get("ctx", {}).get(key)
        return mark, f"{label}: {value!r} is {words} {limit}", None
    if etype == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        if name == "employer_id":
            return mark, f"employer_id: {value!r} is not a UUID", _UUID_HINT
        if pattern == VISIBLE_PATTERN:
            return mark, f"{label}: {value!r} is only white space", f"write the {name}"
        wanted = _PATTERN_NAMES.get(pattern, f"text matching {pattern}")
        return mark, f"{label}: {value!r} is not {wanted}", None
    if etype == "string_too_short" or (etype == "too_short" and value == []):
        return mark, f"{label}: must not be empty", None
    return mark, f"{label}: {error['msg']}", None


def describe(
    error: ValidationError, doc: Document, model: type[BaseModel]
) -> Iterator[tuple[Mark, str, str | None]]:
    """Each error of ``error`` as (position, message, hint)."""
    for details in error.errors(include_url=False):
        yield _describe(details, doc, model)


def describe_first(
    error: ValidationError, doc: Document, model: type[BaseModel]
) -> tuple[Mark, str]:
    """The first error, for configuration files that stop at the first problem."""
    details = error.errors(include_url=False)[0]
    mark, message, hint = _describe(details, doc, model)
    return mark, f"{message} ({hint})" if hint else message


# Stand-ins for top-level fields a schema error damaged: valid, and saying nothing,
# so that rules which do not read those fields can still run (see :func:`salvage`).
_STAND_INS: dict[str, Any] = {
    "version": 1,
    "employer_id": "00000000-0000-0000-0000-000000000000",
    "name": "?",
    "addendum": {"status": "none"},
    "products": [],
    "users": [],
}


def salvage(
    error: ValidationError, data: Any, model: type[BaseModel]
) -> tuple[BaseModel, frozenset[str]] | None:
    """``data`` as a ``model`` despite ``error``, and the top-level fields it damaged.

    Every damaged top-level field is replaced by a stand-in that says nothing (no
    products, no users, no tier) and unknown top-level keys are dropped; rules that
    read none of the damaged fields can then report on the rest of the file in the
    same run. None when the file is not a mapping or still does not validate.
    """
    if not isinstance(data, dict):
        return None
    damaged: set[str] = set()
    repaired = dict(data)
    for details in error.errors(include_url=False):
        loc = details["loc"]
        top = loc[0] if loc else None
        if not isinstance(top, str):
            return None
        if top not in model.model_fields:
            repaired.pop(top, None)  # an unknown key: no rule reads it
            continue
        damaged.add(top)
        if top in _STAND_INS:
            repaired[top] = _STAND_INS[top]
        else:
            repaired.pop(top, None)  # optional fields (tier): leave them out
    try:
        return model.model_validate(repaired), frozenset(damaged)
    except ValidationError:
        return None
