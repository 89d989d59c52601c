"""The employer file, format version 1, as pydantic models.

These models are the single source of truth for the file's shape: the validator
checks files with them and ``schemas/employer.schema.json`` is generated from them
(see :mod:`mijnloket_gitops.schema`). Domain rules (dependencies, tier, addendum)
are not shape and live in :mod:`mijnloket_gitops.validate.rules`.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from mijnloket_gitops.catalog import Tier, UserType

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
VISIBLE_PATTERN = r"\S"
LABEL_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"
"""A label's name: a word a selector can name (``label.sector``)."""
"""At least one character that is not white space (JSON Schema patterns search)."""
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def login_key(login: str) -> str:
    """What makes two logins the same: equal text after Unicode NFC and ASCII-only case
    folding. Full case folding would merge ``strasse``/``straße`` and ``k``/``K``
    (KELVIN SIGN), which are different logins (e-mail addresses) in Loket."""
    return unicodedata.normalize("NFC", login).translate(_ASCII_LOWER)


def _the_number_one(value: object) -> object:
    # Literal[1] alone matches True and 1.0 (they equal 1 in Python); the JSON Schema
    # and every other YAML reader see a boolean and a float.
    if type(value) is not int:
        written = str(value).lower() if isinstance(value, bool) else repr(value)
        raise PydanticCustomError(
            "version_type", "must be the number 1, not {written}", {"written": written}
        )
    return value


AddendumStatus = Literal["signed", "requested", "none"]
LabelKey = Annotated[str, StringConstraints(pattern=LABEL_KEY_PATTERN)]
LabelValue = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=VISIBLE_PATTERN)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Addendum(_Strict):
    """The contract addendum that must be signed before MijnLoket can be activated."""

    status: AddendumStatus = Field(
        description=(
            "signed: Loket confirmed the signed addendum in a ticket; requested: an "
            "appointment is planned or the addendum is out for signature; none: not started."
        )
    )
    signed_on: str | None = Field(
        None,
        pattern=DATE_PATTERN,
        description="Date the addendum was signed (YYYY-MM-DD); required when signed.",
        json_schema_extra={"format": "date"},
    )
    ticket: str | None = Field(
        None,
        min_length=1,
        pattern=VISIBLE_PATTERN,
        description="Loket's confirmation ticket; required when signed. Quote it.",
    )
    evidence: Literal["pending"] | None = Field(
        None,
        description=(
            "pending: the addendum is signed but signed_on and ticket are still to be looked "
            "up (onboarding). validate warns instead of failing; plan shows this employer "
            "but apply changes nothing for it until the evidence is filled in and this "
            "line removed."
        ),
    )


class User(_Strict):
    """A Loket user and the rights the user holds for this employer."""

    login: str = Field(
        min_length=1,
        pattern=VISIBLE_PATTERN,
        description="The user's Loket login (usually an e-mail).",
    )
    type: UserType = Field(
        description="ak-gebruiker: a user of the payroll provider; werkgevergebruiker: "
        "a user of the employer."
    )
    rights: list[str] = Field(
        default_factory=list, description="Rights from the rights catalog, by exact name."
    )


class EmployerFile(_Strict):
    """Desired MijnLoket state of one employer in Loket.nl."""

    version: Annotated[Literal[1], BeforeValidator(_the_number_one)] = Field(
        description="Format version of this file."
    )
    employer_id: str = Field(
        pattern=UUID_PATTERN,
        description="Loket employer id (a UUID, written as a string).",
    )
    name: str = Field(
        min_length=1,
        pattern=VISIBLE_PATTERN,
        description="Company name. Must match Loket's name for this employer_id (ignoring "
        "case, spacing, dots and a legal form such as B.V.); plan refuses a file that does "
        "not, so a mistyped id cannot reconfigure another company.",
    )
    loket_name: str | None = Field(
        None,
        min_length=1,
        pattern=VISIBLE_PATTERN,
        description="Loket's name for this employer, written down when `name` deliberately "
        "differs from it (a trade name). A reviewed acknowledgement: plan then checks this "
        "one against Loket instead of `name`.",
    )
    labels: dict[LabelKey, LabelValue] | None = Field(
        None,
        description="The bureau's own labels for this employer (sector, region, account "
        "manager, payroll day: any name made of letters, digits, _ and -), each a string "
        "(quote numbers and dates). Selectors match them as label.NAME; report groups by "
        "them. The tool never reads meaning into them.",
    )
    addendum: Addendum
    tier: Tier | None = Field(
        None,
        description=(
            "The MijnLoket tier this configuration implies, written down so that a price "
            "change shows up in review. Derived from the products, never chosen."
        ),
    )
    products: list[str] = Field(
        default_factory=list,
        description="Products to have active, by Loket's exact display name.",
    )
    users: list[User] = Field(
        default_factory=list, description="Users and their rights for this employer."
    )
