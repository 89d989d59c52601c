"""The employer file, format version 1, as pydantic models.

These models are the single source of truth for the file's shape: the validator
checks files with them and ``schemas/employer.schema.json`` is generated from them
(see :mod:`mijnloket_gitops.schema`). Domain rules (dependencies, tier, addendum)
are not shape and live in :mod:`mijnloket_gitops.validate.rules`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mijnloket_gitops.catalog import Tier, UserType

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
AddendumStatus = Literal["signed", "requested", "none"]


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

    login: str = Field(min_length=1, description="The user's Loket login (usually an e-mail).")
    type: UserType = Field(
        description="ak-gebruiker: a user of the payroll provider; werkgevergebruiker: "
        "a user of the employer."
    )
    rights: list[str] = Field(
        default_factory=list, description="Rights from the rights catalog, by exact name."
    )


class EmployerFile(_Strict):
    """Desired MijnLoket state of one employer in Loket.nl."""

    version: Literal[1] = Field(description="Format version of this file.")
    employer_id: str = Field(
        pattern=UUID_PATTERN,
        description="Loket employer id (a UUID, written as a string).",
    )
    name: str = Field(
        min_length=1,
        description="Company name. Must match Loket's name for this employer_id (ignoring "
        "case, spacing, dots and a legal form such as B.V.); plan refuses a file that does "
        "not, so a mistyped id cannot reconfigure another company.",
    )
    loket_name: str | None = Field(
        None,
        min_length=1,
        description="Loket's name for this employer, written down when `name` deliberately "
        "differs from it (a trade name). A reviewed acknowledgement: plan then checks this "
        "one against Loket instead of `name`.",
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
