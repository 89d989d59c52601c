"""Identity checks: does an employer file name the company Loket has under its id?"""

from __future__ import annotations

import pytest

from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.identity import identity_problems, normalise_name, same_company
from mijnloket_gitops.providers.base import LiveEmployer

EID = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Bakkerij De Vries B.V.", "bakkerij de vries bv"),
        ("Bakkerij De Vries B.V.", "Bakkerij  De Vries"),
        ("Garage Hoekstra V.O.F.", "garage hoekstra vof"),
        ("ACME N.V. i.o.", "Acme"),
        ("Van Dijk & Zonen B.V.", "van dijk zonen"),
        ("Coöperatie Zuid U.A.", "coöperatie zuid"),
        ("B.V.", "b.v."),
    ],
)
def test_same_company_after_normalisation(a: str, b: str) -> None:
    assert same_company(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Zorggroep De Linde", "Garage Hoekstra B.V."),
        ("Bakkerij De Vries B.V.", "Bakkerij De Vries Holding B.V."),
        ("Stichting Welzijn", "Welzijn"),  # Stichting is part of a name, not a suffix
        ("B.V.", "N.V."),
        ("BV Nederland", "Nederland"),  # only a trailing legal form is dropped
    ],
)
def test_different_companies(a: str, b: str) -> None:
    assert not same_company(a, b)


def test_normalised_form() -> None:
    assert normalise_name("  Bakkerij   De Vries B.V.  ") == "bakkerij de vries"


def _file(name: str, loket_name: str | None = None) -> EmployerFile:
    return EmployerFile.model_validate(
        {
            "version": 1,
            "employer_id": EID,
            "name": name,
            "loket_name": loket_name,
            "addendum": {"status": "none"},
        }
    )


def _live(name: str) -> dict[str, LiveEmployer]:
    return {EID: LiveEmployer(EID, name, portal_available=False)}


def test_problems_name_both_companies_and_the_fix() -> None:
    (problem,) = identity_problems([("e.yaml", _file("Zorggroep De Linde"))], _live("Garage BV"))
    assert problem.startswith("e.yaml: ")
    assert "'Zorggroep De Linde'" in problem and "'Garage BV'" in problem
    assert "loket_name: Garage BV" in problem
    assert identity_problems([("e.yaml", _file("garage"))], _live("Garage BV")) == []


def test_loket_name_is_checked_instead_of_name() -> None:
    trade = _file("Het Bakhuis", loket_name="Bakkerij De Vries B.V.")
    assert identity_problems([("e.yaml", trade)], _live("Bakkerij de Vries")) == []
    (problem,) = identity_problems([("e.yaml", trade)], _live("Garage Hoekstra"))
    assert "loket_name is 'Bakkerij De Vries B.V.'" in problem


def test_an_employer_missing_live_is_left_to_the_missing_check() -> None:
    assert identity_problems([("e.yaml", _file("X"))], {}) == []
