"""How ``fmt`` writes one value: one spelling per value, quotes only where needed.

A string is written plain when the strict reader (YAML 1.2) reads it back as the same
string in every place it can stand (key, value, list item) and YAML 1.1 tools (many
editors and linters still are) would not take it for something else either: ``yes``,
``on``, ``n``, ``1_000``, ``<<``. Dates stay plain: to both they are text or a date
written the same way. Everything else is double-quoted, escaped by PyYAML's emitter.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Any

import yaml

from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.files.yaml12 import CORE_FORMS

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_YAML11: Any = yaml.resolver.Resolver()
_YAML11_STRINGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"}
_YAML11_BOOL_LETTERS = {"y", "Y", "n", "N"}  # booleans in the YAML 1.1 spec, not in PyYAML
_YAML11_FIRST = frozenset(_YAML11.yaml_implicit_resolvers)
"""The first characters of the values a YAML 1.1 reader may take for something other
than a string (it looks its implicit types up by first character)."""
_SIMPLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._@&-]*\Z")
"""Names and logins like most are: no indicator (``&`` is one only where a value starts),
no ': ' or ' #', so plain is text whatever YAML 1.2 or 1.1 says about it, once neither
resolves it to something else. Reading these back (below) is a tenth of fmt's time on
many files."""
_QUOTABLE_ASCII = re.compile(r"[ !#-\[\]-~]*\Z")
"""Printable ASCII but ``"`` and ``\\``: double-quoted as it is, nothing to escape."""
_LINE_BREAKS = re.compile(r"[\r\n\x85\u2028\u2029]")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn"})
"""Characters a reviewer cannot see (or tell from a space): controls, format characters
such as ZERO WIDTH SPACE and SOFT HYPHEN, spaces other than U+0020 (NO-BREAK SPACE),
line and paragraph separators, private-use and unassigned code points. A file that
spells one as an escape keeps it spelled out; fmt never writes one raw."""


def _invisible(ch: str) -> bool:
    return ch != " " and unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def _spelled(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def write_scalar(value: Any) -> str:
    """``value`` (a scalar, or an empty list or mapping) as YAML that reads back the same."""
    if isinstance(value, str):
        return value if plain_ok(value) else write_quoted(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, dict | list) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    raise TypeError(f"cannot write a {type(value).__name__} as one YAML value")


@functools.lru_cache(maxsize=4096)
def write_quoted(value: str) -> str:
    """``value`` double-quoted, on one line."""
    if _QUOTABLE_ASCII.match(value):
        return f'"{value}"'  # what the emitter writes too, without building one
    return _emitted_quoted(value)


def _emitted_quoted(value: str) -> str:
    dumped: str = yaml.dump(
        value, Dumper=_Dumper, default_style='"', allow_unicode=True, width=1 << 30
    )
    dumped = dumped.rstrip("\n")
    if dumped.isascii():
        return dumped
    # the emitter writes NO-BREAK SPACE, ZERO WIDTH SPACE and the like raw: spell them
    return "".join(_spelled(ch) if _invisible(ch) else ch for ch in dumped)


@functools.lru_cache(maxsize=4096)
def plain_ok(value: str) -> bool:
    """Whether ``value`` may be written without quotes (see the module docstring)."""
    if not value or value != value.strip() or _LINE_BREAKS.search(value):
        return False
    if not value.isascii() and any(_invisible(ch) for ch in value):
        return False
    if value in _YAML11_BOOL_LETTERS:
        return False
    if value[0] in _YAML11_FIRST or None in _YAML11_FIRST:
        tag: str = _YAML11.resolve(yaml.ScalarNode, value, (True, False))
        if tag not in _YAML11_STRINGS:
            return False
    if _SIMPLE.match(value) and (
        # every YAML 1.2 core form that starts with a letter (null, true, false) is a
        # YAML 1.1 null or boolean too, which the check above has refused already
        value[0].isalpha() or not any(form.match(value) for form in CORE_FORMS.values())
    ):
        return True  # letters, digits and a few marks, no YAML 1.2 number: text as is
    return _reads_back_plain(value)


def _reads_back_plain(value: str) -> bool:
    """Whether the strict reader reads ``value`` written plain back as that string, as a
    key, a list item and a value in a list item."""
    as_key = load_text(f"{value}: 0\n")
    as_values = load_text(f"- {value}\n- k: {value}\n")
    return (
        not as_key.problems
        and not as_values.problems
        and as_key.data == {value: 0}
        and as_values.data == [value, {"k": value}]
    )
