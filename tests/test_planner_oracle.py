"""The planner's answers on the adversarial catalog, written out by hand.

Each test pins a behaviour a reviewer relies on that the mutation run
(``docs/mutation-testing.md``) found loose: which rights are revoked and which are left
alone, what the plan asks a person to check by hand, rights steps for users whose
rights cannot be read, live names that differ only in case or spacing, why a step is
blocked (word for word), which products explain a tier change, and which steps carry
review flags. Expected values are written out here, never computed by the planner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.model import EmployerPlan
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.providers.base import Action, LiveEmployer, LiveUser, Step
from tests.adversarial import (
    ADVERSARIAL,
    CHAIN,
    GATED,
    PLUS,
    PORTAL,
    PRO,
    RIGHT_PLUS,
    RIGHT_PORTAL,
    START,
)

EID = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"
WG: UserType = "werkgevergebruiker"
AK: UserType = "ak-gebruiker"
ON, OFF, GRANT, REVOKE = Action.ACTIVATE, Action.DEACTIVATE, Action.GRANT, Action.REVOKE
SIGNED = {"status": "signed", "signed_on": "2026-03-14", "ticket": "LKT-1"}
UNREAD_WG = (
    "the rights of werkgevergebruikers could not be read (Loket.nl does not offer that);"
    " their rights steps are sent as they are in the file and marked unverified, and"
    " users the file does not name are left alone"
)


def employer(
    products: list[str],
    users: Iterable[dict[str, object]] = (),
    addendum: Mapping[str, object] = SIGNED,
) -> EmployerFile:
    return EmployerFile.model_validate(
        {
            "version": 1,
            "employer_id": EID,
            "name": "Bakkerij De Vries B.V.",
            "addendum": addendum,
            "products": products,
            "users": list(users),
        }
    )


def user(login: str, user_type: UserType, rights: list[str]) -> dict[str, object]:
    return {"login": login, "type": user_type, "rights": rights}


def live(
    products: Iterable[str],
    users: Iterable[LiveUser] = (),
    *,
    available: bool = True,
    unread: Iterable[UserType] = (),
) -> LiveEmployer:
    return LiveEmployer(
        EID,
        "BAKKERIJ DE VRIES",  # Loket's spelling, not the file's
        available,
        frozenset(products),
        {u.login.casefold(): u for u in users},
        frozenset(unread),
    )


def everything(step: Step) -> bool:
    return True


def plan(
    desired: EmployerFile,
    have: LiveEmployer,
    observed: tuple[UserType, ...] = (AK, WG),
) -> EmployerPlan:
    return plan_employer(
        ADVERSARIAL, "employers/bakkerij.yaml", desired, have, everything, observed.__contains__
    )


def right_step(action: Action, right: str, login: str, user_type: UserType) -> Step:
    return Step(EID, action, right=right, login=login, user_type=user_type)


def product_step(action: Action, product: str) -> Step:
    return Step(EID, action, product=product)


# -- rights: revoked, left alone ----------------------------------------------------------


def test_rights_the_catalog_does_not_know_are_left_alone_known_ones_revoked() -> None:
    """A live right the catalog does not know is reported nowhere and never revoked
    (it may be one this tool has never heard of); a known right nobody asks for is
    revoked, for the user holding it, with that user's type."""
    desired = employer([PORTAL, PLUS], [user("wim@b.nl", WG, [])])
    have = live(
        [PORTAL, PLUS],
        [
            LiveUser("wim@b.nl", WG, frozenset({"Oud recht", RIGHT_PORTAL})),
            LiveUser("anna@b.nl", AK, frozenset({"Oud recht", RIGHT_PLUS})),
        ],
    )
    result = plan(desired, have)
    assert [s.step for s in result.steps] == [
        right_step(REVOKE, RIGHT_PORTAL, "wim@b.nl", WG),
        right_step(REVOKE, RIGHT_PLUS, "anna@b.nl", AK),
    ]
    assert [(s.blocked, s.waits_on, s.flags) for s in result.steps] == [(None, (), ())] * 2


def test_a_revoke_waits_on_nothing_even_when_its_product_is_switched_on() -> None:
    """Revokes run first: one that waited on a later activation could never start."""
    desired = employer([PORTAL, PLUS], [user("wim@b.nl", WG, [])])
    have = live([PORTAL], [LiveUser("wim@b.nl", WG, frozenset({RIGHT_PLUS}))])
    result = plan(desired, have)
    assert [(s.step, s.waits_on) for s in result.steps] == [
        (right_step(REVOKE, RIGHT_PLUS, "wim@b.nl", WG), ()),
        (product_step(ON, PLUS), ()),
    ]


# -- rights that cannot be read -----------------------------------------------------------


def test_rights_that_cannot_be_read_are_set_as_the_file_says_and_marked_unverified() -> None:
    """Werkgevergebruikers' rights cannot be read: each right such a user can hold is
    set explicitly, a grant for those listed and a revoke for the others (only while the
    user exists: a user still to be created has nothing to revoke). Users of other types
    before and after them are planned as usual."""
    desired = employer(
        [PORTAL, PLUS],
        [
            user("anna@b.nl", AK, [RIGHT_PLUS]),
            user("bert@b.nl", WG, [RIGHT_PORTAL]),
            user("carla@b.nl", WG, [RIGHT_PLUS]),
            user("dirk@b.nl", AK, [RIGHT_PLUS]),
        ],
    )
    have = live(
        [PORTAL, PLUS],
        [LiveUser("anna@b.nl", AK), LiveUser("bert@b.nl", WG), LiveUser("dirk@b.nl", AK)],
        unread=[WG],
    )
    result = plan(desired, have)
    assert [(s.step, s.flags, s.blocked) for s in result.steps] == [
        (right_step(REVOKE, RIGHT_PLUS, "bert@b.nl", WG), ("unverified",), None),
        (right_step(GRANT, RIGHT_PORTAL, "bert@b.nl", WG), ("unverified",), None),
        (right_step(GRANT, RIGHT_PLUS, "anna@b.nl", AK), ("personal-data",), None),
        (
            right_step(GRANT, RIGHT_PLUS, "carla@b.nl", WG),
            ("personal-data", "unverified"),
            "user carla@b.nl does not exist in Loket for this employer; create it first",
        ),
        (right_step(GRANT, RIGHT_PLUS, "dirk@b.nl", AK), ("personal-data",), None),
    ]
    assert result.unchecked == (UNREAD_WG,)


def test_an_unread_user_is_sent_only_rights_its_type_can_hold() -> None:
    """Recht Portaal is for werkgevergebruikers only: an ak-gebruiker whose rights
    cannot be read gets no step for it, only for Recht Plus."""
    desired = employer([PORTAL, PLUS], [user("anna@b.nl", AK, [])])
    have = live([PORTAL, PLUS], [LiveUser("anna@b.nl", AK)], unread=[AK])
    result = plan(desired, have)
    assert [s.step for s in result.steps] == [right_step(REVOKE, RIGHT_PLUS, "anna@b.nl", AK)]


def test_the_unread_rights_note_is_given_only_for_a_user_type_the_file_names() -> None:
    desired = employer([PORTAL], [user("wim@b.nl", WG, [RIGHT_PORTAL])])
    have = live([PORTAL], [LiveUser("wim@b.nl", WG)], unread=[AK, WG])
    assert plan(desired, have).unchecked == (UNREAD_WG,)


# -- what a person must check by hand -----------------------------------------------------


def test_the_check_by_hand_list_names_each_right_the_provider_cannot_see() -> None:
    """Loket.nl shows no ak-gebruiker's rights: each right the file gives one is a line
    to check by hand (a right the catalog does not know is validate's business, not a
    line here), and no step is planned for that user. The werkgevergebruiker after it
    is planned as usual; the other notes come after the rights, all together."""
    desired = employer(
        [PORTAL, PLUS],
        [
            user("anna@b.nl", AK, [RIGHT_PLUS, "Onbekend recht"]),
            user("wim@b.nl", WG, [RIGHT_PORTAL]),
        ],
    )
    have = live(
        ["portaal", PLUS], [LiveUser("anna@b.nl", AK), LiveUser("wim@b.nl", WG)], unread=[WG]
    )
    result = plan(desired, have, observed=(WG,))
    assert result.unchecked == (
        "anna@b.nl (ak-gebruiker) should hold Recht Plus; the provider cannot see the"
        " rights of an ak-gebruiker, so check this by hand",
        UNREAD_WG,
        "live product 'portaal' differs from the catalog's 'Portaal' only in case or"
        " spacing; read as 'Portaal'",
    )
    assert [s.step for s in result.steps] == [
        right_step(REVOKE, RIGHT_PLUS, "wim@b.nl", WG),
        right_step(GRANT, RIGHT_PORTAL, "wim@b.nl", WG),
    ]


def test_nothing_to_check_by_hand_when_the_provider_sees_every_right() -> None:
    desired = employer([PORTAL], [user("wim@b.nl", WG, [RIGHT_PORTAL])])
    have = live([PORTAL], [LiveUser("wim@b.nl", WG, frozenset({RIGHT_PORTAL}))])
    result = plan(desired, have)
    assert (result.steps, result.unchecked, result.unknown_live_products) == ((), (), ())


# -- live names that differ only in case or spacing ---------------------------------------


def test_a_live_name_differing_in_case_or_spacing_is_read_as_the_catalog_product() -> None:
    """Loket spelling 'portaal' or 'Pro   eerst' is the same product: it is neither
    activated again nor reported as unknown, and it counts for the tier before; a name
    that is really unknown is still reported."""
    desired = employer([PORTAL, PRO, *CHAIN])
    have = live(["portaal", " Pro   eerst", *CHAIN, "Onbekend"])
    result = plan(desired, have)
    assert result.steps == ()
    assert result.unknown_live_products == ("Onbekend",)
    assert (result.tier_before, result.tier_after, result.tier_reasons) == ("pro", "pro", ())
    assert result.unchecked == (
        "live product ' Pro   eerst' differs from the catalog's 'Pro Eerst' only in case or"
        " spacing; read as 'Pro Eerst'",
        "live product 'portaal' differs from the catalog's 'Portaal' only in case or"
        " spacing; read as 'Portaal'",
    )


# -- blocked steps, word for word ---------------------------------------------------------


def test_pending_evidence_holds_back_every_step_of_the_file() -> None:
    pending = {"status": "signed", "evidence": "pending"}
    result = plan(employer([PORTAL], addendum=pending), live([]))
    [activate] = result.steps
    assert activate.blocked == (
        "the addendum's evidence is pending (evidence: pending): planned but not applied"
        " until signed_on and ticket are filled in"
    )


def test_an_unprocessed_addendum_blocks_gated_products_and_what_waits_on_them() -> None:
    """Both gated products are blocked, naming the ticket to chase; what needs the
    portal (a product, a grant) says which blocked step it waits on; a product that
    needs nothing gated goes ahead, and no step here carries a review flag."""
    desired = employer([PORTAL, GATED, PLUS, "Keten 0"], [user("wim@b.nl", WG, [RIGHT_PORTAL])])
    have = live([], [LiveUser("wim@b.nl", WG)], available=False)
    result = plan(desired, have)
    not_yet = "the signed addendum has not been processed (ticket LKT-1)"
    assert [(s.step.subject, s.blocked, s.flags) for s in result.steps] == [
        (PORTAL, f"Loket does not offer {PORTAL} for this employer yet: {not_yet}", ()),
        ("Keten 0", None, ()),
        (GATED, f"Loket does not offer {GATED} for this employer yet: {not_yet}", ()),
        (PLUS, f"waits on a blocked step: activate {PORTAL}", ()),
        (f"{RIGHT_PORTAL} for wim@b.nl", f"waits on a blocked step: activate {PORTAL}", ()),
    ]


def test_without_a_ticket_the_blocked_message_names_none() -> None:
    """The planner judges each file on its own: one whose addendum is only requested
    (validate rejects it; the planner still answers) gets no made-up ticket."""
    result = plan(employer([PORTAL], addendum={"status": "requested"}), live([], available=False))
    [activate] = result.steps
    assert activate.blocked == (
        f"Loket does not offer {PORTAL} for this employer yet: the signed addendum has not"
        " been processed"
    )


def test_a_grant_to_a_user_of_another_type_is_blocked_with_what_to_correct() -> None:
    desired = employer([PORTAL], [user("wim@b.nl", WG, [RIGHT_PORTAL])])
    result = plan(desired, live([PORTAL], [LiveUser("wim@b.nl", AK)]))
    [grant] = result.steps
    assert grant.step == right_step(GRANT, RIGHT_PORTAL, "wim@b.nl", WG)
    assert grant.blocked == (
        "user wim@b.nl is an ak-gebruiker in Loket but the file says werkgevergebruiker;"
        " correct the file"
    )


# -- tier reasons -------------------------------------------------------------------------


def test_an_upgrade_is_explained_only_by_products_above_the_old_tier() -> None:
    """Start to Plus: the Start product switched on at the same time explains nothing."""
    result = plan(employer([PORTAL, START, PLUS]), live([PORTAL]))
    assert (result.tier_before, result.tier_after) == ("start", "plus")
    assert result.tier_reasons == ((PLUS, "plus"),)


def test_a_downgrade_is_explained_by_the_products_above_the_new_tier() -> None:
    """Pro to Plus: Pro Eerst going off explains it; its chain (no tier) does not."""
    result = plan(employer([PORTAL, PLUS]), live([PORTAL, PLUS, PRO, *CHAIN]))
    assert (result.tier_before, result.tier_after) == ("pro", "plus")
    assert result.tier_reasons == ((PRO, "pro"),)


def test_no_tier_reasons_when_the_portal_is_off_before_and_after() -> None:
    """Without the portal there is no tier, before or after: products with a tier
    effect going off change no tier, so nothing explains a change."""
    result = plan(employer([]), live([PRO, PLUS]))
    assert (result.tier_before, result.tier_after, result.tier_reasons) == (None, None, ())
    assert [s.step for s in result.steps] == [product_step(OFF, PRO), product_step(OFF, PLUS)]


# -- what the plan says about itself ------------------------------------------------------


def test_the_plan_names_its_file_and_the_employer_as_loket_and_the_file_do() -> None:
    result = plan(employer([PORTAL]), live([PORTAL]))
    assert (result.employer_id, result.path) == (EID, "employers/bakkerij.yaml")
    assert (result.name, result.file_name) == ("BAKKERIJ DE VRIES", "Bakkerij De Vries B.V.")
