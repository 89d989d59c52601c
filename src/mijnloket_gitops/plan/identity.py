"""Is an employer file about the company Loket has under its ``employer_id``?

A mistyped or copied ``employer_id`` would otherwise reconfigure another company, so
plan compares the file's name with Loket's before it plans anything. Names are
compared after :func:`normalise_name`: case, spacing and dots are ignored, and so is
a trailing legal form (``B.V.``, ``BV``, ``N.V.``, ``V.O.F.``, ...), because Loket and
people write those inconsistently. Anything else is a different name: the file says
which name Loket uses in ``loket_name``, a reviewed acknowledgement of a deliberate
difference (a trade name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.providers.base import LiveEmployer

LEGAL_FORMS = frozenset(
    {"bv", "nv", "vof", "cv", "io", "bv io", "ua", "wa", "eenmanszaak", "maatschap"}
)
"""Legal-form suffixes ignored at the end of a name (after dots and case are removed).

Only trailing ones are dropped, repeatedly (``B.V. i.o.``, "in oprichting"); the same
word inside a name is kept. ``Stichting`` or ``Holding`` are part of a name, not
dropped.
"""

_PUNCTUATION = re.compile(r"[\s,;:'\"()&/\-]+")


def normalise_name(name: str) -> str:
    """``Bakkerij De Vries B.V.`` and ``bakkerij  de vries bv`` both become
    ``bakkerij de vries``."""
    words = _PUNCTUATION.sub(" ", name.casefold().replace(".", "")).split()
    while words:
        if words[-1] in LEGAL_FORMS:
            words.pop()
        elif len(words) > 1 and f"{words[-2]} {words[-1]}" in LEGAL_FORMS:
            del words[-2:]
        else:
            break
    # a name that is nothing but a legal form is compared as written
    return " ".join(words) or name.casefold().strip()


def same_company(a: str, b: str) -> bool:
    """Whether two names name the same company after normalisation."""
    return normalise_name(a) == normalise_name(b)


def identity_problems(
    desired: Sequence[tuple[str, EmployerFile]], live: Mapping[str, LiveEmployer]
) -> list[str]:
    """One message per file whose name does not match Loket's name for its id (a file
    whose id is not live is left to the caller)."""
    from mijnloket_gitops.plan.blocked import blocked_file  # it builds on same_company

    return [
        found.message
        for path, employer in desired
        if (state := live.get(employer.employer_id)) is not None
        and (found := blocked_file(path, employer, state, "")) is not None
    ]
