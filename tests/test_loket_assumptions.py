"""The shapes of issue 20 (``loket/assumptions/``): the rights flag (A15), the rights
of a PATCH answer (A16), right ids from set lists and details (A5, A14), opaque ids
(A17) and a user's authorization set (A18)."""

from __future__ import annotations

from typing import Any

import pytest

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A

UUID = "b14acd0d-75d7-4fc8-8b22-4a3924585cab"


@pytest.mark.parametrize(
    ("setting", "proven", "flags"),
    [
        ("auto", None, ("availableForEmployerUser", "isEnabled")),
        ("auto", "isEnabled", ("isEnabled",)),
        ("auto", "something else", ("availableForEmployerUser", "isEnabled")),
        ("availableForEmployerUser", "isEnabled", ("availableForEmployerUser",)),
        ("isEnabled", None, ("isEnabled",)),
    ],
)
def test_the_flags_a_rights_item_carries(
    setting: str, proven: str | None, flags: tuple[str, ...]
) -> None:
    assert A.rights_flags(setting, proven) == flags
    item = A.rights_item(UUID, "Beheren dienstverbanden", False, flags)
    assert item == {
        "id": UUID,
        "description": "Beheren dienstverbanden",
        **dict.fromkeys(flags, False),
    }


@pytest.mark.parametrize(
    ("item", "held"),
    [
        ({"id": UUID, "description": "R", "availableForEmployerUser": True}, True),
        ({"id": 7, "description": "R", "isEnabled": False}, False),
        (
            {"id": UUID, "description": "R", "isEnabled": True, "availableForEmployerUser": True},
            True,
        ),
    ],
)
def test_a_listed_right_is_read_by_whichever_flag_it_carries(
    item: dict[str, Any], held: bool
) -> None:
    assert A.parse_right_states([item]) == {"R": (item["id"], held)}


@pytest.mark.parametrize(
    "item",
    [
        {"id": UUID, "description": "R"},
        {"id": UUID, "description": "R", "isEnabled": True, "availableForEmployerUser": False},
        {"id": UUID, "description": "R", "isEnabled": "yes"},
        {"id": True, "description": "R", "isEnabled": True},
    ],
)
def test_a_right_whose_state_is_unclear_fails_closed(item: dict[str, Any]) -> None:
    with pytest.raises(ProviderError, match="Assumption A4"):
        A.parse_authorizations([item])


def test_a_patch_answer_carries_the_rights_or_nothing() -> None:
    item = {"id": UUID, "description": "R", "availableForEmployerUser": True}
    assert A.parse_patch_answer({"content": {"authorizations": [item]}, "version": {}}) == {
        "R": (UUID, True)
    }
    assert A.parse_patch_answer({"authorizations": [item]}) == {"R": (UUID, True)}
    bodies: list[Any] = [None, {}, {"content": {}}, {"content": {"authorizations": [{"id": 1}]}}]
    for body in bodies:
        assert A.parse_patch_answer(body) is None


def test_right_ids_from_nested_lists_and_from_details() -> None:
    ids: dict[str, set[A.RightId]] = {}
    listed = [
        {"id": "s-1", "description": "Set 1"},
        {"id": "s-2", "description": "Set 2", "authorizations": [{"id": UUID, "description": "R"}]},
    ]
    assert A.parse_authorization_sets(listed, ids) == ["s-1"]
    A.parse_authorization_set_details(
        {"id": "s-1", "authorizations": [{"id": UUID.upper(), "description": "R"}]}, ids
    )
    assert ids == {"R": {UUID}}, "the same id in another letter case is one id (A17)"
    with pytest.raises(ProviderError, match="A14"):
        A.parse_authorization_set_details({"id": "s-1"}, ids)
    with pytest.raises(ProviderError, match="A5"):
        A.parse_authorization_sets([{"id": "s-3", "authorizations": "none"}], ids)


def test_module_ids_are_kept_as_loket_sent_them() -> None:
    assert A.parse_provider_modules([{"id": UUID, "name": "Verlof"}, {"id": 3, "name": "X"}]) == {
        "Verlof": UUID,
        "X": 3,
    }
    assert A.module_switch_body(UUID, True) == {"modules": [{"id": UUID, "isEnabled": True}]}


def test_a_users_authorization_set() -> None:
    item = {"id": UUID, "description": "R", "isEnabled": False}
    body = {"content": {"id": "s", "description": "Eigen", "authorizations": [item]}}
    assert A.parse_user_authorization_set(body) == {"R": (UUID, False)}
    assert A.parse_user_authorization_set({"content": {"id": "s"}}) is None
