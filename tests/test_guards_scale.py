"""Issue 22: guards that scale down to a handful of employers and up to 10,000, a
guard for granting personal-data rights in bulk, and offboarding with one flag.

The table these tests pin (README, "Safety guards"), with the defaults: below
``min_count_for_shares`` (10) of what a share guard counts, more than
``free_changes`` (2) deactivations or revocations need the flag; from there on, more
than ``max_deactivation_share`` / ``max_revocation_share`` (10%). More than
``max_personal_data_grants`` (10) grants of personal-data rights need
``--allow-personal-data-grants``. An offboarding (MijnLoket switched off) needs
``--allow-mijnloket-removal`` only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.config import OwnershipConfig, SafetyConfig
from mijnloket_gitops.plan.model import PERSONAL_DATA_FLAG, EmployerPlan, Plan, PlannedStep
from mijnloket_gitops.plan.safety import Overrides, Portfolio, check_guards
from mijnloket_gitops.providers.base import Action, Step
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import start_emulator
from tests.loket_emulated import authorize, write_repo_config
from tests.test_loket_e2e import api_changes
from tests.test_plan_apply import BAKKERIJ, ROOT, apply_changes, run
from tests.test_plan_binding_loket import run as run_loket

CATALOG = builtin_catalog()
RIGHT = "Raadplegen MijnLoket e-mailadres"
PRODUCTS = ["Workflow editor", "Preboarding", "Verlofregistratie", "Verlofregeling"]


def eid(index: int) -> str:
    return f"00000000-0000-4000-8000-{index:012d}"


def employer(
    index: int, deactivate: int = 0, grants: int = 0, offboard: bool = False
) -> EmployerPlan:
    steps = [
        PlannedStep(Step(eid(index), Action.DEACTIVATE, product=p)) for p in PRODUCTS[:deactivate]
    ]
    if offboard:
        steps.append(PlannedStep(Step(eid(index), Action.DEACTIVATE, product=CATALOG.portal)))
    steps += [
        PlannedStep(
            Step(eid(index), Action.GRANT, right=RIGHT, login=f"hr{n}@x.example"),
            flags=(PERSONAL_DATA_FLAG,),
        )
        for n in range(grants)
    ]
    return EmployerPlan(
        eid(index), f"W{index}", f"employers/{index}.yaml", tuple(steps), None, None
    )


def guards(plan: Plan, portfolio: Portfolio, overrides: Overrides | None = None) -> list[str]:
    standing, _ = check_guards(
        plan, CATALOG, SafetyConfig(), OwnershipConfig(), overrides or Overrides(), portfolio
    )
    return [v.guard for v in standing]


@pytest.mark.parametrize(
    ("employers", "activations", "passes", "refused"),
    [
        (1, 4, 2, 3),  # one employer: switching off 3 of its 4 products needs the flag
        (3, 15, 2, 3),  # three employers: 6 deactivations are caught, not only by tier
        (10, 50, 5, 6),  # from 10 activations on: 10%
        (100, 500, 50, 51),
        (10_000, 50_000, 5_000, 5_001),
    ],
)
def test_deactivation_guard_at_every_portfolio_size(
    employers: int, activations: int, passes: int, refused: int
) -> None:
    portfolio = Portfolio(employers, activations, 0)

    def plan_of(count: int) -> Plan:
        whole, rest = divmod(count, 4)
        parts = [employer(i, 4) for i in range(whole)] + ([employer(whole, rest)] if rest else [])
        return Plan(tuple(parts))

    wide = Overrides(frozenset({"--allow-employer-share"}))  # the employer share apart
    assert "max-deactivation-share" not in guards(plan_of(passes), portfolio, wide)
    assert "max-deactivation-share" in guards(plan_of(refused), portfolio, wide)


def test_offboarding_one_employer_of_ten_takes_one_flag() -> None:
    plan = Plan((employer(1, deactivate=4, offboard=True),))
    portfolio = Portfolio(10, 40, 10)
    assert guards(plan, portfolio) == ["mijnloket-removal"]
    assert guards(plan, portfolio, Overrides(frozenset({"--allow-mijnloket-removal"}))) == []


def test_granting_personal_data_rights_in_bulk_needs_its_flag() -> None:
    portfolio = Portfolio(10_000, 50_000, 0)
    few = Plan(tuple(employer(i, grants=1) for i in range(10)))
    many = Plan(tuple(employer(i, grants=1) for i in range(11)))
    wide = Overrides(frozenset({"--allow-employer-share"}))
    assert guards(few, portfolio, wide) == []
    assert guards(many, portfolio, wide) == ["max-personal-data-grants"]
    flagged = Overrides(frozenset({"--allow-employer-share", "--allow-personal-data-grants"}))
    assert guards(many, portfolio, flagged) == []


def test_a_one_employer_repository_cannot_switch_most_products_off_unflagged(
    tmp_path: Path,
) -> None:
    shutil.copytree(ROOT / "employers", tmp_path / "all")
    (tmp_path / "employers").mkdir()
    shutil.copy(tmp_path / "all" / "bakkerij-de-vries.yaml", tmp_path / "employers")
    assert run(tmp_path, "sandbox", "seed").exit_code == 0
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\nownership:\n  unmanaged: ignore\n")
    assert run(tmp_path, "apply", "--auto-approve").exit_code == 0
    path = tmp_path / "employers" / "bakkerij-de-vries.yaml"
    text = path.read_text()
    for product in ("MijnLoket - Documenten", "MijnLoket - Verzekeringen vergelijken"):
        text = text.replace(f"  - {product}\n", "")
    text = text.replace("  - Dossiervorming Qwoater Lite\n", "")
    path.write_text(text)
    before = apply_changes(tmp_path)
    plan = run(tmp_path, "plan")
    assert plan.exit_code == 3, plan.output
    assert "--allow-mass-deactivation" in plan.output
    refused = run(tmp_path, "apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert apply_changes(tmp_path) == before
    allowed = run(tmp_path, "apply", "--auto-approve", "--allow-mass-deactivation")
    assert allowed.exit_code == 0, allowed.output
    assert BAKKERIJ in {c[0] for c in apply_changes(tmp_path)}


def test_bulk_personal_data_grants_are_refused_over_http_until_flagged(tmp_path: Path) -> None:
    """Against a Loket.nl that shows rights (the emulator's current world), so the
    grants are verified steps, not restated unverified ones."""
    with start_emulator(tmp_path, employers=12, api="current") as started:
        config = write_repo_config(started)
        config.write_text(config.read_text() + "safety:\n  max_personal_data_grants: 1\n")
        authorize(started.server, started.repo)
        ids = [e.employer_id for _, e in started.employers]
        with Store.open(started.db) as store:
            held = [
                (e.employer_id, u.login)
                for e in store.live(ids).values()
                for u in e.users.values()
                if RIGHT in u.rights
            ]
        assert len(held) > 1, "the generated employers should grant the right"
        with Store.open(started.db) as store, store.write("a person") as tx:
            for employer_id, login in held:
                tx.revoke(employer_id, login, RIGHT)
        plan = run_loket(started.repo, "plan")
        assert plan.exit_code == 3, plan.output
        assert "--allow-personal-data-grants" in plan.output
        wide = "--allow-employer-share"  # most of the 12 change: that guard apart
        refused = run_loket(started.repo, "apply", "--auto-approve", wide)
        assert refused.exit_code == 3, refused.output
        assert "--allow-personal-data-grants" in refused.output
        assert not api_changes(started)
        flagged = run_loket(
            started.repo, "apply", "--auto-approve", wide, "--allow-personal-data-grants"
        )
        assert flagged.exit_code in (0, 4), flagged.output
        assert api_changes(started)
