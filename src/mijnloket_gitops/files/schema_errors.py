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
from mijnloket_gitops.files.model import VISIBLE_PATTERN
from mijnloket_gitops.files.positions import Mark, PathKey

_PATTERN_NAMES = {
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date written as YYYY-MM-DD",
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
        elif isinstance(current, dict | list):
            path.append(part)  # missing or unknown key: keep it, it is the subject
            break
        else:
            break
        path.append(part)
    return tuple(path)


def _model_at(model: type[BaseModel], path: PathKey) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at ``path`` below ``model``."""
    current: Any = model
    for part in path:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        elif typing.get_origin(current) in (list, tuple, dict):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """``X`` for ``X | None`` and ``Annotated[X, ...]``."""
    while typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0]
    return annotation


def _label(path: PathKey) -> str:
    """How a message names the value at ``path``: ``tier``, ``products[2]``."""
    items = ""
    while path and isinstance(path[-1], int):
        items = f"[{path[-1]}]{items}"
        path = path[:-1]
    return (str(path[-1]) if path else "document") + items


def _describe(
    error: ErrorDetails, doc: Document, model: type[BaseModel]
) -> tuple[Mark, str, str | None]:
    path = _real_path(doc.data, error["loc"])
    name = str(path[-1]) if path else ""
    value = error.get("input")
    etype = error["type"]
    if etype == "extra_forbidden":
        allowed = sorted((_model_at(model, path[:-1]) or model).model_fields)
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "allowed keys: " + ", ".join(allowed)
        return doc.mark(path, key=True), f"unknown key {name!r}", hint
    if etype == "invalid_key":
        where = doc.mark((*path[:-1], value), key=True)
        return where, f"a key must be text, got {kind(value)}", "quote the key or rename it"
    if etype == "missing":
        return doc.mark(path[:-1]), f"missing required key {name!r}", f"add `{name}:`"
    mark = doc.mark(path)
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
        expected = error.get("ctx", {}).get("expected", "")
        return mark, f"{label}: {value!r} is not one of {expected}", None
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
