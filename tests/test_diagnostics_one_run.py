"""Diagnostics in one run: the domain rules still run where a schema error does not
touch the fields they read; enum values get "did you mean"; configuration errors name
the key and its position, never pydantic's own words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.validate.runner import validate_paths

RunCli = Callable[..., Result]

BROKEN_USERS = """\
version: 1
employer_id: 0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10
name: Bakkerij De Vries B.V.
addendum:
  status: signed
tier: start
products:
  - MijnLoket
  - MijnLoket - Verlofaanvragen
users:
  - login: a@b.nl
    type: werkgever
"""


def rules_of(path: Path, catalog: Catalog) -> list[tuple[str, int, str, str | None]]:
    result = validate_paths([path], catalog)
    return [(d.rule, d.line, d.message, d.hint) for d in result.diagnostics]


def test_domain_rules_run_beside_a_schema_error(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "bakkerij.yaml"
    path.write_text(BROKEN_USERS, encoding="utf-8")
    found = rules_of(path, catalog)
    rules = sorted({rule for rule, *_ in found})
    assert rules == ["addendum-evidence", "missing-dependency", "schema", "tier-mismatch"]
    (schema,) = [f for f in found if f[0] == "schema"]
    assert schema[1:] == (
        12,
        "users[0].type: 'werkgever' is not one of 'ak-gebruiker' or 'werkgevergebruiker'",
        "did you mean 'werkgevergebruiker'?",
    )
    result = validate_paths([path], catalog)
    assert result.employers == [], "a file with a schema error stays invalid for plan"


def test_rules_that_read_a_damaged_field_stay_quiet(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "bakkerij.yaml"
    text = BROKEN_USERS.replace("tier: start", "tier: pluss").replace("status: signed", "status: x")
    path.write_text(text, encoding="utf-8")
    rules = [rule for rule, *_ in rules_of(path, catalog)]
    # tier and addendum are damaged: no tier-mismatch, no addendum rules; products are not.
    assert sorted(rules) == [*["missing-dependency"] * 2, *["schema"] * 3]


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("type: werkgever", "type: ak-gebruikr", "did you mean 'ak-gebruiker'?"),
        ("status: signed", "status: singed", "did you mean 'signed'?"),
        ("tier: start", "tier: Start", "did you mean 'start'?"),
    ],
)
def test_enum_values_get_did_you_mean(
    tmp_path: Path, catalog: Catalog, old: str, new: str, hint: str
) -> None:
    path = tmp_path / "bakkerij.yaml"
    path.write_text(BROKEN_USERS.replace(old, new), encoding="utf-8")
    hints = [h for rule, _, _, h in rules_of(path, catalog) if rule == "schema"]
    assert hint in hints


def test_a_newer_format_version_says_so(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "bakkerij.yaml"
    path.write_text(BROKEN_USERS.replace("version: 1", "version: 2"), encoding="utf-8")
    (version,) = [f for f in rules_of(path, catalog) if f[0] == "schema" and f[1] == 1]
    assert (
        "version: 2 is not a format this mijnloket-gitops reads; it reads version 1" in (version[2])
    )
    assert "is not one of" not in version[2] and "upgrade" in str(version[3])


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            "version: 1\nprovider:\n  type: lokett\n",
            "mijnloket-gitops.yaml:3:9: provider.type: 'lokett' is not one of 'sandbox' or "
            "'loket' (did you mean 'loket'?)",
        ),
        (
            "version: 1\nsafety:\n  max_deactivation_share: 2\n",
            "mijnloket-gitops.yaml:3:27: safety.max_deactivation_share: 2 is too large: it "
            "must be at most 1",
        ),
        (
            "version: 1\nemployers_dir: nope\n",
            "mijnloket-gitops.yaml:2:16: employers_dir: 'nope' is not a folder",
        ),
        (
            "version: 3\n",
            "mijnloket-gitops.yaml:1:10: version: 3 is not a format this mijnloket-gitops reads; "
            "it reads version 1 (a newer mijnloket-gitops",  # one parenthesis, not two
        ),
        # Inside the provider union, the key and the allowed keys are the chosen member's.
        (
            "version: 1\nprovider: {type: sandbox, pat: x}\n",
            "mijnloket-gitops.yaml:2:27: unknown key 'pat' (did you mean 'path'?)",
        ),
        (
            "version: 1\nprovider: {type: loket, enviroment: acceptance}\n",
            "mijnloket-gitops.yaml:2:25: unknown key 'enviroment' (did you mean 'environment'?)",
        ),
        (
            "version: 1\nprovider: {type: loket, environment: acceptence}\n",
            "mijnloket-gitops.yaml:2:38: provider.environment: 'acceptence' is not one of "
            "'production' or 'acceptance' (did you mean 'acceptance'?)",
        ),
        (
            "version: 1\nprovider: {path: x}\n",
            "mijnloket-gitops.yaml:2:11: provider: missing required key 'type' (add `type: "
            "sandbox` or `type: loket`)",
        ),
    ],
)
def test_configuration_errors_name_the_key_and_where(
    run_cli: RunCli, tmp_path: Path, config: str, expected: str
) -> None:
    (tmp_path / "employers").mkdir()
    (tmp_path / "mijnloket-gitops.yaml").write_text(config, encoding="utf-8")
    result = run_cli("-C", tmp_path, "validate")
    assert result.exit_code == ExitCode.ERROR
    assert expected in result.stderr, result.stderr
    for pydantic_words in ("Input should", "Input tag", "found using", "Unable to extract"):
        assert pydantic_words not in result.stderr


@pytest.mark.parametrize(
    ("content", "rule", "message", "position"),
    [
        (
            b"version: 1\nproducts:\n\t- MijnLoket\n",
            "yaml-syntax",
            "a tab character: YAML indents with spaces only",
            (3, 1),
        ),
        (
            "version: 1\n".encode("utf-16"),
            "encoding",
            "file is UTF-16 text; employer files are UTF-8",
            (1, 1),
        ),
        (
            "version: 1\nname: x\n".encode("utf-16-le"),
            "encoding",
            "file is UTF-16 text; employer files are UTF-8",
            (1, 1),
        ),
        (
            BROKEN_USERS.replace("  status: signed\n", "  <<: {status: signed}\n").encode(),
            "schema",
            "'<<' is a YAML 1.1 merge key",
            (5, 3),
        ),
    ],
)
def test_tabs_utf16_and_merge_keys_are_named(
    tmp_path: Path,
    catalog: Catalog,
    content: bytes,
    rule: str,
    message: str,
    position: tuple[int, int],
) -> None:
    path = tmp_path / "werkgever.yaml"
    path.write_bytes(content)
    found = [d for d in validate_paths([path], catalog).diagnostics if message in d.message]
    assert [(d.rule, d.line, d.column) for d in found] == [(rule, *position)]
    assert found[0].hint
    assert "binary" not in found[0].message and "cannot start any token" not in found[0].hint
