"""``mijnloket-gitops validate`` and ``explain`` as a user and a CI job call them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.validate.diagnostics import RULES

ROOT = Path(__file__).resolve().parent.parent
WriteYaml = Callable[..., Path]
RunCli = Callable[..., Result]

WARNING_ONLY = """\
version: 1
employer_id: 3d8f0a6c-5e2b-4c97-8a14-6b9e2f7d0c35
name: Hoveniersbedrijf Groenrijk V.O.F.
addendum:
  status: requested
users:
  - login: k.groen@groenrijk-hoveniers.nl
    type: werkgevergebruiker
    rights:
      - Raadplegen MijnLoket e-mailadres
"""


@pytest.fixture
def broken(write_yaml: WriteYaml, valid_employer: str) -> Path:
    """A file with one error (unknown product) and one warning-free neighbour."""
    write_yaml("good.yaml", valid_employer.replace("9a10", "9a11"))
    return write_yaml("bad.yaml", valid_employer + "  - MijnLoket - Verlofaanvraag\n")


# -- exit codes ---------------------------------------------------------------------------


def test_bundled_examples_are_valid_without_warnings(run_cli: RunCli) -> None:
    result = run_cli("validate", "--strict", "--format", "json", ROOT / "employers")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["diagnostics"] == []
    assert 6 <= report["summary"]["files"] <= 8


def test_clean_files_exit_0(run_cli: RunCli, write_yaml: WriteYaml) -> None:
    path = write_yaml("employer.yaml")
    result = run_cli("validate", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 file valid\n"


def test_errors_exit_1(run_cli: RunCli, broken: Path) -> None:
    result = run_cli("validate", broken.parent)
    assert result.exit_code == 1
    assert "[unknown-product]" in result.stdout


def test_warnings_fail_only_with_strict(run_cli: RunCli, write_yaml: WriteYaml) -> None:
    path = write_yaml("employer.yaml", WARNING_ONLY)
    relaxed = run_cli("validate", path)
    assert relaxed.exit_code == 0, relaxed.output
    assert "warning [right-without-mijnloket]" in relaxed.stdout
    assert run_cli("validate", "--strict", path).exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "does/not/exist.yaml"),
        ("validate", "--format", "xml", "."),
        ("validate", "--no-such-option"),
        ("explain",),
    ],
)
def test_usage_errors_exit_64(run_cli: RunCli, args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.exit_code == ExitCode.USAGE
    assert "Usage:" in result.stderr
    assert "Traceback" not in result.output


def test_default_path_is_the_repositorys_employers_dir(
    run_cli: RunCli, tmp_path: Path, valid_employer: str
) -> None:
    (tmp_path / "employers" / "nested").mkdir(parents=True)
    (tmp_path / "employers" / "nested" / "a.yml").write_text(valid_employer)
    result = run_cli("validate", "--repo", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 file valid\n"


def test_directory_without_employer_files(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing to see\n")
    result = run_cli("validate", "--format", "json", tmp_path)
    assert result.exit_code == 1
    [diagnostic] = json.loads(result.stdout)["diagnostics"]
    assert diagnostic["rule"] == "no-files"
    assert diagnostic["path"] == str(tmp_path)
    assert (diagnostic["line"], diagnostic["column"]) == (1, 1)
    text = run_cli("validate", tmp_path).stdout
    assert text.splitlines()[-1] == "1 error, 0 warnings; no files checked"


# -- formats ------------------------------------------------------------------------------


def test_text_format(run_cli: RunCli, broken: Path) -> None:
    result = run_cli("validate", "--format", "text", broken.parent)
    assert result.stdout.splitlines() == [
        f"{broken}:11:5: error [unknown-product] unknown product 'MijnLoket - Verlofaanvraag'",
        "    hint: did you mean 'MijnLoket - Verlofaanvragen'?",
        "1 error, 0 warnings in 1 of 2 files",
    ]
    assert "\x1b[" not in result.output  # no colour off a terminal


def test_json_format(run_cli: RunCli, broken: Path, write_yaml: WriteYaml) -> None:
    write_yaml("warn.yaml", WARNING_ONLY)
    result = run_cli("validate", "--format", "json", broken.parent)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"version", "diagnostics", "summary"}
    assert report["version"] == 1
    assert report["summary"] == {"files": 3, "errors": 1, "warnings": 1}
    keys = {"path", "line", "column", "rule", "severity", "message", "hint"}
    assert all(set(d) == keys for d in report["diagnostics"])
    first = report["diagnostics"][0]
    assert first == {
        "path": str(broken),
        "line": 11,
        "column": 5,
        "rule": "unknown-product",
        "severity": "error",
        "message": "unknown product 'MijnLoket - Verlofaanvraag'",
        "hint": "did you mean 'MijnLoket - Verlofaanvragen'?",
    }
    assert report["diagnostics"][1]["severity"] == "warning"


def test_github_format(run_cli: RunCli, broken: Path, write_yaml: WriteYaml) -> None:
    warn = write_yaml("warn.yaml", WARNING_ONLY)
    result = run_cli("validate", "--format", "github", broken.parent)
    assert result.exit_code == 1
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert commands == [
        f"::error file={broken},line=11,col=5,title=unknown-product::"
        "unknown product 'MijnLoket - Verlofaanvraag'%0A"
        "did you mean 'MijnLoket - Verlofaanvragen'?",
        f"::warning file={warn},line=10,col=9,title=right-without-mijnloket::"
        "'Raadplegen MijnLoket e-mailadres' has no effect while MijnLoket is off%0A"
        "remove the right or turn on MijnLoket",
    ]
    pattern = re.compile(r"^::(error|warning) file=[^,]+,line=\d+,col=\d+,title=[a-z-]+::.+$")
    assert all(pattern.match(c) for c in commands)


def test_github_format_escapes_properties(run_cli: RunCli, write_yaml: WriteYaml) -> None:
    path = write_yaml("odd, name.yaml", "version: 1\nversion: 1\n")
    result = run_cli("validate", "--format", "github", path)
    assert f"file={str(path).replace(',', '%2C')},line=2,col=1,title=duplicate-key::" in (
        result.stdout
    )


def test_sarif_format(run_cli: RunCli, broken: Path) -> None:
    result = run_cli("validate", "--format", "sarif", broken.parent)
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mijnloket-gitops"
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for descriptor in driver["rules"]:
        assert descriptor["shortDescription"]["text"]
        assert descriptor["defaultConfiguration"]["level"] == RULES[descriptor["id"]].severity
    [found] = run["results"]
    assert found["ruleId"] == "unknown-product"
    assert driver["rules"][found["ruleIndex"]]["id"] == "unknown-product"
    assert found["level"] == "error"
    location = found["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == str(broken)
    assert location["region"] == {"startLine": 11, "startColumn": 5}


def test_sarif_without_findings(run_cli: RunCli, write_yaml: WriteYaml) -> None:
    result = run_cli("validate", "--format", "sarif", write_yaml("employer.yaml"))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["runs"][0]["results"] == []


# -- --changed-since --------------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )


def test_changed_since_reports_only_changed_files(
    run_cli: RunCli, tmp_path: Path, valid_employer: str
) -> None:
    employers = tmp_path / "employers"
    employers.mkdir()
    # a.yaml and b.yaml describe the same employer; c.yaml is broken on its own.
    (employers / "a.yaml").write_text(valid_employer)
    (employers / "b.yaml").write_text(valid_employer.replace("Bakkerij", "Bakker"))
    (employers / "c.yaml").write_text("version: 1\nversion: 1\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "initial")

    (employers / "a.yaml").write_text(valid_employer.replace("tier: start", "tier: plus"))
    result = run_cli("validate", "--repo", tmp_path, "--changed-since", "HEAD", "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    reported = {(Path(d["path"]).name, d["rule"]) for d in report["diagnostics"]}
    assert reported == {("a.yaml", "tier-mismatch"), ("a.yaml", "duplicate-employer")}
    duplicate = next(d for d in report["diagnostics"] if d["rule"] == "duplicate-employer")
    assert "b.yaml" in duplicate["message"]  # the unchanged file was still read

    everything = run_cli("validate", "--repo", tmp_path, "--format", "json")
    files = {Path(d["path"]).name for d in json.loads(everything.stdout)["diagnostics"]}
    assert files == {"a.yaml", "b.yaml", "c.yaml"}


def test_changed_since_nothing_changed(
    run_cli: RunCli, tmp_path: Path, valid_employer: str
) -> None:
    (tmp_path / "employers").mkdir()
    (tmp_path / "employers" / "a.yaml").write_text("version: 1\nversion: 1\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "initial")
    result = run_cli("validate", "--repo", tmp_path, "--changed-since", "HEAD")
    assert result.exit_code == 0, result.output


def test_changed_since_unknown_ref_is_a_clean_error(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "employers").mkdir()
    git(tmp_path, "init", "-q")
    result = run_cli("validate", "--repo", tmp_path, "--changed-since", "no-such-ref")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: git ")
    assert "Traceback" not in result.output


# -- hostile input --------------------------------------------------------------------------

_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [" + ", ".join([f"*{p}"] * 10) + "]\n"
    for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

HOSTILE: dict[str, bytes] = {
    "empty": b"",
    "comment-only": b"# nothing\n",
    "non-utf8": b"name: Caf\xe9\n",
    "nul-bytes": b"version: 1\x00\n",
    "two-documents": b"version: 1\n---\nversion: 1\n",
    "alias-bomb": _LAUGHS.encode(),
    "too-large": b"#" * (1024 * 1024 + 1),
    "too-deep": b"[" * 100_000 + b"]" * 100_000,
    "recursive-alias": b"a: &a [*a]\n",
    "python-tag": b"version: !!python/object/apply:os.system ['true']\n",
    "a-list": b"- version: 1\n",
    "a-scalar": b"just text\n",
    "bad-escape": b'name: "\\ud800"\n',
    "tab-indent": b"\tversion: 1\n",
    "non-string-keys": b"1: a\ntrue: b\n~: c\n",
    "odd-shapes": b"version: 1\nemployer_id: 1\nname: []\naddendum: x\nproducts: {}\nusers: [1]\n",
}


@pytest.mark.parametrize("content", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_input_is_a_diagnostic_not_a_traceback(
    content: bytes, write_yaml: WriteYaml, run_cli: RunCli
) -> None:
    path = write_yaml("employer.yaml", content)
    result = run_cli("validate", "--format", "json", path)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert report["summary"]["errors"] >= 1
    for diagnostic in report["diagnostics"]:
        assert diagnostic["line"] >= 1
        assert diagnostic["column"] >= 1
        assert diagnostic["rule"] in RULES


def test_hostile_inputs_together_in_a_real_process(write_yaml: WriteYaml, tmp_path: Path) -> None:
    for name, content in HOSTILE.items():
        write_yaml(f"{name}.yaml", content)
    done = subprocess.run(
        [sys.executable, "-m", "mijnloket_gitops", "validate", "--format", "json", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 1, done.stderr  # a crash of libyaml would be -11
    report = json.loads(done.stdout)
    assert report["summary"]["files"] == len(HOSTILE)
    assert {Path(d["path"]).stem for d in report["diagnostics"]} == set(HOSTILE)


# -- explain ------------------------------------------------------------------------------


def test_explain_text(run_cli: RunCli) -> None:
    result = run_cli("explain", ROOT / "employers" / "zorggroep-de-linde.yaml")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "  tier: pro" in lines
    assert "    raised to plus by MijnLoket - Verlofaanvragen" in lines
    assert "    raised to pro by MijnLoket - Preboarding" in lines
    assert "  included in Start: Salarisgrafiek, Loonstroken, Jaaropgaven" in lines
    assert "  MijnLoket - Preboarding requires: MijnLoket, Preboarding" in lines
    assert not any("pulls in" in line for line in lines)


def test_explain_without_mijnloket(run_cli: RunCli) -> None:
    result = run_cli("explain", ROOT / "employers" / "hoveniersbedrijf-groenrijk.yaml")
    assert result.exit_code == 0, result.output
    assert "  tier: none (MijnLoket is off)" in result.stdout.splitlines()


def test_explain_json(run_cli: RunCli) -> None:
    path = ROOT / "employers" / "transportbedrijf-jansen.yaml"
    result = run_cli("explain", "--format", "json", path)
    assert result.exit_code == 0, result.output
    [data] = json.loads(result.stdout)
    assert {"employer_id", "tier", "reasons", "start_features", "products"} <= set(data)
    assert data["employer_id"] == "2a9d6e0b-3c71-4f58-8e2a-7b1c5d9f0e46"
    assert data["tier"] == "plus"
    assert data["reasons"] == [
        {"product": "MijnLoket - Declaraties", "tier": "plus"},
        {"product": "MijnLoket - Persoonsgegevens wijzigen", "tier": "plus"},
        {"product": "MijnLoket - Salaris berekenen", "tier": "plus"},
    ]
    declaraties = next(p for p in data["products"] if p["product"] == "MijnLoket - Declaraties")
    assert declaraties["requires"] == ["MijnLoket", "Workflow editor"]
    assert declaraties["requires_one_of"] == [
        {
            "options": ["Dossiervorming Qwoater Lite", "Dossiervorming Qwoater Extended"],
            "chosen": ["Dossiervorming Qwoater Extended"],
        }
    ]


def test_explain_json_of_several_files_is_a_list(run_cli: RunCli) -> None:
    employers = ROOT / "employers"
    result = run_cli(
        "explain",
        "--format",
        "json",
        employers / "bakkerij-de-vries.yaml",
        employers / "schoonmaakbedrijf-helder.yaml",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["tier"] for d in data] == ["start", None]
    assert data[1]["reasons"] == []


def test_explain_format_json_is_a_list_for_one_file_too(
    run_cli: RunCli, write_yaml: WriteYaml
) -> None:
    """It was an object for one valid file and a list otherwise."""
    one = run_cli("explain", "--format", "json", ROOT / "employers" / "bakkerij-de-vries.yaml")
    assert one.exit_code == 0, one.output
    assert [d["tier"] for d in json.loads(one.stdout)] == ["start"]


def test_explain_text_does_not_pass_terminal_escapes_through(
    run_cli: RunCli, write_yaml: WriteYaml, valid_employer: str
) -> None:
    """A name written with YAML escapes (``"\\e]0;pwned\\a"``) reached the terminal raw."""
    text = valid_employer.replace("Bakkerij De Vries B.V.", '"\\e]0;pwned\\a"')
    path = write_yaml("\x1b[2J.yaml", text)
    result = run_cli("explain", path)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout, repr(result.stdout)
    assert "\\x1b]0;pwned\\x07 (" in result.stdout


def test_explain_invalid_file_exits_1_with_the_diagnostics(run_cli: RunCli, broken: Path) -> None:
    result = run_cli("explain", broken)
    assert result.exit_code == 1
    assert "[unknown-product]" in result.stderr
    assert "Traceback" not in result.output
