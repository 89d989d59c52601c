"""File names for imported employers: safe on every platform, unique, deterministic.

The name is a slug of the employer's name: ASCII lower case, digits and ``-`` only
(accents are dropped, ``æ`` becomes ``ae``, everything else becomes ``-``), a
trailing legal form such as "B.V." left out, at most :data:`MAX_SLUG` characters.
Such a name holds no path separator, no ``..`` and no leading dot, so it cannot
leave the output directory or hide. A name that is empty or reserved on Windows
becomes ``employer``-based.

Collisions are resolved by the employer id, never by arrival order: every employer
whose slug is shared with another employer of the same import, or with a file that
belongs to another employer, gets ``-`` and the first 8 hex digits of its id (more
digits if even those collide). An employer that already has a file keeps it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

MAX_SLUG = 60
SUFFIX = ".yaml"
FALLBACK = "employer"
# Trailing legal forms that add nothing to a file name ("bakkerij-de-vries-b-v").
LEGAL_FORMS = ("b-v", "bv", "n-v", "nv", "v-o-f", "vof", "c-v", "cv", "u-a", "ua")
# Device names Windows refuses as file names, whatever the extension.
RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)
_ID_DIGITS = (8, 12, 16, 32)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Named:
    """An employer to name: its id and its name as Loket has it."""

    employer_id: str
    name: str


def slug(name: str, limit: int = MAX_SLUG) -> str:
    """``name`` as ``[a-z0-9-]``, without a trailing legal form, at most ``limit`` long."""
    folded = unicodedata.normalize("NFKD", name.lower().translate(_LETTERS))
    text = _NOT_SLUG.sub("-", folded.encode("ascii", "ignore").decode()).strip("-")
    for form in LEGAL_FORMS:
        if text.endswith(f"-{form}"):
            text = text[: -len(form) - 1]
            break
    text = text[:limit].rstrip("-")
    if not text:
        return FALLBACK
    return f"{FALLBACK}-{text}" if text in RESERVED else text


def _id_part(employer_id: str, digits: int) -> str:
    return _NOT_SLUG.sub("", employer_id.lower())[:digits] or FALLBACK


def assign_names(employers: Iterable[Named], taken: Collection[str]) -> dict[str, str]:
    """A file name (``slug.yaml``) per employer id, none of them in ``taken``.

    ``taken`` holds the stems (file names without ``.yaml`` or ``.yml``) of files that
    belong to other employers. The result does not depend on the order of ``employers``.
    """
    groups: dict[str, list[str]] = {}
    for employer in employers:
        groups.setdefault(slug(employer.name), []).append(employer.employer_id)
    used = {t.casefold() for t in taken}
    # Unique slugs first: an id-suffixed name must not take another employer's plain one.
    plain = {base: ids[0] for base, ids in groups.items() if len(ids) == 1 and base not in used}
    names = {employer_id: base for base, employer_id in plain.items()}
    used |= set(plain)
    for base in sorted(set(groups) - set(plain)):
        ids = sorted(groups[base], key=str.lower)
        names.update(_suffixed(base, ids, used))
    return {employer_id: stem + SUFFIX for employer_id, stem in names.items()}


def _suffixed(base: str, ids: list[str], used: set[str]) -> dict[str, str]:
    """``base-<id prefix>`` for each id, the shortest prefix that is free; adds them to used."""
    for digits in _ID_DIGITS:
        wanted = {i: f"{base}-{_id_part(i, digits)}" for i in ids}
        if len(set(wanted.values())) == len(ids) and not used & set(wanted.values()):
            break
    else:  # only for names made to collide with full ids: number them
        wanted = {}
        for i in ids:
            number = 1
            while (stem := f"{base}-{_id_part(i, 32)}-{number}") in used:
                number += 1
            wanted[i] = stem
            used.add(stem)
    used |= set(wanted.values())
    return wanted
