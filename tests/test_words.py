"""The one pluralisation and article helper, and the messages that use it."""

from __future__ import annotations

import pytest

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.plan.render.common import summary_line
from mijnloket_gitops.providers.base import LiveEmployer
from mijnloket_gitops.words import article, plural


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (0, "file", "0 files"),
        (1, "file", "1 file"),
        (2, "file", "2 files"),
        (1, "right to grant", "1 right to grant"),
        (3, "right to grant", "3 rights to grant"),
        (1, "tier change", "1 tier change"),
        (2, "tier change", "2 tier changes"),
        (2, "evidence gap", "2 evidence gaps"),
        (2, "entry", "2 entries"),
        (2, "key", "2 keys"),
    ],
)
def test_plural(count: int, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected


def test_plural_with_an_explicit_form() -> None:
    assert plural(2, "person", "people") == "2 people"
    assert plural(1, "person", "people") == "1 person"


def test_article() -> None:
    assert article("ak-gebruiker") == "an ak-gebruiker"
    assert article("werkgevergebruiker") == "a werkgevergebruiker"
    assert article("employer") == "an employer"


def test_the_planner_says_an_ak_gebruiker(catalog: Catalog) -> None:
    employer = EmployerFile.model_validate(
        {
            "version": 1,
            "employer_id": "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10",
            "name": "Bakkerij",
            "addendum": {"status": "signed", "signed_on": "2025-01-01", "ticket": "LKT-1"},
            "tier": "start",
            "products": ["MijnLoket"],
            "users": [
                {
                    "login": "a@kantoor.nl",
                    "type": "ak-gebruiker",
                    "rights": ["Raadplegen MijnLoket e-mailadres"],
                }
            ],
        }
    )
    live = LiveEmployer(employer.employer_id, "Bakkerij", True, frozenset({"MijnLoket"}))
    planned = plan_employer(
        catalog, "b.yaml", employer, live, lambda step: True, lambda kind: kind != "ak-gebruiker"
    )
    (note,) = planned.unchecked
    assert "the rights of an ak-gebruiker" in note and " a ak-" not in note


def test_summaries_count_in_the_right_number() -> None:
    summary = {"activate": 0, "deactivate": 0, "grant": 1, "revoke": 0, "tier_changes": 1}
    assert summary_line(summary) == (
        "0 to activate, 0 to deactivate, 1 right to grant, 0 to revoke, 1 tier change"
    )
