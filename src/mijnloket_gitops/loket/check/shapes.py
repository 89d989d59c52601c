"""Scrubbed shapes of Loket's answers: keys, JSON types and id formats, never values.

:func:`shape_of` turns a decoded JSON answer into its shape, so that what ``loket
check`` saw can be shown in a finding and saved with ``--capture FILE`` for a bug
report, without a single value of the answer: no ids, names, logins or tokens.

- an object becomes an object of the same keys (a key that is not a plain field name,
  such as an id used as a key, becomes ``<uuid>``, ``<digits>`` or ``<key>``), each
  value its shape;
- a list becomes the list of its items' distinct shapes (at most
  :data:`MAX_VARIANTS`; one when every item has the same shape);
- a scalar becomes its JSON type, and a string its format: ``string:uuid``,
  ``string:digits``, ``string:email``, ``string:date``, ``string:datetime``,
  ``string:empty`` or ``string``.

A :class:`Capture` is a list of operations (method and path *template*, status, the
names of telling headers, the body's shape); :func:`load_capture` reads one back, so
tests use captures as fixtures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mijnloket_gitops.errors import ConfigError

MAX_VARIANTS = 5
CAPTURE_VERSION = 1

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

TELLING_HEADERS = ("allow", "access-control-allow-methods", "etag", "retry-after")
"""Headers whose presence (never their value) a capture records."""


def string_format(value: str) -> str:
    """The format of a string, never the string: ``uuid``, ``digits``, ``email``, ..."""
    if value == "":
        return "string:empty"
    if _UUID.fullmatch(value):
        return "string:uuid"
    if value.isdigit():
        return "string:digits"
    if _EMAIL.fullmatch(value):
        return "string:email"
    if _DATE.fullmatch(value):
        return "string:date"
    if _DATETIME.fullmatch(value):
        return "string:datetime"
    return "string"


def id_format(value: object) -> str:
    """How an id is written: ``integer``, ``string:uuid``, ``string:digits``, ``string``."""
    return scalar_shape(value)


def scalar_shape(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return string_format(value)
    return "unknown"


def _key(key: str) -> str:
    if _UUID.fullmatch(key):
        return "<uuid>"
    if key.isdigit():
        return "<digits>"
    return key if _FIELD.fullmatch(key) else "<key>"


def shape_of(value: Any) -> Any:
    """The shape of a decoded JSON value (see the module docstring)."""
    if isinstance(value, dict):
        return {_key(str(k)): shape_of(v) for k, v in value.items()}
    if isinstance(value, list):
        variants: list[Any] = []
        seen: set[str] = set()
        for item in value:
            shape = shape_of(item)
            marker = json.dumps(shape, sort_keys=True)
            if marker not in seen and len(variants) < MAX_VARIANTS:
                seen.add(marker)
                variants.append(shape)
        return variants
    return scalar_shape(value)


def brief(shape: Any, limit: int = 160) -> str:
    """A shape in one short line, for a finding's "seen"."""
    text = json.dumps(shape, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Seen:
    """One answer as a capture keeps it."""

    operation: str
    """Method and path template, e.g. ``GET /providers/employers/{employerId}/modules``."""
    status: int
    headers: tuple[str, ...] = ()
    """Lower-case names of :data:`TELLING_HEADERS` the answer carried."""
    body: Any = None
    """The body's shape (None: no JSON body)."""

    @property
    def data(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "status": self.status,
            "headers": list(self.headers),
            "body": self.body,
        }


@dataclass
class Capture:
    """Every answer ``loket check`` saw, scrubbed (see the module docstring)."""

    environment: str
    """``production``, ``acceptance``, ``loopback`` or ``other``: never the URL."""
    tool_version: str
    seen: list[Seen] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return {
            "format_version": CAPTURE_VERSION,
            "kind": "mijnloket-gitops loket check capture",
            "environment": self.environment,
            "tool_version": self.tool_version,
            "answers": [s.data for s in self.seen],
        }

    def answers(self, operation: str) -> list[Seen]:
        """The answers of one operation (method and path template), in order."""
        return [s for s in self.seen if s.operation == operation]

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.data, indent=2, sort_keys=True, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")


def load_capture(path: Path) -> Capture:
    """A capture written by ``loket check --capture``; ConfigError naming the file when
    it is not one."""
    try:
        data = json.loads(path.read_text("utf-8"))
        if not isinstance(data, dict) or data.get("format_version") != CAPTURE_VERSION:
            raise ValueError(f"not a format_version {CAPTURE_VERSION} capture")
        seen = [
            Seen(
                str(a["operation"]),
                int(a["status"]),
                tuple(str(h) for h in a.get("headers", ())),
                a.get("body"),
            )
            for a in data["answers"]
        ]
        return Capture(str(data["environment"]), str(data["tool_version"]), seen)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(
            f"{path}: not a capture of `mijnloket-gitops loket check --capture` ({error})"
        ) from None
