"""``report``: the numbers, requested-since from git, Mermaid, HTML in real Chromium."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from mijnloket_gitops.catalog import Catalog, builtin_catalog
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.report import FORMATS
from mijnloket_gitops.report.history import requested_since
from mijnloket_gitops.report.html import STATUS_COLOURS, TIER_COLOURS
from mijnloket_gitops.report.markdown import markdown_report
from mijnloket_gitops.report.model import build_report
from mijnloket_gitops.validate.runner import validate_paths
from tests.chromium import decode_png, file_url, find_chromium, load_page
from tests.npm_cache import npm_file
from tests.tools import need

CATALOG = builtin_catalog()
BUNDLED = Path(__file__).parent.parent / "employers"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    return tmp_path


def git(repo: Path, *args: str, date: str = "2026-01-10T12:00:00+00:00") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def report_of(repo: Path, **kwargs: Any) -> dict[str, Any]:
    employers = validate_paths([repo / "employers"], CATALOG).employers
    return build_report(CATALOG, employers, today=TODAY, **kwargs)


def test_counts_of_the_bundled_portfolio(repo: Path) -> None:
    report = report_of(repo)
    assert report["employers_total"] == 8
    assert report["tiers"] == {"none": 2, "start": 2, "plus": 2, "pro": 2}
    assert report["addendum"] == {"none": 1, "requested": 1, "evidence_pending": 0, "signed": 6}
    adoption = {p["product"]: p["employers"] for p in report["products"]}
    assert adoption["MijnLoket"] == 6 and adoption["Verlofregistratie"] == 5
    assert len(adoption) == len(CATALOG.products)  # products nobody has are listed with 0
    order = list(CATALOG.products)  # the most adopted first, catalog order among equals
    assert [p["product"] for p in report["products"]] == sorted(
        CATALOG.products, key=lambda name: (-adoption[name], order.index(name))
    )
    assert "cost" not in report and "drift" not in report


def test_requested_since_comes_from_the_commit_that_wrote_the_line(repo: Path) -> None:
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first", date="2026-01-10T12:00:00+00:00")
    helder = repo / "employers" / "schoonmaakbedrijf-helder.yaml"
    text = helder.read_text()
    helder.write_text(text.replace("status: none", "status: requested"))
    git(repo, "commit", "-qam", "Helder asked for MijnLoket", date="2026-03-01T09:00:00+00:00")
    # a later commit that does not touch the status line does not move the date
    helder.write_text(helder.read_text().replace("name:", "# renamed\nname:"))
    git(repo, "commit", "-qam", "comment", date="2026-04-01T09:00:00+00:00")
    folder = repo / "employers"
    paths = [str(p) for p in sorted(folder.glob("*.yaml"))]
    since = requested_since(repo, folder, paths)
    report = report_of(repo, requested_since=since)
    requested = {r["name"]: (r["since"], r["days"]) for r in report["requested"]}
    assert requested == {
        "Hoveniersbedrijf Groenrijk V.O.F.": ("2026-01-10", 142),
        "Schoonmaakbedrijf Helder B.V.": ("2026-03-01", 92),
    }
    # longest waiting first
    assert report["requested"][0]["name"].startswith("Hoveniersbedrijf")
    assert requested_since(repo / "employers", folder, []) == {}
    # with more requested files than a command line takes, git looks at the folder
    from mijnloket_gitops.report import history

    original = history.MAX_PATHS
    history.MAX_PATHS = 1
    try:
        assert requested_since(repo, folder, paths) == since
    finally:
        history.MAX_PATHS = original


def test_requested_since_outside_git_is_empty(repo: Path) -> None:
    folder = repo / "employers"
    assert requested_since(repo, folder, [str(folder / "x.yaml")]) == {}
    report = report_of(repo)
    assert report["requested"][0]["since"] is None


# -- Mermaid: every block must be one of the three diagrams, line by line ------------------

_LABEL = r'"[^"`#;\[\]{}<>]*"'
_MERMAID_LINES = {
    "pie": [r"pie showData", r"    title [^\n]+", rf"    {_LABEL} : \d+"],
    "xychart-beta": [
        r"xychart-beta horizontal",
        rf"    title {_LABEL}",
        rf"    x-axis \[{_LABEL}(, {_LABEL})*\]",
        rf"    y-axis {_LABEL} 0 --> \d+",
        r"    bar \[\d+(, \d+)*\]",
    ],
    "flowchart": [
        r"flowchart LR",
        rf"    s_(none|requested|evidence_pending|signed)\[{_LABEL}\]",
        r"    s_none --> s_requested --> s_evidence_pending --> s_signed",
    ],
}


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)\n```", markdown, re.DOTALL)


def check_mermaid(block: str) -> str:
    """The diagram's kind; fails unless every line is valid for it."""
    lines = block.split("\n")
    kind = lines[0].split()[0]
    patterns = _MERMAID_LINES[kind]
    for line in lines:
        assert any(re.fullmatch(p, line) for p in patterns), (kind, line)
    if kind == "xychart-beta":  # as many bars as labels
        labels = re.findall(_LABEL, next(line for line in lines if "x-axis" in line))
        bars = next(line for line in lines if "bar [" in line).count(",") + 1
        assert len(labels) == bars
    return kind


def test_markdown_holds_valid_mermaid_charts(repo: Path) -> None:
    markdown = markdown_report(report_of(repo))
    blocks = mermaid_blocks(markdown)
    assert [check_mermaid(b) for b in blocks] == ["pie", "xychart-beta", "flowchart"]
    assert '    "Start" : 2' in blocks[0]
    assert 's_requested["Requested: 1"]' in blocks[2]
    assert "| Hoveniersbedrijf Groenrijk V.O.F. | not committed |  |" in markdown


def _with_an_odd_product(
    tmp_path: Path,
) -> tuple[Catalog, list[tuple[str, EmployerFile]]]:
    """The bundled employers, one with a product (a catalog override) whose name holds
    quotes, a semicolon and brackets: what a chart label must survive."""
    (tmp_path / "mijnloket-gitops.yaml").write_text(
        "version: 1\ncatalog:\n  products:\n    'Odd \"product\"; [x]':\n      tier: none\n"
    )
    from mijnloket_gitops.config import load_settings

    catalog = load_settings(tmp_path).catalog
    shutil.copytree(BUNDLED, tmp_path / "employers")
    groenrijk = tmp_path / "employers" / "hoveniersbedrijf-groenrijk.yaml"
    text = groenrijk.read_text().replace(
        "  - Verlofregeling\n", "  - Verlofregeling\n  - 'Odd \"product\"; [x]'\n"
    )
    groenrijk.write_text(text)
    return catalog, validate_paths([tmp_path / "employers"], catalog).employers


def test_mermaid_labels_cannot_break_out(tmp_path: Path) -> None:
    catalog, employers = _with_an_odd_product(tmp_path)
    assert len(employers) == 8
    markdown = markdown_report(build_report(catalog, employers, today=TODAY))
    for block in mermaid_blocks(markdown):
        check_mermaid(block)
    assert '"Odd product x"' in markdown


# -- HTML -----------------------------------------------------------------------------------

EXTERNAL = re.compile(r"(?i)(https?:|//[a-z0-9]|<script|<link|<img|<iframe|@import|url\(|src=)")


def test_html_is_self_contained_and_escaped(repo: Path) -> None:
    path = repo / "employers" / "bakkerij-de-vries.yaml"
    path.write_text(
        path.read_text().replace("name: Bakkerij De Vries B.V.", 'name: "<script>x</script>"')
    )
    page = FORMATS["html"](report_of(repo))
    assert EXTERNAL.search(page) is None, EXTERNAL.search(page)
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert page.count("<svg") == 3


def _colour(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _count(rows: list[bytes], rgb: tuple[int, int, int]) -> int:
    pixel = bytes(rgb) + b"\xff"
    return sum(row[i : i + 4] == pixel for row in rows for i in range(0, len(row), 4))


CHROMIUM = find_chromium()


def test_html_renders_in_headless_chromium(repo: Path, run_cli: Callable[..., Result]) -> None:
    need(CHROMIUM, "Chromium (Debian: apt-get install -y chromium)")
    assert CHROMIUM is not None
    (repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\npricing:\n  tiers: {start: 25, plus: 60, pro: 120}\n"
    )
    out = repo / "report.html"
    result = run_cli("report", "--format", "html", "--out", out, "--repo", repo)
    assert result.exit_code == 0, result.output
    page = load_page(CHROMIUM, file_url(out), width=1200, height=900)
    assert page.errors == []
    assert page.requests == [file_url(out)]  # nothing fetched from anywhere else
    width, height, rows = decode_png(page.png)
    assert width == 1200 and 600 <= height <= 900
    # the tier tiles and bars, and the pipeline boxes, are painted in their colours
    for colour in (*TIER_COLOURS.values(), STATUS_COLOURS["signed"], "#76b7b2"):
        assert _count(rows, _colour(colour)) > 500, colour
    white = _count(rows, (255, 255, 255))
    assert white > width * height // 3  # a page, not a blank or black screenshot


# -- the command ------------------------------------------------------------------------------


def test_report_command_formats_where_and_live(repo: Path, run_cli: Callable[..., Result]) -> None:
    markdown = run_cli("report", "--repo", repo)
    assert markdown.exit_code == 0, markdown.output
    assert markdown.output.startswith("## MijnLoket portfolio\n")
    data = json.loads(run_cli("report", "--format", "json", "--where", "tier>=plus",
                              "--repo", repo).output)  # fmt: skip
    assert data["employers_total"] == 4 and data["selector"] == "tier>=plus"
    assert run_cli("sandbox", "seed", "--repo", repo).exit_code == 0
    live = json.loads(run_cli("report", "--format", "json", "--live", "--repo", repo).output)
    assert {k: v for k, v in live["drift"].items() if k != "employers"} == {
        "employers_with_drift": 3,
        "employers_checked": 8,
    }
    assert len(live["drift"]["employers"]) == 3
    drifted = {r["name"]: r["drift"] for r in live["employers"] if any(r["drift"].values())}
    assert drifted["ICT Partners Utrecht B.V."] == {
        "activate": 3, "deactivate": 0, "grant": 0, "revoke": 1,
    }  # fmt: skip
    text = run_cli("report", "--live", "--repo", repo).output
    assert "### Drift (live state against the files)" in text
    assert "3 of 8 employers differ." in text


def test_invalid_files_are_reported_and_left_out(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    (repo / "employers" / "broken.yaml").write_text("version: 1\n")
    result = run_cli("report", "--format", "json", "--repo", repo)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["employers_total"] == 8
    assert "Invalid employer files are not in the report." in result.output


def test_drift_workflow_puts_the_report_in_the_job_summary(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    pinned = (
        "--source",
        "mijnloket-gitops/mijnloket-gitops@" + "0" * 40,
    )  # no network: an unresolved tag is refused
    assert run_cli("init", tmp_path, *pinned).exit_code == 0
    workflow = (tmp_path / ".github" / "workflows" / "mijnloket-drift.yml").read_text()
    assert (
        '        run: mijnloket-gitops report --format markdown >> "$GITHUB_STEP_SUMMARY"\n'
        in workflow
    )
    # what that step runs works in a freshly scaffolded repository
    result = run_cli("report", "--format", "markdown", "--repo", tmp_path)
    assert result.exit_code == 0, result.output
    assert [check_mermaid(b) for b in mermaid_blocks(result.output)] == [
        "pie",
        "xychart-beta",
        "flowchart",
    ]


def test_an_unwritable_out_file_is_an_error_not_a_traceback(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    result = run_cli("report", "--out", repo / "missing" / "r.md", "--repo", repo)
    assert result.exit_code == 1
    assert "cannot write the report" in result.output and "internal error" not in result.output


MERMAID_VERSION = "11.17.2"  # the version the charts were checked with


def _mermaid_js() -> Path:
    """``MERMAID_JS`` if set, else Mermaid from the npm registry (cached)."""
    given = os.environ.get("MERMAID_JS")
    if given:
        return Path(given)
    return npm_file("mermaid", MERMAID_VERSION, "dist/mermaid.min.js")


@pytest.mark.slow
def test_mermaid_itself_parses_and_renders_every_chart(tmp_path: Path) -> None:
    """The structural check above, confirmed by Mermaid's own parser and renderer."""
    need(CHROMIUM, "Chromium (Debian: apt-get install -y chromium)")
    assert CHROMIUM is not None
    mermaid_js = _mermaid_js()
    catalog, employers = _with_an_odd_product(tmp_path)
    blocks = mermaid_blocks(markdown_report(build_report(catalog, employers, today=TODAY)))
    page = tmp_path / "mermaid.html"
    page.write_text(
        f'<!DOCTYPE html><html><body><script src="{mermaid_js.resolve().as_uri()}"></script>'
        "</body></html>"
    )
    script = (
        "(async () => { mermaid.initialize({startOnLoad: false}); const out = [];"
        f" for (const [i, block] of {json.dumps(blocks)}.entries()) {{"
        "  try { await mermaid.parse(block);"
        "        const {svg} = await mermaid.render('chart' + i, block);"
        "        out.push(svg.includes('<svg') ? 'ok' : 'no svg'); }"
        "  catch (e) { out.push('error: ' + e.message); } }"
        " return out; })()"
    )
    result = load_page(CHROMIUM, file_url(page), evaluate=script)
    assert result.value == ["ok", "ok", "ok"], result.value
    # and a broken chart is caught, so the check above can fail
    broken = load_page(
        CHROMIUM,
        file_url(page),
        evaluate="mermaid.parse('pie showData\\n  \"A\" : x').then(() => 'ok', e => 'error')",
    )
    assert broken.value == "error"


def test_report_with_pricing_shows_the_monthly_cost(repo: Path) -> None:
    from mijnloket_gitops.config import PricingConfig

    pricing = PricingConfig.model_validate(
        {"tiers": {"start": 25, "plus": 60, "pro": 120}, "products": {"Workflow editor": 10}}
    )
    report = report_of(repo, pricing=pricing)
    # bundled: 2 Start (25), 2 Plus (60), 2 Pro (120); Workflow editor at ICT and Jansen
    assert report["cost"] == {
        "currency": "EUR",
        "period": "month",
        "total": 430.0,
        "by_tier": {"none": 0.0, "start": 50.0, "plus": 130.0, "pro": 250.0},
    }
    markdown = markdown_report(report)
    assert "| Pro | 2 | €250.00 |" in markdown
    assert "Monthly cost from `pricing:`: **€430.00**." in markdown
