"""Labels: the bureau's own ``labels:`` in an employer file, validated as strings,
selectable as ``label.NAME`` and kept by fmt, edit and import (issue 21)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.selection import SelectorError, compile_selector, select
from mijnloket_gitops.validate.runner import validate_paths
from tests.emulator_fixtures import seed_repo
from tests.test_import import files_in, run

CATALOG = builtin_catalog()
BUNDLED = Path(__file__).parent.parent / "employers"
RIGHT = "Raadplegen MijnLoket e-mailadres"


def labelled(tmp_path: Path) -> Path:
    """The bundled employers, three with labels (written last, as a person might)."""
    shutil.copytree(BUNDLED, tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    for name, sector, region in (
        ("kinderopvang-het-zonnetje", "kinderopvang", "noord"),
        ("bakkerij-de-vries", "food", "noord"),
        ("zorggroep-de-linde", "Zorg", "zuid"),
    ):
        path = tmp_path / "employers" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text + f"labels:\n  sector: {sector}  # from the CRM\n  region: {region}\n"
            '  payroll_day: "25"\n',
            encoding="utf-8",
        )
    return tmp_path


def picked(root: Path, expression: str) -> list[str]:
    result = validate_paths([root / "employers"], CATALOG)
    assert result.errors == 0, [d.message for d in result.diagnostics]
    chosen = select(compile_selector(expression, CATALOG), result.employers, root)
    return sorted(Path(p).stem for p, _ in chosen)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("label.sector = kinderopvang", ["kinderopvang-het-zonnetje"]),
        ("label.Sector = ZORG", ["zorggroep-de-linde"]),
        ("label.region = noord and label.sector != food", ["kinderopvang-het-zonnetje"]),
        ("label.sector in (kinder*, zorg)", ["kinderopvang-het-zonnetje", "zorggroep-de-linde"]),
        ('label.payroll_day = "25" and tier = pro', ["zorggroep-de-linde"]),
        ("label.nothing = *", []),
    ],
)
def test_labels_in_selectors(tmp_path: Path, expression: str, expected: list[str]) -> None:
    assert picked(labelled(tmp_path), expression) == expected


def test_label_not_equal_picks_employers_without_the_label(tmp_path: Path) -> None:
    assert len(picked(labelled(tmp_path), "label.sector != food")) == 7


def test_a_bad_label_name_in_a_selector_is_a_positioned_error() -> None:
    with pytest.raises(SelectorError) as caught:
        compile_selector("tier = pro and label.= x", CATALOG)
    assert caught.value.column == 16
    assert "a label's name is letters, digits, _ and -" in str(caught.value)


def test_labels_must_be_strings_with_a_name_a_selector_can_use(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    root = labelled(tmp_path)
    path = root / "employers" / "bakkerij-de-vries.yaml"
    path.write_text(
        path.read_text().replace('payroll_day: "25"', "payroll_day: 25\n  account manager: x"),
        encoding="utf-8",
    )
    result = run_cli("validate", "--repo", root, "--format", "json")
    assert result.exit_code == 1
    found = {
        (d["line"], d["message"].split(":")[0])
        for d in json.loads(result.stdout)["diagnostics"]
        if d["path"].endswith("bakkerij-de-vries.yaml")
    }
    lines = path.read_text().splitlines()
    day = next(i for i, t in enumerate(lines, 1) if "payroll_day" in t)
    assert (day, "labels.payroll_day") in found
    assert (day + 1, "labels.account manager") in found
    diagnostics = json.loads(result.stdout)["diagnostics"]
    key = next(d for d in diagnostics if "is not a label name" in d["message"])
    assert key["column"] == 3, "the key, not its value"


def test_fmt_puts_labels_after_the_name_and_keeps_their_comments(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    root = labelled(tmp_path)
    assert run_cli("fmt", "--repo", root).exit_code == 0
    text = (root / "employers" / "zorggroep-de-linde.yaml").read_text()
    assert "\nname: Zorggroep De Linde\nlabels:\n  sector: Zorg  # from the CRM\n" in text
    assert run_cli("fmt", "--check", "--repo", root).exit_code == 0


def test_edit_keeps_labels(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    root = labelled(tmp_path)
    result = run_cli("edit", "--where", "label.region = noord", "--grant", RIGHT, "--to",
                     "werkgevergebruiker", "--repo", root)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 employers selected" in result.output
    data = load_text((root / "employers" / "kinderopvang-het-zonnetje.yaml").read_text()).data
    assert data["labels"] == {"sector": "kinderopvang", "region": "noord", "payroll_day": "25"}


@pytest.mark.parametrize("how", ["--update", "--force"])
def test_import_keeps_labels(tmp_path: Path, how: str) -> None:
    repo, _, _ = seed_repo(tmp_path, employers=4, seed=3)
    out = repo / "imported"
    assert run(repo, "import", "--all", "--output-dir", out).exit_code == 0
    (name, text), *_ = sorted(files_in(out).items())
    (out / name).write_text(text + "labels:\n  sector: bouw\n", encoding="utf-8")
    (repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\nemployers_dir: imported\n", encoding="utf-8"
    )
    args = ["--all", "--force"] if how == "--force" else ["--update"]
    result = run(repo, "import", *args)
    assert result.exit_code == 0, result.output
    assert load_text((out / name).read_text()).data["labels"] == {"sector": "bouw"}


def test_a_quoted_product_gets_no_hint_to_quote_it() -> None:
    with pytest.raises(SelectorError) as quoted:
        compile_selector('product = "MijnLoket - Verlof"', CATALOG)
    assert "quote names with spaces" not in str(quoted.value)
    with pytest.raises(SelectorError) as bare:
        compile_selector("product = Verlofkaart", CATALOG)
    assert "(quote names with spaces)" in str(bare.value)
