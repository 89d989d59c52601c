"""The domain rules, word for word, on files and catalogs written out here.

``test_rules.py`` checks that each rule fires at the right node; these tests pin what
a reader is told (message and hint, in full), each diagnostic exactly once (a product
listed twice gives one ``addendum-required`` and one ``missing-dependency``, not two),
and the rules on the adversarial catalog of ``tests/adversarial.py``. The mutation
run (``docs/mutation-testing.md``) found every one of these loose. Expected values are
written out by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from mijnloket_gitops.catalog import Catalog, extend_catalog
from mijnloket_gitops.validate.rules import lookalikes
from mijnloket_gitops.validate.runner import validate_paths
from tests.adversarial import (
    ADVERSARIAL,
    CHOICE,
    GATED,
    PLUS,
    PORTAL,
    PRO,
    RIGHT_PLUS,
    START,
)

WriteYaml = Callable[..., Path]
Found = tuple[str, str, int, int, str, str | None]
"""rule, severity, line, column, message, hint"""

HEAD = """\
version: 1
employer_id: 0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10
name: Bakkerij De Vries B.V.
"""
TODAY = dt.date(2026, 6, 1)


def found(write_yaml: WriteYaml, text: str, catalog: Catalog) -> list[Found]:
    path = write_yaml("employer.yaml", HEAD + text)
    result = validate_paths([path], catalog, today=TODAY)
    return [(d.rule, d.severity, d.line, d.column, d.message, d.hint) for d in result.diagnostics]


# -- evidence: pending ----------------------------------------------------------------------

PENDING_HINT = (
    "fill in signed_on and ticket from Loket's confirmation ticket, then remove `evidence: pending`"
)


def test_pending_evidence_names_both_fields_still_to_fill_in(
    write_yaml: WriteYaml, catalog: Catalog
) -> None:
    text = "addendum:\n  status: signed\n  evidence: pending\ntier: start\nproducts: [MijnLoket]\n"
    assert found(write_yaml, text, catalog) == [
        (
            "evidence-pending",
            "warning",
            6,
            13,
            "the addendum's evidence is pending (signed_on and ticket to fill in): plan shows"
            " this employer, apply leaves it alone",
            PENDING_HINT,
        )
    ]


def test_pending_evidence_names_only_the_field_still_missing(
    write_yaml: WriteYaml, catalog: Catalog
) -> None:
    text = (
        "addendum:\n  status: signed\n  signed_on: 2026-03-14\n  evidence: pending\n"
        "tier: start\nproducts: [MijnLoket]\n"
    )
    assert found(write_yaml, text, catalog) == [
        (
            "evidence-pending",
            "warning",
            7,
            13,
            "the addendum's evidence is pending (ticket to fill in): plan shows this employer,"
            " apply leaves it alone",
            PENDING_HINT,
        )
    ]


def test_pending_evidence_that_is_filled_in_says_to_remove_the_mark(
    write_yaml: WriteYaml, catalog: Catalog
) -> None:
    text = (
        "addendum:\n  status: signed\n  signed_on: 2026-03-14\n  ticket: LKT-1\n"
        "  evidence: pending\ntier: start\nproducts: [MijnLoket]\n"
    )
    assert found(write_yaml, text, catalog) == [
        (
            "evidence-pending",
            "warning",
            8,
            13,
            "the addendum's evidence is filled in but still marked pending: apply leaves this"
            " employer alone",
            "remove `evidence: pending`",
        )
    ]


def test_pending_evidence_on_an_addendum_not_signed_is_out_of_place(
    write_yaml: WriteYaml, catalog: Catalog
) -> None:
    text = "addendum:\n  status: requested\n  evidence: pending\nproducts: [Verlofregistratie]\n"
    assert found(write_yaml, text, catalog) == [
        (
            "evidence-pending",
            "warning",
            6,
            13,
            "evidence: pending is for a signed addendum; this one is 'requested'",
            "remove `evidence: pending`",
        )
    ]


# -- each problem once ----------------------------------------------------------------------


def test_a_product_listed_twice_is_reported_once_per_problem(write_yaml: WriteYaml) -> None:
    """Pro Eerst, Poort Twee and Keuze twice each, the addendum not signed: one
    duplicate-product per repeat, but one addendum-required per gated product and one
    missing-dependency per missing product, at the first listing."""
    text = (
        "addendum: {status: none}\ntier: pro\nproducts:\n"
        f"  - {PORTAL}\n  - {PRO}\n  - {PRO}\n  - {GATED}\n"
        f"  - {CHOICE}\n  - {GATED}\n  - {CHOICE}\n  - {PORTAL}\n"
    )
    sign = (
        "plan an appointment with Loket, sign the addendum and wait for Loket's confirmation"
        " ticket; then set addendum.status: signed with signed_on and ticket. Until then,"
        " remove {name} from products"
    )

    def required(name: str, line: int) -> Found:
        return (
            "addendum-required",
            "error",
            line,
            5,
            f"{name} is listed but the contract addendum is 'none': Loket offers {name}"
            " only after the addendum is signed",
            sign.format(name=name),
        )

    def twice(name: str, line: int, first: int) -> Found:
        return (
            "duplicate-product",
            "error",
            line,
            5,
            f"{name!r} is listed twice (first as item {first})",
            "remove this line",
        )

    assert found(write_yaml, text, ADVERSARIAL) == [
        required(PORTAL, 7),
        (
            "missing-dependency",
            "error",
            8,
            5,
            "'Pro Eerst' requires 'Keten 2', which is not listed",
            "add 'Keten 2' to products",
        ),
        twice(PRO, 9, 2),
        required(GATED, 10),  # a first listing after a repeat is still checked
        (
            "missing-dependency",
            "error",
            11,
            5,
            "'Keuze' requires one of 'Keten 2' or 'Keten 0'; none is listed",
            "add one of 'Keten 2' or 'Keten 0' to products",
        ),
        twice(GATED, 12, 4),
        twice(CHOICE, 13, 5),
        twice(PORTAL, 14, 1),
    ]


def test_two_products_that_exclude_each_other_are_one_conflict_however_often_listed(
    write_yaml: WriteYaml, catalog: Catalog
) -> None:
    lite, extended = "Dossiervorming Qwoater Lite", "Dossiervorming Qwoater Extended"
    text = (
        "addendum: {status: none}\nproducts:\n"
        f"  - {lite}\n  - {extended}\n  - {lite}\n  - {extended}\n"
    )
    conflicts = [f for f in found(write_yaml, text, catalog) if f[0] == "conflicting-products"]
    assert conflicts == [
        (
            "conflicting-products",
            "error",
            7,
            5,
            f"{lite!r} and {extended!r} cannot both be active",
            "keep one of the two",
        )
    ]


# -- lookalike characters -------------------------------------------------------------------


def test_lookalikes_name_each_differing_character_by_code_point() -> None:
    assert lookalikes("MijnL\u043eket", "MijnLoket") == (
        " (character 6 is U+043E CYRILLIC SMALL LETTER O, not U+006F LATIN SMALL LETTER O)"
    )
    assert lookalikes("MijnLoket\u00a0- Verlof", "MijnLoket - Verlof") == (
        " (character 10 is U+00A0 NO-BREAK SPACE, not U+0020 SPACE)"
    )


def test_lookalikes_say_nothing_about_differences_in_plain_ascii() -> None:
    assert lookalikes("Mijnloket", "MijnLoket") == ""
    assert lookalikes("MijnLoket", "MijnLoket") == ""


def test_lookalikes_name_a_character_too_many_or_missing_as_nothing() -> None:
    assert lookalikes("Mijn\u200bLoket", "MijnLoket") == (
        " (character 5 is U+200B ZERO WIDTH SPACE, not nothing)"
    )
    assert lookalikes("Caf", "Caf\u00e9") == (
        " (character 4 is nothing, not U+00E9 LATIN SMALL LETTER E WITH ACUTE)"
    )


def test_lookalikes_list_at_most_three_differences() -> None:
    """Four Cyrillic a's among Latin b's: the hint names the first three."""

    def cyrillic_a(at: int) -> str:
        return f"character {at} is U+0430 CYRILLIC SMALL LETTER A, not U+0061 LATIN SMALL LETTER A"

    got = lookalikes("\u0430b\u0430b\u0430b\u0430", "abababa")
    assert got == f" ({cyrillic_a(1)}; {cyrillic_a(3)}; {cyrillic_a(5)})"


def test_lookalikes_name_a_character_without_a_unicode_name() -> None:
    """A private-use character has no name in Unicode; the hint still says which."""
    assert lookalikes("Mijn\ue000oket", "MijnLoket") == (
        " (character 5 is U+E000 UNNAMED CHARACTER, not U+004C LATIN CAPITAL LETTER L)"
    )


def test_lookalikes_compare_a_long_catalog_name_character_by_character() -> None:
    """A catalog override may give a product a long name of repeated words: difflib's
    "autojunk" heuristic (on by default from 200 characters) would take every letter
    of it as junk and name the whole name instead of the one character."""
    meant = " ".join(["Verlofregeling"] * 15)
    written = meant[:214] + "\u043e" + meant[215:]
    assert (len(meant), meant[210:]) == (224, "Verlofregeling")
    assert lookalikes(written, meant) == (
        " (character 215 is U+043E CYRILLIC SMALL LETTER O, not U+006F LATIN SMALL LETTER O)"
    )


def test_lookalikes_pass_over_accents_the_two_names_share() -> None:
    assert lookalikes("Beëindiging\u00a0Verlof", "Beëindiging Verlof") == (
        " (character 12 is U+00A0 NO-BREAK SPACE, not U+0020 SPACE)"
    )


def test_lookalikes_list_each_character_of_a_longer_difference() -> None:
    assert lookalikes("MijnL\u043e\u043aet", "MijnLoket") == (
        " (character 6 is U+043E CYRILLIC SMALL LETTER O, U+043A CYRILLIC SMALL LETTER KA,"
        " not U+006F LATIN SMALL LETTER O, U+006B LATIN SMALL LETTER K)"
    )


# -- messages and hints a reader acts on ----------------------------------------------------

SIGNED = "addendum: {status: signed, signed_on: 2026-03-14, ticket: LKT-1}\n"


def test_users_and_rights_word_for_word(write_yaml: WriteYaml) -> None:
    """A misspelt right does not stop the checks of the rights after it; a right that
    needs two products that are off names both; a login that differs only in ASCII case
    is the same user, named by its first position."""
    two_products = extend_catalog(ADVERSARIAL, {}, {RIGHT_PLUS: {"requires": [PLUS, START]}})
    text = (
        SIGNED + "tier: start\nproducts: [Portaal]\nusers:\n"
        "  - login: anna@b.nl\n    type: ak-gebruiker\n"
        "    rights: [Recht Portal, Recht Portaal, Recht Plus]\n"
        "  - login: Anna@b.nl\n    type: werkgevergebruiker\n"
    )
    assert found(write_yaml, text, two_products) == [
        (
            "unknown-right",
            "error",
            10,
            14,
            "unknown right 'Recht Portal'",
            "did you mean 'Recht Portaal'?",
        ),
        (
            "right-user-type",
            "error",
            10,
            28,
            "an ak-gebruiker cannot hold 'Recht Portaal'",
            "it can be given to: werkgevergebruiker",
        ),
        (
            "right-without-mijnloket",
            "warning",
            10,
            43,
            "'Recht Plus' has no effect while Plus Later, Start Laatst is off",
            "remove the right or turn on Plus Later, Start Laatst",
        ),
        (
            "duplicate-user",
            "error",
            11,
            12,
            "user 'Anna@b.nl' is listed twice (first as user 1)",
            "merge the two entries",
        ),
    ]


def test_a_signed_on_date_in_the_future_says_which_date_to_use(
    write_yaml: WriteYaml, catalog: Catalog
) -> None:
    text = (
        "addendum:\n  status: signed\n  signed_on: 2026-06-02\n  ticket: LKT-1\n"
        "tier: start\nproducts: [MijnLoket]\n"
    )
    assert found(write_yaml, text, catalog) == [
        (
            "addendum-evidence",
            "error",
            6,
            14,
            "addendum.signed_on 2026-06-02 is in the future",
            "use the date the addendum was actually signed",
        )
    ]


def test_a_missing_tier_says_what_to_write_and_why(write_yaml: WriteYaml) -> None:
    text = SIGNED + f"products:\n  - {PLUS}\n  - {PORTAL}\n"
    assert found(write_yaml, text, ADVERSARIAL) == [
        (
            "tier-mismatch",
            "error",
            7,
            5,
            "tier is not written down; the products make it 'plus': Plus Later (plus)",
            "add `tier: plus` (a tier change is a price change and must show in review)",
        )
    ]


def test_an_unknown_product_without_a_close_name_points_at_the_catalog_command(
    write_yaml: WriteYaml,
) -> None:
    text = SIGNED + f"tier: start\nproducts: [{PORTAL}, Zzz]\n"
    assert found(write_yaml, text, ADVERSARIAL) == [
        (
            "unknown-product",
            "error",
            6,
            21,
            "unknown product 'Zzz'",
            "run `mijnloket-gitops catalog` for the product names",
        )
    ]


def test_a_one_of_dependency_keeps_the_products_severity(write_yaml: WriteYaml) -> None:
    """dependency_severity: warning in an override holds for one-of groups too."""
    lenient = extend_catalog(ADVERSARIAL, {CHOICE: {"dependency_severity": "warning"}}, {})
    text = SIGNED + f"tier: start\nproducts: [{PORTAL}, {CHOICE}]\n"
    assert found(write_yaml, text, lenient) == [
        (
            "missing-dependency",
            "warning",
            6,
            21,
            "'Keuze' requires one of 'Keten 2' or 'Keten 0'; none is listed",
            "add one of 'Keten 2' or 'Keten 0' to products",
        )
    ]


def test_each_conflicting_pair_is_reported_once(write_yaml: WriteYaml) -> None:
    """Two pairs: one that excludes both ways (reported once, not twice) and one that
    excludes one way; each at the later of its two products."""
    exclusive = extend_catalog(
        ADVERSARIAL,
        {
            PLUS: {"excludes": [START]},
            START: {"excludes": [PLUS]},
            GATED: {"excludes": ["Keten 0"]},
        },
        {},
    )
    text = SIGNED + f"tier: plus\nproducts: [{PORTAL}, {PLUS}, {START}, {GATED}, Keten 0]\n"
    assert found(write_yaml, text, exclusive) == [
        (
            "conflicting-products",
            "error",
            6,
            33,
            f"{PLUS!r} and {START!r} cannot both be active",
            "keep one of the two",
        ),
        (
            "conflicting-products",
            "error",
            6,
            59,
            f"{GATED!r} and 'Keten 0' cannot both be active",
            "keep one of the two",
        ),
    ]
