"""The strict reader's YAML: libyaml's composer with the YAML 1.2 core schema.

Only ``true``/``false`` are booleans (no ``yes``/``no``), no sexagesimal numbers and no
timestamps (a date stays a string). :mod:`.convert` turns what it composes into values.
"""

from __future__ import annotations

import operator
import re
from typing import Any, ClassVar

import yaml

try:  # libyaml is in PyYAML's wheels; the pure loader is the slow fallback.
    _BaseLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"


class Yaml12Loader(_BaseLoader):  # type: ignore[misc]
    """libyaml composer with the YAML 1.2 core schema's implicit tags.

    For every node the composer calls ``descend_resolver(parent, index)`` and
    ``ascend_resolver()``, which do nothing without path resolvers (this loader has
    none), so any C builtin taking those arguments will do and costs no Python call.
    (Builtins are not descriptors: they are called without ``self``.)"""

    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = {}
    descend_resolver = operator.is_
    ascend_resolver = tuple

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        # What BaseResolver.resolve does for a loader without path or wildcard
        # resolvers, minus its list building: the composer calls this for every node,
        # so it is a third of the cost of reading a file.
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return STR
        return SEQ if kind is yaml.SequenceNode else MAP


_CORE_RESOLVERS: list[tuple[str, str, str]] = [
    (NULL, r"^(?:~|null|Null|NULL|)$", "~nN"),
    (BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
]
for _tag, _pattern, _first in _CORE_RESOLVERS:
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
CORE_FORMS = {tag: re.compile(pattern) for tag, pattern, _ in _CORE_RESOLVERS}
"""What a value with an explicit tag (``!!int " 5 "``) must look like: the tag's own
form in the core schema. Python's int() and the tag alone would accept far more."""
TAG_NAMES = {NULL: "null", BOOL: "a boolean", INT: "an integer", FLOAT: "a number"}
Yaml12Loader.add_implicit_resolver(NULL, re.compile(r"^$"), [""])
