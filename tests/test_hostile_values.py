"""Values that read as something other than what they say (the second hostile pass).

Each test is named after a finding: what the file says, what the tool made of it, and
what it must make of it now.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.files.model import login_key
from mijnloket_gitops.validate import runner
from mijnloket_gitops.validate.diagnostics import Diagnostic
from mijnloket_gitops.validate.runner import validate_paths
from mijnloket_gitops.validate.today import loket_today
from tests.conftest import VALID

WriteYaml = Callable[..., Path]
RunCli = Callable[..., Result]
TODAY = dt.date(2026, 6, 1)


def diagnostics(path: Path, catalog: Catalog) -> list[Diagnostic]:
    return validate_paths([path], catalog, today=TODAY).diagnostics


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("00482", '"00482"'),
        ("0o17", '"0o17"'),
        ("0x1F", '"0x1F"'),
        ("1e3", '"1e3"'),
        ("true", '"true"'),
        ("12.50", '"12.50"'),
    ],
)
def test_the_hint_for_a_bare_number_ticket_quotes_the_source_text(
    write_yaml: WriteYaml, catalog: Catalog, written: str, hint: str
) -> None:
    """``ticket: 00482`` gave the hint "482": following it recorded wrong evidence."""
    path = write_yaml("a.yaml", VALID.replace('"LKT-48211"', written))
    [found] = diagnostics(path, catalog)
    assert found.rule == "schema"
    assert found.hint == f"quote it so YAML keeps it as text: {hint}"


@pytest.mark.parametrize("written", ["true", "1.0", '"1"'])
def test_version_true_and_1_0_are_rejected(
    write_yaml: WriteYaml, catalog: Catalog, written: str
) -> None:
    """pydantic's Literal[1] matched True and 1.0; the JSON Schema rejects them."""
    path = write_yaml("a.yaml", VALID.replace("version: 1", f"version: {written}"))
    [found] = diagnostics(path, catalog)
    assert (found.rule, found.line) == ("schema", 1)
    assert found.message.startswith("version: ")


@pytest.mark.parametrize(
    ("tagged", "message"),
    [
        ('!!null "LKT-1"', "'LKT-1' is not null"),
        ("!!int 0_1", "'0_1' is not an integer"),
        ('!!int " 5 "', "' 5 ' is not an integer"),
        ("!!bool yes", "'yes' is not a boolean"),
        ("!!float 1_0.5", "'1_0.5' is not a number"),
    ],
)
def test_explicit_tags_on_values_of_another_form_are_refused(tagged: str, message: str) -> None:
    """``!!null "LKT-1"`` silently became null; ``!!int 0_1`` and ``!!int " 5 "`` were
    accepted (Python's int() takes underscores and spaces, YAML 1.2 does not). Employer
    files now use no tags at all: refused at the tag, whatever the value."""
    doc = load_text(f"ticket: {tagged}\n")
    [problem] = doc.problems
    assert problem.rule == "yaml-syntax" and problem.message.startswith("a tag (!...)")
    assert (problem.mark.line, problem.mark.column) == (1, 9)


def test_explicit_tags_on_their_own_form_are_refused_too() -> None:
    doc = load_text("a: !!int 0x1F\nb: !!null\nc: !!bool false\nd: !!float 1e3\n")
    assert not doc.readable
    assert [(p.rule, p.mark) for p in doc.problems] == [("yaml-syntax", (1, 4))]


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("name: Bakkerij De Vries B.V.", 'name: "  "', 3),
        ('ticket: "LKT-48211"', 'ticket: "\\t"', 7),
        ("products:", 'users:\n  - login: " "\n    type: werkgevergebruiker\nproducts:', 10),
    ],
)
def test_whitespace_only_name_login_and_ticket_are_rejected(
    write_yaml: WriteYaml, catalog: Catalog, old: str, new: str, line: int
) -> None:
    path = write_yaml("a.yaml", VALID.replace(old, new))
    [found] = diagnostics(path, catalog)
    assert (found.rule, found.line) == ("schema", line)
    assert found.message.endswith("is only white space"), found.message


def test_the_schema_rejects_whitespace_only_name_login_and_ticket() -> None:
    jsonschema = pytest.importorskip("jsonschema")  # a test dependency, not ours
    root = Path(__file__).resolve().parent.parent
    schema = json.loads((root / "schemas" / "employer.schema.json").read_text("utf-8"))
    good = load_text(VALID).data
    jsonschema.validate(good, schema)
    for change in (
        {"name": " "},
        {"addendum": {**good["addendum"], "ticket": "\t"}},
        {"users": [{"login": "  ", "type": "werkgevergebruiker"}]},
    ):
        with pytest.raises(jsonschema.ValidationError, match="does not match"):
            jsonschema.validate({**good, **change}, schema)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("strasse@bakkerij.nl", "straße@bakkerij.nl"),
        ("\u0130@bakkerij.nl", "i\u0307@bakkerij.nl"),  # casefold: both i + combining dot
        ("\u03c3@bakkerij.nl", "\u03c2@bakkerij.nl"),  # sigma and final sigma
    ],
)
def test_duplicate_user_does_not_merge_different_logins(
    write_yaml: WriteYaml, catalog: Catalog, first: str, second: str
) -> None:
    """casefold made ``strasse``/``straße`` and ``k``/KELVIN SIGN one login."""
    users = (
        f"users:\n  - login: {first}\n    type: werkgevergebruiker\n"
        f"  - login: {second}\n    type: werkgevergebruiker\n"
    )
    path = write_yaml("a.yaml", VALID + users)
    assert diagnostics(path, catalog) == []


def test_duplicate_user_still_matches_ascii_case_and_unicode_normal_forms(
    write_yaml: WriteYaml, catalog: Catalog
) -> None:
    # NFC also makes KELVIN SIGN the letter K: by the rule (NFC, then ASCII case) the
    # logins k@ and KELVIN-SIGN@ are one; strasse/straße stay two (test above).
    assert login_key("\u212a@bakkerij.nl") == login_key("k@bakkerij.nl")
    composed, decomposed = "JOS\u00e9@bakkerij.nl", "jose\u0301@bakkerij.nl"
    assert login_key(composed) == login_key(decomposed)
    users = (
        f"users:\n  - login: {composed}\n    type: werkgevergebruiker\n"
        f"  - login: {decomposed}\n    type: werkgevergebruiker\n"
    )
    path = write_yaml("a.yaml", VALID + users)
    assert [d.rule for d in diagnostics(path, catalog)] == ["duplicate-user"]


@pytest.mark.parametrize(
    ("instant", "dutch_date"),
    [
        ("2026-06-01T22:30:00+00:00", dt.date(2026, 6, 2)),  # summer: UTC+2
        ("2026-01-14T23:30:00+00:00", dt.date(2026, 1, 15)),  # winter: UTC+1
        ("2026-01-14T22:59:00+00:00", dt.date(2026, 1, 14)),
    ],
)
def test_signed_on_in_the_future_is_judged_in_europe_amsterdam(
    instant: str, dutch_date: dt.date
) -> None:
    """The runner's local date (UTC on CI) is a day behind Dutch time for an hour or two
    after midnight: a signature dated today in the Netherlands was "in the future"."""
    assert loket_today(dt.datetime.fromisoformat(instant)) == dutch_date


def test_validate_judges_dates_by_loket_today(
    write_yaml: WriteYaml, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_yaml("a.yaml", VALID.replace("2025-03-14", "2026-06-02"))
    monkeypatch.setattr(runner, "loket_today", lambda: dt.date(2026, 6, 2))
    assert validate_paths([path], catalog).diagnostics == []
    monkeypatch.setattr(runner, "loket_today", lambda: dt.date(2026, 6, 1))
    [found] = validate_paths([path], catalog).diagnostics
    assert (found.rule, found.message) == (
        "addendum-evidence",
        "addendum.signed_on 2026-06-02 is in the future",
    )


def test_requires_one_of_with_an_empty_group_is_rejected(tmp_path: Path, run_cli: RunCli) -> None:
    """``requires_one_of: [[]]`` was accepted and yielded "requires one of ; none is
    listed", a rule no file can meet."""
    config = "version: 1\ncatalog:\n  products:\n    Verlofregeling:\n      requires_one_of: [[]]\n"
    (tmp_path / "mijnloket-gitops.yaml").write_text(config, "utf-8")
    (tmp_path / "employers").mkdir()
    (tmp_path / "employers" / "a.yaml").write_text(VALID, "utf-8")
    result = run_cli("validate", "--repo", tmp_path)
    assert result.exit_code == 1
    assert "mijnloket-gitops.yaml:5:25: " in result.output
    assert "requires_one_of[0]: must not be empty" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("written", "named"),
    [
        ("MijnL\u043eket", "character 6 is U+043E CYRILLIC SMALL LETTER O, not U+006F LATIN"),
        ("MijnLoket \u2013 Verlofaanvragen", "character 11 is U+2013 EN DASH, not U+002D"),
        ("MijnLoket\u00a0- Verlofaanvragen", "character 10 is U+00A0 NO-BREAK SPACE, not U+0020"),
    ],
)
def test_confusable_product_names_name_the_differing_code_point(
    write_yaml: WriteYaml, catalog: Catalog, written: str, named: str
) -> None:
    """The hint "did you mean 'MijnLoket'" for a Cyrillic o (U+043E) looked the same."""
    path = write_yaml("a.yaml", VALID.replace("tier: start", "tier: plus") + f"  - {written}\n")
    found = [d for d in diagnostics(path, catalog) if d.rule == "unknown-product"]
    assert len(found) == 1 and found[0].hint is not None
    assert named in found[0].hint, found[0].hint


def test_confusable_right_names_name_the_differing_code_point(
    write_yaml: WriteYaml, catalog: Catalog
) -> None:
    users = (
        "users:\n  - login: a@b.nl\n    type: werkgevergebruiker\n"
        "    rights: [Raadplegen MijnL\u043eket e-mailadres]\n"
    )
    path = write_yaml("a.yaml", VALID + users)
    [found] = [d for d in diagnostics(path, catalog) if d.rule == "unknown-right"]
    assert found.hint is not None and "U+043E CYRILLIC SMALL LETTER O" in found.hint


def test_an_error_inside_an_aliased_list_is_reported_once(
    write_yaml: WriteYaml, catalog: Catalog
) -> None:
    """Two users sharing ``rights: *r`` gave the unknown right twice, at the anchor."""
    users = (
        "users:\n  - login: a@b.nl\n    type: werkgevergebruiker\n"
        "    rights: &r [Onbekend recht]\n"
        "  - login: b@b.nl\n    type: werkgevergebruiker\n    rights: *r\n"
        "  - login: c@b.nl\n    type: &t werkgevergebruikers\n"
        "  - login: d@b.nl\n    type: *t\n"
    )
    path = write_yaml("a.yaml", VALID + users)
    found = [(d.rule, d.line) for d in diagnostics(path, catalog)]
    assert found == [("yaml-syntax", 14)], found  # the first anchor refuses the file, once
