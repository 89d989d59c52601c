"""The planner: steps, ordering, blocked and manual steps, tiers, guards."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mijnloket_gitops.catalog import Catalog, builtin_catalog
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.ordering import order_violations
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.providers.base import Action, LiveEmployer, LiveUser, Step
from mijnloket_gitops.tier import derive_tier

CATALOG = builtin_catalog()
EID = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"
RIGHT = "Raadplegen MijnLoket e-mailadres"


def valid_products(catalog: Catalog, seed_products: set[str], rng: random.Random) -> list[str]:
    """``seed_products`` closed under the catalog's dependencies, without conflicts."""
    chosen = set(seed_products)
    changed = True
    while changed:
        changed = False
        for name in list(chosen):
            product = catalog.products[name]
            for needed in product.requires:
                if needed not in chosen:
                    chosen.add(needed)
                    changed = True
            for group in product.requires_one_of:
                if not chosen.intersection(group):
                    chosen.add(rng.choice(group))
                    changed = True
    for name in sorted(chosen):
        for other in catalog.products[name].excludes:
            if name in chosen and other in chosen:
                chosen.discard(other)
                # whatever needed ``other`` can use ``name`` instead (one-of groups)
    return catalog.sort(chosen)


def employer(products: list[str], users: list[dict[str, object]] | None = None) -> EmployerFile:
    tier = derive_tier(CATALOG, products).tier
    return EmployerFile.model_validate(
        {
            "version": 1,
            "employer_id": EID,
            "name": "Bakkerij De Vries B.V.",
            "addendum": {"status": "signed", "signed_on": "2026-03-14", "ticket": "LKT-1"},
            "tier": tier,
            "products": products,
            "users": users or [],
        }
    )


def live(
    products: set[str], *, available: bool = True, users: dict[str, LiveUser] | None = None
) -> LiveEmployer:
    return LiveEmployer(EID, "Bakkerij De Vries B.V.", available, frozenset(products), users or {})


def always(step: Step) -> bool:
    return True


def test_activation_order_prerequisites_first_portal_first() -> None:
    desired = employer(
        [
            "MijnLoket",
            "MijnLoket - Verlofaanvragen",
            "Verlofregistratie",
            "Verlofregeling",
            "Workflow editor",
        ]
    )
    plan = plan_employer(CATALOG, "f.yaml", desired, live(set()), always)
    names = [s.step.product for s in plan.steps]
    assert names[0] == "MijnLoket"
    assert names.index("MijnLoket - Verlofaanvragen") > names.index("Verlofregistratie")
    assert names.index("MijnLoket - Verlofaanvragen") > names.index("Verlofregeling")
    assert order_violations(CATALOG, [s.step for s in plan.steps]) == []
    waits = dict((s.step.product, s.waits_on) for s in plan.steps)
    assert f"{EID}|activate|MijnLoket||" in waits["MijnLoket - Verlofaanvragen"]


def test_deactivation_order_dependents_first_portal_last() -> None:
    everything = {
        "MijnLoket",
        "MijnLoket - Verlofaanvragen",
        "Verlofregistratie",
        "Verlofregeling",
        "MijnLoket - Assistent",
    }
    plan = plan_employer(CATALOG, "f.yaml", employer([]), live(everything), always)
    names = [s.step.product for s in plan.steps]
    assert names[-1] == "MijnLoket"
    assert names.index("MijnLoket - Verlofaanvragen") < names.index("Verlofregistratie")
    assert plan.tier_before == "pro" and plan.tier_after is None
    assert plan.tier_change == "downgrade"


def test_rights_revoked_first_and_granted_last() -> None:
    users = {
        "a@x.nl": LiveUser("a@x.nl", "ak-gebruiker", frozenset({RIGHT})),
        "b@x.nl": LiveUser("b@x.nl", "werkgevergebruiker"),
    }
    desired = employer(
        ["MijnLoket"],
        [{"login": "b@x.nl", "type": "werkgevergebruiker", "rights": [RIGHT]}],
    )
    plan = plan_employer(CATALOG, "f.yaml", desired, live(set(), users=users), always)
    actions = [s.step.action for s in plan.steps]
    assert actions == [Action.REVOKE, Action.ACTIVATE, Action.GRANT]
    grant = plan.steps[-1]
    assert grant.flags == ("personal-data",)
    assert grant.waits_on == (f"{EID}|activate|MijnLoket||",)


def test_portal_not_available_blocks_it_and_its_dependents() -> None:
    desired = employer(["MijnLoket", "MijnLoket - Assistent", "Workflow editor"])
    plan = plan_employer(CATALOG, "f.yaml", desired, live(set(), available=False), always)
    by_name = {s.step.product: s for s in plan.steps}
    assert by_name["MijnLoket"].blocked and "LKT-1" in by_name["MijnLoket"].blocked
    assert by_name["MijnLoket - Assistent"].blocked
    assert by_name["Workflow editor"].blocked is None


def test_manual_steps_are_marked_from_the_provider() -> None:
    desired = employer(["MijnLoket"])

    def rights_only(step: Step) -> bool:
        return step.product is None

    plan = plan_employer(CATALOG, "f.yaml", desired, live(set()), rights_only)
    assert [s.manual for s in plan.steps] == [True]


def test_grant_to_missing_user_is_blocked_unless_manual() -> None:
    desired = employer(
        ["MijnLoket"], [{"login": "n@x.nl", "type": "ak-gebruiker", "rights": [RIGHT]}]
    )
    plan = plan_employer(CATALOG, "f.yaml", desired, live({"MijnLoket"}), always)
    assert plan.steps[0].blocked and "does not exist" in plan.steps[0].blocked

    def person_grants(step: Step) -> bool:
        return step.action != Action.GRANT

    # A person grants it in the web UI, creating the user there if need be: not blocked.
    manual = plan_employer(CATALOG, "f.yaml", desired, live({"MijnLoket"}), person_grants)
    [grant] = manual.steps
    assert (grant.step.action, grant.manual, grant.blocked) == (Action.GRANT, True, None)


def test_unknown_live_products_are_reported_not_touched() -> None:
    plan = plan_employer(CATALOG, "f.yaml", employer([]), live({"Loonstrookjes Pro X"}), always)
    assert plan.steps == ()
    assert plan.unknown_live_products == ("Loonstrookjes Pro X",)


def test_tier_upgrade_reasons_name_the_products() -> None:
    base = {"MijnLoket", "MijnLoket - Verlofaanvragen", "Verlofregistratie", "Verlofregeling"}
    desired = employer(CATALOG.sort(base | {"MijnLoket - Preboarding", "Preboarding"}))
    plan = plan_employer(CATALOG, "f.yaml", desired, live(base), always)
    assert (plan.tier_before, plan.tier_after, plan.tier_change) == ("plus", "pro", "upgrade")
    assert plan.tier_reasons == (("MijnLoket - Preboarding", "pro"),)


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.sampled_from(sorted(CATALOG.products))),
    st.sets(st.sampled_from(sorted(CATALOG.products))),
    st.integers(0, 2**32),
)
def test_every_generated_plan_satisfies_the_ordering_rules(
    want: set[str], have: set[str], seed: int
) -> None:
    products = valid_products(CATALOG, want, random.Random(seed))
    desired = employer(
        products,
        [
            {
                "login": "u@x.nl",
                "type": "ak-gebruiker",
                "rights": [RIGHT] if "MijnLoket" in products else [],
            }
        ],
    )
    users = {
        "u@x.nl": LiveUser(
            "u@x.nl", "ak-gebruiker", frozenset({RIGHT}) if seed % 2 else frozenset()
        )
    }
    plan = plan_employer(CATALOG, "f.yaml", desired, live(have, users=users), always)
    assert order_violations(CATALOG, [s.step for s in plan.steps]) == []
    after = (have - {s.step.product for s in plan.steps if s.step.action == Action.DEACTIVATE}) | {
        s.step.product for s in plan.steps if s.step.action == Action.ACTIVATE
    }
    assert after == set(products)


def test_with_prerequisites_adds_what_products_need_transitively() -> None:
    got = CATALOG.with_prerequisites({"MijnLoket - Declaraties"})
    assert got == {
        "MijnLoket - Declaraties",
        "MijnLoket",
        "Workflow editor",
        "Dossiervorming Qwoater Lite",
    }
    assert "Dossiervorming Qwoater Extended" in CATALOG.with_prerequisites(
        {"MijnLoket - Documenten"}, pick=1
    )
    assert CATALOG.with_prerequisites(
        {"MijnLoket - Documenten", "Dossiervorming Qwoater Extended"}
    ) == {"MijnLoket - Documenten", "Dossiervorming Qwoater Extended", "MijnLoket"}


def test_a_deactivation_never_waits_on_an_activation() -> None:
    """Switching Qwoater editions while adding Documenten (which needs one of them): the
    deactivation of Lite waits on no activation, though Lite is among Documenten's
    prerequisites (a surviving mutant dropped ``action == DEACTIVATE`` from the test
    and made it wait on activating Documenten, in the plan and the work order)."""
    desired = employer(["MijnLoket", "MijnLoket - Documenten", "Dossiervorming Qwoater Extended"])
    plan = plan_employer(
        CATALOG, "f.yaml", desired, live({"MijnLoket", "Dossiervorming Qwoater Lite"}), always
    )
    by_product = {(s.step.action, s.step.product): s for s in plan.steps}
    off = by_product[(Action.DEACTIVATE, "Dossiervorming Qwoater Lite")]
    assert (Action.ACTIVATE, "MijnLoket - Documenten") in by_product
    assert off.waits_on == ()
    assert order_violations(CATALOG, [s.step for s in plan.steps]) == []
