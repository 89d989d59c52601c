"""The domain core against an adversarial catalog and answers written out by hand.

Tier, catalog closure and depth, ordering and the planner are checked here against
``tests/adversarial.py`` (a catalog override that breaks every comfortable property
of the built-in one) and against the built-in catalog, with expected values from an
independent table, never from ``derive_tier`` or the ordering code itself. The
mutation run (``docs/mutation-testing.md``) measures how much of the core these tests
pin down.
"""

from __future__ import annotations

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.ordering import PHASE, order_steps, order_violations, sort_key
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.providers.base import Action, LiveEmployer, LiveUser, Step
from mijnloket_gitops.tier import TierResult, derive_tier, tier_rank
from tests.adversarial import (
    ADVERSARIAL,
    CHAIN,
    CHOICE,
    CYCLE,
    EXPECTED_DEPTHS,
    EXPECTED_TIERS,
    GATED,
    PLUS,
    PORTAL,
    PRO,
    RIGHT_PLUS,
    RIGHT_PORTAL,
    SELF,
    START,
)

BUILTIN = builtin_catalog()
EID = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"
ML = "MijnLoket"

BUILTIN_TIERS: list[tuple[frozenset[str], str | None]] = [
    # from the Loket help article, by hand: Verlofaanvragen makes Plus, Preboarding Pro
    (frozenset(), None),
    (frozenset({"Verlofregistratie"}), None),
    (frozenset({ML}), "start"),
    (frozenset({ML, "MijnLoket - Documenten", "Dossiervorming Qwoater Lite"}), "start"),
    (frozenset({ML, "MijnLoket - Verlofaanvragen"}), "plus"),
    (frozenset({ML, "MijnLoket - Declaraties", "Workflow editor"}), "plus"),
    (frozenset({ML, "MijnLoket - Preboarding"}), "pro"),
    (frozenset({ML, "Management Self Service", "MijnLoket - Verlofaanvragen"}), "pro"),
    (frozenset({"MijnLoket - Preboarding"}), None),
]


# -- tier ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("products", "tier", "reasons"), EXPECTED_TIERS)
def test_tier_of_the_adversarial_catalog_matches_the_hand_table(
    products: frozenset[str], tier: str | None, reasons: tuple[str, ...]
) -> None:
    """A Pro product listed before a Plus one: keeping the last product's tier (the
    mutant ``if True`` for ``rank > rank[best]``) would state Plus, and the price."""
    result = derive_tier(ADVERSARIAL, products)
    assert result.tier == tier
    assert [name for name, _ in result.reasons] == list(reasons)
    assert all(t == ADVERSARIAL.products[n].tier for n, t in result.reasons)


@pytest.mark.parametrize(("products", "tier"), BUILTIN_TIERS)
def test_tier_of_the_builtin_catalog_matches_the_hand_table(
    products: frozenset[str], tier: str | None
) -> None:
    assert derive_tier(BUILTIN, products).tier == tier


def test_tier_reasons_read_as_a_sentence() -> None:
    assert TierResult("start", ()).because() == "only Start products are active"
    both = TierResult("pro", ((PRO, "pro"), (PLUS, "plus")))
    assert both.because() == "Pro Eerst (pro), Plus Later (plus)"


def test_tier_rank_orders_no_tier_below_start_below_plus_below_pro() -> None:
    assert [tier_rank(t) for t in (None, "start", "plus", "pro")] == [0, 1, 2, 3]


# -- catalog: closure, depth, order -------------------------------------------------------


def test_depths_follow_the_longest_chain_and_end_on_a_cycle() -> None:
    depths = ADVERSARIAL.depths
    assert {k: depths[k] for k in EXPECTED_DEPTHS} == EXPECTED_DEPTHS
    assert set(CYCLE) <= set(depths)  # computed, finitely


def test_with_prerequisites_is_transitive_through_a_chain_three_deep() -> None:
    assert ADVERSARIAL.with_prerequisites({PRO}) == {PRO, PORTAL, *CHAIN}
    assert ADVERSARIAL.with_prerequisites({CYCLE[0]}) == set(CYCLE)
    assert ADVERSARIAL.with_prerequisites({CHOICE}) == {CHOICE, *CHAIN}
    assert ADVERSARIAL.with_prerequisites({CHOICE}, pick=1) == {CHOICE, "Keten 0"}
    assert ADVERSARIAL.with_prerequisites({CHOICE, "Keten 0"}) == {CHOICE, "Keten 0"}


def test_catalog_sort_puts_unknown_names_last_alphabetically() -> None:
    assert ADVERSARIAL.sort({"Zeta", PLUS, "Alfa", PRO}) == [PRO, PLUS, "Alfa", "Zeta"]


# -- ordering: the checker ----------------------------------------------------------------


def step(action: Action, product: str | None = None, right: str | None = None) -> Step:
    login = "a@b.nl" if right else None
    return Step(EID, action, product=product, right=right, login=login)


ON, OFF, GRANT, REVOKE = Action.ACTIVATE, Action.DEACTIVATE, Action.GRANT, Action.REVOKE

GOOD = [
    step(REVOKE, right=RIGHT_PLUS),
    step(OFF, PLUS),
    step(ON, PORTAL),
    step(ON, "Keten 0"),
    step(ON, "Keten 1"),
    step(ON, "Keten 2"),
    step(ON, PRO),
    step(GRANT, right=RIGHT_PORTAL),
]


def test_a_good_sequence_has_no_violations() -> None:
    assert order_violations(ADVERSARIAL, GOOD) == []
    assert order_violations(ADVERSARIAL, []) == []


def test_a_product_that_requires_itself_is_not_out_of_order_with_itself() -> None:
    """A cycle of one in an override: the step is its own prerequisite, neither before
    nor after itself."""
    assert order_violations(ADVERSARIAL, [step(ON, PORTAL), step(ON, SELF)]) == []
    assert order_violations(ADVERSARIAL, [step(OFF, SELF), step(OFF, PORTAL)]) == []


def test_a_right_the_catalog_does_not_know_needs_nothing() -> None:
    unknown = [step(ON, PORTAL), step(GRANT, right="Onbekend recht")]
    assert order_violations(ADVERSARIAL, unknown) == []


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        # activating before a prerequisite is on (two deep: Keten 2 needs Keten 1)
        (
            [step(ON, PORTAL), step(ON, "Keten 2"), step(ON, "Keten 1")],
            "activate Keten 2 before activating Keten 1",
        ),
        # granting a right before the product it needs is on
        (
            [step(GRANT, right=RIGHT_PLUS), step(ON, PORTAL), step(ON, PLUS)],
            f"grant {RIGHT_PLUS} for a@b.nl before activating {PLUS}",
        ),
        # deactivating after what it needs went off
        (
            [step(OFF, "Keten 1"), step(OFF, "Keten 2")],
            "deactivate Keten 2 after deactivating Keten 1",
        ),
        # revoking a right after the product it needs went off
        (
            [step(OFF, PLUS), step(REVOKE, right=RIGHT_PLUS)],
            f"revoke {RIGHT_PLUS} for a@b.nl after deactivating {PLUS}",
        ),
        # a phase after a later one: revoke < deactivate < activate < grant
        ([step(ON, "Keten 0"), step(OFF, START)], "deactivate Start Laatst after a later phase"),
        (
            [step(GRANT, right=RIGHT_PORTAL), step(ON, "Keten 0")],
            "activate Keten 0 after a later phase",
        ),
        (
            [step(OFF, "Keten 0"), step(REVOKE, right=RIGHT_PORTAL)],
            f"revoke {RIGHT_PORTAL} for a@b.nl after a later phase",
        ),
        # the portal first on, last off
        ([step(ON, "Keten 0"), step(ON, PORTAL)], f"{PORTAL} is not first on"),
        ([step(OFF, PORTAL), step(OFF, "Keten 0")], f"{PORTAL} is not last off"),
    ],
)
def test_each_ordering_rule_is_enforced(steps: list[Step], problem: str) -> None:
    found = order_violations(ADVERSARIAL, steps)
    assert problem in found, found


def test_the_checker_keeps_its_own_phase_order() -> None:
    """Changing a rank in ``PHASE`` (or making two equal) must not change the checker:
    it would then agree with any order the sorter produced."""
    assert sorted(PHASE, key=PHASE.__getitem__) == [REVOKE, OFF, ON, GRANT]
    assert len(set(PHASE.values())) == 4


# -- ordering: the sorter -----------------------------------------------------------------


def test_order_steps_sorts_an_adversarial_set_into_the_hand_written_order() -> None:
    shuffled = [
        step(GRANT, right=RIGHT_PLUS),
        step(ON, PRO),
        step(OFF, PORTAL),
        step(ON, "Keten 1"),
        step(REVOKE, right=RIGHT_PORTAL),
        step(OFF, START),
        step(ON, GATED),
        step(ON, "Keten 2"),
        step(OFF, CHOICE),
        step(ON, "Keten 0"),
        step(GRANT, right=RIGHT_PORTAL),
    ]
    expected = [
        step(REVOKE, right=RIGHT_PORTAL),
        step(OFF, CHOICE),  # depth 3 goes off before depth 1
        step(OFF, START),
        step(OFF, PORTAL),  # the gated portal last among equals
        step(ON, "Keten 0"),  # depth 0: the chain's root first
        step(ON, GATED),  # depth 1, gated: before the ungated one of its depth
        step(ON, "Keten 1"),
        step(ON, "Keten 2"),
        step(ON, PRO),
        step(GRANT, right=RIGHT_PORTAL),  # rights in catalog order
        step(GRANT, right=RIGHT_PLUS),
    ]
    assert order_steps(ADVERSARIAL, shuffled) == expected


def test_sort_key_of_unknown_products_and_rights() -> None:
    unknown = sort_key(ADVERSARIAL, step(ON, "Onbekend"))
    assert unknown == (PHASE[ON], 0, 1, len(ADVERSARIAL.products), "Onbekend")
    right = sort_key(ADVERSARIAL, Step(EID, GRANT, right="Onbekend", login="B@x.nl"))
    assert right == (PHASE[GRANT], 0, 0, 0, "b@x.nl")
    assert sort_key(ADVERSARIAL, step(GRANT, right=RIGHT_PLUS))[1] == 1
    no_login = sort_key(ADVERSARIAL, Step(EID, GRANT, right=RIGHT_PLUS))
    assert no_login == (PHASE[GRANT], 1, 0, 0, "")
    gated_off = sort_key(ADVERSARIAL, step(OFF, GATED))
    assert gated_off == (PHASE[OFF], -1, 1, list(ADVERSARIAL.products).index(GATED), GATED)


# -- the planner on the adversarial catalog -----------------------------------------------


def employer(products: list[str], tier: str | None, users: list[dict[str, object]]) -> EmployerFile:
    return EmployerFile.model_validate(
        {
            "version": 1,
            "employer_id": EID,
            "name": "Bakkerij De Vries B.V.",
            "addendum": {"status": "signed", "signed_on": "2026-03-14", "ticket": "LKT-1"},
            "tier": tier,
            "products": products,
            "users": users,
        }
    )


def test_the_planner_orders_a_deep_chain_and_two_rights() -> None:
    wanted = [PORTAL, PRO, *CHAIN, PLUS]
    users: list[dict[str, object]] = [
        {"login": "a@b.nl", "type": "werkgevergebruiker", "rights": [RIGHT_PORTAL, RIGHT_PLUS]}
    ]
    desired = employer(wanted, "pro", users)
    have = LiveEmployer(
        EID, "x", True, frozenset({START}), {"a@b.nl": LiveUser("a@b.nl", "werkgevergebruiker")}
    )
    plan = plan_employer(ADVERSARIAL, "f.yaml", desired, have, lambda s: True)
    got = [(s.step.action, s.step.product or s.step.right) for s in plan.steps]
    assert got == [
        (OFF, START),
        (ON, PORTAL),  # depth 0 and gated
        (ON, "Keten 0"),
        (ON, PLUS),  # depth 1: catalog position decides between these two
        (ON, "Keten 1"),
        (ON, "Keten 2"),
        (ON, PRO),
        (GRANT, RIGHT_PORTAL),
        (GRANT, RIGHT_PLUS),
    ]
    assert order_violations(ADVERSARIAL, [s.step for s in plan.steps]) == []
    assert (plan.tier_before, plan.tier_after) == (None, "pro")
    waits = {s.step.product or s.step.right: s.waits_on for s in plan.steps}
    assert f"{EID}|activate|Keten 1||" in waits["Keten 2"]
    assert f"{EID}|activate|{PLUS}||" in waits[RIGHT_PLUS]


def test_the_planner_makes_deactivations_wait_on_their_dependents() -> None:
    """Each product goes off only after what needs it went off (three deep)."""
    desired = employer([PORTAL], "start", [])
    have = LiveEmployer(EID, "x", True, frozenset({PORTAL, PRO, *CHAIN}), {})
    plan = plan_employer(ADVERSARIAL, "f.yaml", desired, have, lambda s: True)
    assert [s.step.product for s in plan.steps] == [PRO, "Keten 2", "Keten 1", "Keten 0"]
    waits = {s.step.product: s.waits_on for s in plan.steps}
    assert waits[PRO] == ()
    assert waits["Keten 2"] == (f"{EID}|deactivate|{PRO}||",)
    assert waits["Keten 1"] == (f"{EID}|deactivate|Keten 2||",)
    assert waits["Keten 0"] == (f"{EID}|deactivate|Keten 1||",)
    assert (plan.tier_before, plan.tier_after) == ("pro", "start")


def test_a_grant_to_a_user_loket_does_not_show_is_manual_not_blocked() -> None:
    """The planner's manual case: where the provider cannot grant (a person does it),
    a missing user is no reason to block; where it can, it is."""
    users: list[dict[str, object]] = [
        {"login": "n@b.nl", "type": "werkgevergebruiker", "rights": [RIGHT_PORTAL]}
    ]
    desired = employer([PORTAL], "start", users)
    have = LiveEmployer(EID, "x", True, frozenset({PORTAL}), {})
    automatic = plan_employer(ADVERSARIAL, "f.yaml", desired, have, lambda s: True)
    [grant] = automatic.steps
    assert grant.blocked is not None and "does not exist" in grant.blocked
    assert not grant.manual

    def person_grants(step: Step) -> bool:
        return step.action != GRANT

    manual = plan_employer(ADVERSARIAL, "f.yaml", desired, have, person_grants)
    [grant] = manual.steps
    assert grant.manual and grant.blocked is None


def test_operation_guards_name_the_employer_the_tiers_and_the_portal() -> None:
    """A downgrade and the portal going off: each violation says who and what, word for
    word, and carries the employer's id (the plan output and the journal show both)."""
    from mijnloket_gitops.plan.model import Plan
    from mijnloket_gitops.plan.safety import operation_violations

    have = LiveEmployer(EID, "Bakkerij De Vries B.V.", True, frozenset({PORTAL, PRO, *CHAIN}), {})
    down = plan_employer(ADVERSARIAL, "f.yaml", employer([PORTAL], "start", []), have, always)
    off = plan_employer(ADVERSARIAL, "f.yaml", employer([], None, []), have, always)
    [downgrade] = operation_violations(Plan((down,)), ADVERSARIAL)
    assert (downgrade.guard, downgrade.employer_id) == ("tier-downgrade", EID)
    assert downgrade.message == "Bakkerij De Vries B.V.: tier goes down from pro to start"
    [removal] = operation_violations(Plan((off,)), ADVERSARIAL)  # to no tier: not a downgrade
    assert (removal.guard, removal.employer_id) == ("mijnloket-removal", EID)
    assert removal.message == (
        "Bakkerij De Vries B.V.: Portaal is switched off; its employees lose the portal"
    )


def always(step: Step) -> bool:
    return True


def test_ownership_guards_say_how_many_since_when_and_what_to_do() -> None:
    """Word for word: the counts, the base ref and the way out are what a reviewer
    acts on (mutants that blanked any of them survived)."""
    from mijnloket_gitops.config import OwnershipConfig
    from mijnloket_gitops.plan.model import Plan, RemovedEmployer
    from mijnloket_gitops.plan.safety import ownership_violations
    from mijnloket_gitops.providers.base import EmployerSummary

    plan = Plan(
        (),
        unmanaged=(EmployerSummary(EID, "Zonder Bestand"), EmployerSummary("b", "Twee")),
        removed=(RemovedEmployer(EID, "Weg", "employers/weg.yaml"),),
        meta={"base_ref": "origin/main"},
    )
    strict = OwnershipConfig(unmanaged="error", removed="refuse")
    unmanaged, removed = ownership_violations(plan, strict)
    assert (unmanaged.guard, unmanaged.employer_id) == ("unmanaged-employers", None)
    assert unmanaged.message == (
        "2 live employers have no file and ownership.unmanaged is error; add a file for"
        " each (`mijnloket-gitops import --employer ID`)"
    )
    assert removed.guard == "removed-files"
    assert removed.message == (
        "the files of 1 employers were removed since origin/main and ownership.removed is"
        " refuse; restore them, or offboard with a file that lists no products"
    )
    assert ownership_violations(plan, OwnershipConfig()) == []


def test_portfolio_guards_say_how_many_of_how_many_against_which_limit() -> None:
    from mijnloket_gitops.config import SafetyConfig
    from mijnloket_gitops.plan.model import Plan
    from mijnloket_gitops.plan.safety import Portfolio, portfolio_violations

    users: list[dict[str, object]] = [{"login": "a@b.nl", "type": "werkgevergebruiker"}]
    held = LiveUser("a@b.nl", "werkgevergebruiker", frozenset({RIGHT_PORTAL}))
    have = LiveEmployer(EID, "B", True, frozenset({PORTAL}), {"a@b.nl": held})
    plan = plan_employer(ADVERSARIAL, "f.yaml", employer([PORTAL], "start", users), have, always)
    safety = SafetyConfig(
        max_revocation_share=0.01,
        max_revocations=0,
        max_employer_share=0.01,
        min_count_for_shares=0,
        free_changes=0,
    )
    found = portfolio_violations(Plan((plan,)), safety, Portfolio(3, 5, 4))
    assert [(v.guard, v.message) for v in found] == [
        (
            "max-revocation-share",
            "the plan revokes 1 of 4 rights held in the managed portfolio (25%); the limit"
            " is 1% (safety.max_revocation_share)",
        ),
        ("max-revocations", "the plan revokes 1 rights; the limit is 0 (safety.max_revocations)"),
        (
            "max-employer-share",
            "the plan changes 1 of 3 managed employers (33%); the limit is 1%"
            " (safety.max_employer_share)",
        ),
    ]
