"""Monthly cost from ``pricing:``: hand-computed cases, the plan renderers, explain.

Prices used throughout (per month): tiers start 25, plus 60, pro 120.50; Workflow
editor 10, Qwoater Extended 7.25, Qwoater Lite 3 per employer; per employee 1.25 on
Pro and 0.10 for MijnLoket - Assistent; employer E1 has 40 employees.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from click.testing import Result

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.config import PricingConfig, load_settings
from mijnloket_gitops.cost import format_money, monthly_cost
from mijnloket_gitops.cost.plan_cost import plan_cost
from mijnloket_gitops.errors import ConfigError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.model import Plan
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.plan.render.plan_schema import plan_schema
from mijnloket_gitops.providers.base import LiveEmployer

CATALOG = builtin_catalog()
BUNDLED = Path(__file__).parent.parent / "employers"
E1 = "11111111-1111-4111-8111-111111111111"
E2 = "22222222-2222-4222-8222-222222222222"
E3 = "33333333-3333-4333-8333-333333333333"
PRICING = PricingConfig.model_validate(
    {
        "tiers": {"start": 25, "plus": 60, "pro": 120.5},
        "products": {
            "Workflow editor": 10,
            "Dossiervorming Qwoater Extended": 7.25,
            "Dossiervorming Qwoater Lite": 3,
        },
        "per_employee": {"tiers": {"pro": 1.25}, "products": {"MijnLoket - Assistent": 0.1}},
        "employees": {E1.upper(): 40},
    }
)
PRICING_YAML = """\
version: 1
pricing:
  currency: EUR
  tiers: {start: 25, plus: 60, pro: 120.5}
  products:
    Workflow editor: 10
  per_employee:
    tiers: {pro: 1.25}
  employees:
    c4e7a912-6b3d-4e8f-a0c5-91d2f7b3e856: 40   # Zorggroep De Linde
"""


def employer(employer_id: str, products: list[str]) -> EmployerFile:
    return EmployerFile.model_validate(
        {
            "version": 1,
            "employer_id": employer_id,
            "name": employer_id[:4],
            "addendum": {"status": "signed", "signed_on": "2025-01-01", "ticket": "T"},
            "products": products,
        }
    )


def live(employer_id: str, products: set[str]) -> LiveEmployer:
    return LiveEmployer(employer_id, employer_id[:4], True, frozenset(products))


def test_monthly_cost_by_hand() -> None:
    start = monthly_cost(PRICING, CATALOG, E2, ["MijnLoket", "Dossiervorming Qwoater Lite"])
    assert (start.tier, start.products, start.total) == (Decimal(25), Decimal(3), Decimal(28))
    assert start.employees is None
    # E1: Pro 120.50 + 40 x 1.25, and Assistent 40 x 0.10
    pro = monthly_cost(PRICING, CATALOG, E1, ["MijnLoket", "MijnLoket - Assistent"])
    assert (pro.tier, pro.products, pro.total) == (
        Decimal("170.50"),
        Decimal("4.0"),
        Decimal("174.50"),
    )
    assert pro.employees == 40  # the employer id matched case-insensitively
    # without MijnLoket there is no tier to pay for; products are still paid for
    off = monthly_cost(PRICING, CATALOG, E1, ["Workflow editor"])
    assert (off.tier, off.total) == (Decimal(0), Decimal(10))


def test_plan_cost_upgrade_downgrade_and_mijnloket_removal() -> None:
    desired = [
        # upgrade: start -> plus, + Declaraties (needs Workflow editor; Lite already there)
        (
            "e2.yaml",
            employer(
                E2,
                [
                    "MijnLoket",
                    "MijnLoket - Documenten",
                    "Dossiervorming Qwoater Lite",
                    "MijnLoket - Declaraties",
                    "Workflow editor",
                ],
            ),
        ),
        # downgrade: pro (40 employees) -> plus
        ("e1.yaml", employer(E1, ["MijnLoket", "MijnLoket - Salaris berekenen"])),
        # MijnLoket removal: plus -> none, Workflow editor stays
        ("e3.yaml", employer(E3, ["Workflow editor"])),
    ]
    state = {
        E2: live(E2, {"MijnLoket", "MijnLoket - Documenten", "Dossiervorming Qwoater Lite"}),
        E1: live(E1, {"MijnLoket", "MijnLoket - Assistent", "Loonstrook Plus"}),  # unknown: free
        E3: live(
            E3,
            {
                "MijnLoket",
                "MijnLoket - Declaraties",
                "Workflow editor",
                "Dossiervorming Qwoater Extended",
            },
        ),
    }
    plan = Plan(
        tuple(
            plan_employer(CATALOG, path, e, state[e.employer_id], lambda _: True)
            for path, e in desired
        )
    )
    cost = plan_cost(PRICING, CATALOG, desired, plan)
    assert cost["employers"][E2] == {
        "before": 28.0, "after": 73.0, "delta": 45.0, "tier_delta": 35.0, "employees": None,
    }  # fmt: skip
    assert cost["employers"][E1] == {
        "before": 174.5, "after": 60.0, "delta": -114.5, "tier_delta": -110.5, "employees": 40,
    }  # fmt: skip
    assert cost["employers"][E3] == {
        "before": 77.25, "after": 10.0, "delta": -67.25, "tier_delta": -60.0, "employees": None,
    }  # fmt: skip
    assert (cost["before"], cost["after"], cost["delta"]) == (279.75, 143.0, -136.75)
    assert (cost["currency"], cost["period"]) == ("EUR", "month")


@pytest.mark.parametrize(
    ("amount", "currency", "sign", "text"),
    [
        (1234.5, "EUR", False, "€1,234.50"),
        (-67.25, "EUR", True, "-€67.25"),
        (45, "EUR", True, "+€45.00"),
        (0, "EUR", True, "±€0.00"),
        (12.5, "CHF", False, "CHF 12.50"),
    ],
)
def test_format_money(amount: float, currency: str, sign: bool, text: str) -> None:
    assert format_money(amount, currency, sign=sign) == text


@pytest.mark.parametrize(
    ("pricing", "message"),
    [
        (
            "pricing:\n  products:\n    Workflow editr: 10\n",
            "yaml:4:5: pricing names unknown product",
        ),
        ("pricing:\n  tiers: {gold: 10}\n", "3:11: pricing.tiers.gold: 'gold' is not one of"),
        (
            "pricing:\n  tiers: {pro: -1}\n",
            "3:16: pricing.tiers.pro: -1 is too small: it must be at least 0",
        ),
        ("pricing:\n  per_employee:\n    products: {Foo: 1}\n", "yaml:4:16: pricing names unknown"),
    ],
)
def test_bad_pricing_is_a_positioned_config_error(
    tmp_path: Path, pricing: str, message: str
) -> None:
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\n" + pricing)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert message in str(caught.value)


@pytest.fixture
def repo(tmp_path: Path, run_cli: Callable[..., Result]) -> Path:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    assert run_cli("sandbox", "seed", "--repo", tmp_path).exit_code == 0
    return tmp_path


ICT = "7e1b4c58-92d0-4a3f-b6e7-3f8a0d5c2b19"


def test_plans_show_the_cost_delta_in_every_format(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    (repo / "mijnloket-gitops.yaml").write_text(PRICING_YAML)
    # seeded live state (hand-checked): ICT is Plus with Workflow editor (60 + 10) and the
    # file makes it Pro (120.50 + 10); Groenrijk has Workflow editor (10) and drops it;
    # the total before is 25 + 10 + 70 + 25 + 60 + 0 + 70 + (120.50 + 40 x 1.25) = 430.50
    text = run_cli("plan", "--repo", repo)
    assert text.exit_code == 0, text.output
    assert "  ~ cost: €70.00 -> €130.50 per month (+€60.50)\n" in text.output
    assert "  ~ cost: €10.00 -> €0.00 per month (-€10.00)\n" in text.output
    assert "Monthly cost: €430.50 -> €481.00 (+€50.50 per month)\n" in text.output
    markdown = run_cli("plan", "--format", "markdown", "--repo", repo).output
    summary = markdown.split("### Review flags")[0]
    assert "**Monthly cost: €430.50 → €481.00 (+€50.50 per month)**" in summary
    assert "plus → pro (MijnLoket - Assistent" in markdown
    assert "Management Self Service) — +€60.50 per month for the tier" in markdown
    assert "; cost €70.00 → €130.50 per month (+€60.50)</summary>" in markdown
    data = json.loads(run_cli("plan", "--format", "json", "--repo", repo).output)
    jsonschema.Draft202012Validator(plan_schema()).validate(data)
    assert data["cost"]["delta"] == 50.5
    assert data["cost"]["employers"][ICT] == {
        "before": 70.0, "after": 130.5, "delta": 60.5, "tier_delta": 60.5, "employees": None,
    }  # fmt: skip
    explained = run_cli("explain", "employers/zorggroep-de-linde.yaml", "--repo", repo)
    assert "monthly cost: €170.50 (tier €170.50, products €0.00; 40 employees)" in (
        explained.output
    )


def test_apply_shows_the_approver_the_cost_delta(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    """A tier change is a price change: the plan apply asks approval for carries it."""
    (repo / "mijnloket-gitops.yaml").write_text(PRICING_YAML)
    declined = run_cli("apply", "--repo", repo)  # no terminal: shown, then not applied
    assert declined.exit_code == 1, declined.output
    assert "  ~ cost: €70.00 -> €130.50 per month (+€60.50)\n" in declined.output
    assert "Monthly cost: €430.50 -> €481.00 (+€50.50 per month)\n" in declined.output
    assert "nobody to confirm the plan" in declined.output


def test_without_pricing_nothing_about_money_is_shown(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    outputs = [
        run_cli("plan", "--repo", repo).output,
        run_cli("plan", "--format", "markdown", "--repo", repo).output,
        run_cli("explain", "--where", "tier=pro", "--repo", repo).output,
    ]
    for output in outputs:
        assert "€" not in output and "cost" not in output.lower(), output
    data = json.loads(run_cli("plan", "--format", "json", "--repo", repo).output)
    assert "cost" not in data
    explained = json.loads(run_cli("explain", "--where", "tier=pro", "--format", "json",
                                   "--repo", repo).output)  # fmt: skip
    assert all("cost" not in e for e in explained)


def test_activate_chooses_the_cheapest_priced_member(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    (repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\npricing:\n  products:\n"
        "    Dossiervorming Qwoater Lite: 9\n    Dossiervorming Qwoater Extended: 4\n"
    )
    result = run_cli(
        "edit", "--where", "name=Installatie*", "--activate", "MijnLoket - Documenten",
        "--repo", repo,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "chose Dossiervorming Qwoater Extended for MijnLoket - Documenten "
        "(the cheapest in pricing.products)" in result.output
    )
