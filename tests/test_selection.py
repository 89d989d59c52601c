"""Selectors: the grammar, positioned errors, every field, and --where on the commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import Result

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.plan.render.plan_schema import plan_schema
from mijnloket_gitops.selection import SelectorError, compile_selector, select
from mijnloket_gitops.validate.runner import validate_paths

CATALOG = builtin_catalog()
BUNDLED = Path(__file__).parent.parent / "employers"
ZORGGROEP = "c4e7a912-6b3d-4e8f-a0c5-91d2f7b3e856"


@pytest.fixture(scope="module")
def employers() -> list[tuple[str, object]]:
    result = validate_paths([BUNDLED], CATALOG)
    assert result.errors == 0
    return result.employers  # type: ignore[return-value]


def names(expression: str, employers: list[tuple[str, object]]) -> list[str]:
    selector = compile_selector(expression, CATALOG)
    picked = select(selector, employers, BUNDLED.parent)  # type: ignore[arg-type]
    return sorted(Path(path).stem for path, _ in picked)


SIGNED = [
    "bakkerij-de-vries",
    "ict-partners-utrecht",
    "installatiebedrijf-van-dijk",
    "kinderopvang-het-zonnetje",
    "transportbedrijf-jansen",
    "zorggroep-de-linde",
]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("product=MijnLoket", SIGNED),
        ("addendum=signed", SIGNED),
        ("addendum != signed", ["hoveniersbedrijf-groenrijk", "schoonmaakbedrijf-helder"]),
        (
            "addendum in (requested, none)",
            ["hoveniersbedrijf-groenrijk", "schoonmaakbedrijf-helder"],
        ),
        ("tier=none", ["hoveniersbedrijf-groenrijk", "schoonmaakbedrijf-helder"]),
        ("tier=PRO", ["ict-partners-utrecht", "zorggroep-de-linde"]),
        ("tier>=plus and tier<pro", ["kinderopvang-het-zonnetje", "transportbedrijf-jansen"]),
        ("tier<=start and tier>none", ["bakkerij-de-vries", "installatiebedrijf-van-dijk"]),
        ('product="MijnLoket - Preboarding"', ["zorggroep-de-linde"]),
        (
            'product=MijnLoket and not product="Dossiervorming Qwoater Lite" and tier=start',
            ["installatiebedrijf-van-dijk"],
        ),
        ("user-type=ak-gebruiker and tier=start", ["bakkerij-de-vries"]),
        ("user_type != werkgevergebruiker", ["bakkerij-de-vries", "schoonmaakbedrijf-helder"]),
        ("login=*@groenrijk-hoveniers.nl", ["hoveniersbedrijf-groenrijk"]),
        ("login=M.BAKKER@*", ["bakkerij-de-vries"]),
        ('right="Raadplegen MijnLoket e-mailadres" and tier=start', ["bakkerij-de-vries"]),
        ("path=employers/b*", ["bakkerij-de-vries"]),
        ("path=./employers/*linde.yaml", ["zorggroep-de-linde"]),
        ("name=*zonnetje*", ["kinderopvang-het-zonnetje"]),
        ("id=0d7c5a3b-*", ["bakkerij-de-vries"]),
        ("(tier=pro or tier=none) and addendum=none", ["schoonmaakbedrijf-helder"]),
        (
            "tier=start or tier=plus and addendum=none",
            ["bakkerij-de-vries", "installatiebedrijf-van-dijk"],
        ),
        ("NOT (product=MijnLoket OR addendum=none)", ["hoveniersbedrijf-groenrijk"]),
    ],
)
def test_fields_select_the_right_employers(
    expression: str, expected: list[str], employers: list[tuple[str, object]]
) -> None:
    assert names(expression, employers) == expected


def test_no_expression_selects_everything(employers: list[tuple[str, object]]) -> None:
    selector = compile_selector(None, CATALOG)
    assert len(select(selector, employers, BUNDLED.parent)) == 8  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("expression", "column", "message"),
    [
        ("", 1, "the selector is empty"),
        ("tier=gold", 6, "unknown tier 'gold'"),
        ("product=Mijnloket", 9, "did you mean 'MijnLoket'?"),
        ('product="MijnLoket - Declaratie"', 9, "did you mean 'MijnLoket - Declaraties'?"),
        ("right=Raadplegen", 7, "unknown right"),
        ("colour=red", 1, "unknown field 'colour'"),
        ("tier=pro and", 13, "expected a field"),
        ("(tier=pro", 10, "expected `)`"),
        ("tier=pro)", 9, "expected `and`, `or` or the end"),
        ('name="Bakkerij', 6, "never closed"),
        ("tier", 5, "expected =, !="),
        ("tier=", 6, "expected a value"),
        ("product>MijnLoket", 1, "compares tiers only"),
        ("addendum in signed", 13, "expected `(`"),
        ("addendum in (signed none)", 21, "expected `,` or `)`"),
        ("tier=pro & addendum=signed", 10, "unexpected character '&'"),
        ("user-type=admin", 11, "one of: ak-gebruiker, werkgevergebruiker"),
    ],
)
def test_bad_expressions_name_the_column(expression: str, column: int, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        compile_selector(expression, CATALOG)
    error = caught.value
    assert error.column == column
    assert message in error.reason
    # the message shows the expression with a caret under the column
    lines = str(error).splitlines()
    assert lines[1] == f"  {expression}"
    assert lines[2] == "  " + " " * (column - 1) + "^"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    return tmp_path


def test_plan_where_limits_the_plan(repo: Path, run_cli: Callable[..., Result]) -> None:
    assert run_cli("sandbox", "seed", "--repo", repo).exit_code == 0
    result = run_cli("plan", "--format", "json", "--where", "tier=pro", "--repo", repo)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ids = {e["employer_id"] for e in data["employers"]}
    assert ids == {"7e1b4c58-92d0-4a3f-b6e7-3f8a0d5c2b19", ZORGGROEP}
    scope = data["meta"]["scope"]
    assert (scope["kind"], scope["where"], scope["employers_in_scope"]) == ("where", "tier=pro", 2)
    jsonschema.Draft202012Validator(plan_schema()).validate(data)
    text = run_cli("plan", "--where", "tier=pro", "--repo", repo).output
    assert "Scope: --where tier=pro (2 of 8 managed employers in scope;" in text
    # the others are not reported as unmanaged
    assert "Bakkerij" not in text


def test_bad_where_exits_1_with_the_position_and_no_traceback(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    for command in (("plan",), ("explain",), ("edit", "--activate", "Workflow editor")):
        result = run_cli(*command, "--where", "tier=gold", "--repo", repo)
        assert result.exit_code == 1, result.output
        assert "selector, column 6: unknown tier 'gold'" in result.output
        assert "Traceback" not in result.output


def test_explain_where_explains_every_selected_employer(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    result = run_cli("explain", "--where", "tier=pro", "--format", "json", "--repo", repo)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert sorted(d["path"].rsplit("/", 1)[-1] for d in data) == [
        "ict-partners-utrecht.yaml",
        "zorggroep-de-linde.yaml",
    ]
    none = run_cli("explain", "--repo", repo)
    assert none.exit_code != 0 and "--where" in none.output


def test_changed_since_narrows_explain_and_edit(repo: Path, run_cli: Callable[..., Result]) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "all"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    path = repo / "employers" / "zorggroep-de-linde.yaml"
    path.write_text(path.read_text().replace("name: Zorggroep De Linde", "name: De Linde"))
    explained = run_cli("explain", "--changed-since", "HEAD", "--format", "json", "--repo", repo)
    assert explained.exit_code == 0, explained.output
    assert [e["name"] for e in json.loads(explained.output)] == ["De Linde"]
    edited = run_cli(
        "edit", "--changed-since", "HEAD", "--where", "tier=pro", "--activate",
        "MijnLoket - Salaris berekenen", "--dry-run", "--repo", repo,
    )  # fmt: skip
    assert "1 employer selected: 1 would be changed" in edited.output, edited.output


def test_narrowed_plans_count_the_others_for_the_share_guards(repo: Path) -> None:
    from mijnloket_gitops.cli.where import narrow
    from mijnloket_gitops.config import load_settings
    from mijnloket_gitops.plan.scope import load_repository

    settings = load_settings(repo)
    full = load_repository(settings)
    narrowed = narrow(settings, full, "tier=pro")
    assert full.managed.outside.employers == 0
    others = [e for _, e in full.in_scope if e.employer_id.lower() not in {
        "7e1b4c58-92d0-4a3f-b6e7-3f8a0d5c2b19", ZORGGROEP}]  # fmt: skip
    outside = narrowed.managed.outside
    assert outside.employers == len(others) == 6
    assert outside.activations == sum(len(e.products) for e in others)
    assert outside.grants == sum(len(u.rights) for e in others for u in e.users)
    assert narrowed.managed.ids == full.managed.ids
