"""``fmt`` and the canonical form: idempotent, comment-keeping, never changing the data.

The generated tests write employer data the way people do (any key order, odd
indentation, flow lists, every quoting style, comments and blank lines anywhere) and
check the formatted file against the strict reader, which is the oracle here.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.files.canonical import Comments, format_text, render_new
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.files.model import Addendum, EmployerFile, User

ROOT = Path(__file__).resolve().parent.parent
CATALOG = builtin_catalog()
PRODUCTS = list(CATALOG.products)
RIGHTS = list(CATALOG.rights)
EXAMPLES = sorted((ROOT / "employers").rglob("*.y*ml")) if (ROOT / "employers").is_dir() else []

MESSY = """\
# yaml-language-server: $schema=../schemas/employer.schema.json

# Before the first key: stays at the top.
name: Foo B.V.   # aligned comment
# about version (moves with version)
version: 1
notes: [a,   # flow 1
  "yes"]     # flow 2
addendum:
    ticket: 48211  # a number here: it stays a number
    # between keys
    status: "signed"
    signed_on: 2026-03-14
    # closes the addendum
tier: 'plus'
products:
- MijnLoket - Verlofaanvragen   # plus
# before MijnLoket
- MijnLoket
-   "Unknown: thing"
- Verlofregistratie
  # closes the products
users:
  - type: ak-gebruiker
    # about login
    login: Zed@x.nl
    rights: []
  -   login: abe@x.nl  # abe
      type: werkgevergebruiker

      rights:
        - Raadplegen MijnLoket e-mailadres
  # closes the users
# the end


"""

MESSY_FORMATTED = """\
# yaml-language-server: $schema=../schemas/employer.schema.json

# Before the first key: stays at the top.
# about version (moves with version)
version: 1
name: Foo B.V.   # aligned comment
addendum:
  # between keys
  status: signed
  signed_on: 2026-03-14
  ticket: 48211    # a number here: it stays a number
  # closes the addendum
tier: plus
products:
  # before MijnLoket
  - MijnLoket
  - MijnLoket - Verlofaanvragen  # plus
  - Verlofregistratie
  - "Unknown: thing"
  # closes the products
users:
  - login: abe@x.nl    # abe
    type: werkgevergebruiker

    rights:
      - Raadplegen MijnLoket e-mailadres
  # about login
  - login: Zed@x.nl
    type: ak-gebruiker
    rights: []
  # closes the users
notes:  # flow 1
  - a
  - "yes"    # flow 2
# the end
"""

BROKEN = {
    "syntax.yaml": b"version: 1\nproducts: [MijnLoket\n",
    "duplicate.yaml": b"version: 1\nversion: 1\n",
    "latin1.yaml": "name: Caf\u00e9\n".encode("latin-1"),
    "empty.yaml": b"",
    "tagged.yaml": b"version: !custom 1\n",
}


def fmt(text: str) -> str:
    doc = load_text(text)
    assert not doc.problems, doc.problems
    return format_text(text, doc, CATALOG)


# --- an independent oracle: same data, canonical order ---------------------------


def strict_equal(left: Any, right: Any) -> bool:
    """Equal with types (1, 1.0 and true differ), NaN equal to NaN, any dict order."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return set(left) == set(right) and all(strict_equal(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(strict_equal, left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


def unordered(data: Any) -> Any:
    """``data`` with products, users and rights sorted by their JSON text."""
    if not isinstance(data, dict):
        return data
    data = dict(data)

    def by_json(items: list[Any]) -> list[Any]:
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, default=repr))

    if isinstance(data.get("products"), list):
        data["products"] = by_json(data["products"])
    if isinstance(data.get("users"), list):
        users = []
        for user in data["users"]:
            if isinstance(user, dict) and isinstance(user.get("rights"), list):
                user = {**user, "rights": by_json(user["rights"])}
            users.append(user)
        data["users"] = by_json(users)
    return data


def assert_canonical_order(data: Any) -> None:
    if not isinstance(data, dict):
        return
    known = list(EmployerFile.model_fields)
    keys = [k for k in data if k in known]
    assert keys == [k for k in known if k in data]
    assert list(data)[: len(keys)] == keys
    if isinstance(data.get("products"), list):
        ranks = [PRODUCTS.index(p) if p in PRODUCTS else len(PRODUCTS) for p in data["products"]]
        assert ranks == sorted(ranks)
    if isinstance(data.get("users"), list):
        logins = [u["login"].casefold() for u in data["users"] if isinstance(u, dict)]
        assert logins == sorted(logins)
        for user in data["users"]:
            known_keys = [k for k in User.model_fields if k in user]
            assert list(user)[: len(known_keys)] == known_keys
            rights = user.get("rights", [])
            ranks = [RIGHTS.index(r) if r in RIGHTS else len(RIGHTS) for r in rights]
            assert ranks == sorted(ranks)


def assert_formatted_well(before: str, after: str) -> None:
    """``after`` is canonical for ``before``: same data, order, layout, idempotent."""
    old, new = load_text(before), load_text(after)
    assert not new.problems, (new.problems, after)
    assert strict_equal(unordered(new.data), unordered(old.data)), after
    assert_canonical_order(new.data)
    assert fmt(after) == after, "formatting twice differs from formatting once"
    assert after.endswith("\n") and not after.endswith("\n\n")
    for line in after.splitlines():
        assert line == line.rstrip(), f"trailing whitespace: {line!r}"
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, f"odd indentation: {line!r}"


# --- fixed cases -----------------------------------------------------------------


def test_messy_file_formats_to_the_canonical_form() -> None:
    assert fmt(MESSY) == MESSY_FORMATTED
    assert_formatted_well(MESSY, MESSY_FORMATTED)


AWKWARD = [
    MESSY,
    "# only a header\nversion: 1\n# only a footer\n",
    "products:\n  - # about A\n    A\n  - B # b\n",
    "users:\n- login: b\n  rights:\n  - x   # x\n  # after x\n# after users\n- login: a\n",
    "a: {x: 1,  # one\n  y: 2}  # two\n",
    "  version: 1   # an indented document\n  name: x\n",
    "- a\n- b:\n  - - nested  # deep\n    - list\n",
    "--- # on the marker\nversion: 1\n",
    "users:\n  - login: A\n\n\n  - login: a # same login but for case\n",
    'name: a plain\n  scalar on two lines  # c\nticket: "quoted over\n  two lines"  # d\n',
    "a: '48211'\nb: 5\n2: int key\ntrue: bool key\n~: null key\n",
    "products: [MijnLoket - Verlofaanvragen,\n  # in a flow list\n  MijnLoket]  # closing\n",
    "1: {k: v}  # flow\na: {k: v}  # again\n",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_fixtures_keep_data_and_are_idempotent(text: str) -> None:
    after = fmt(text)
    assert_formatted_well(text, after)
    for line in text.splitlines():
        if "#" in line:
            assert line[line.index("#") :].rstrip() in after


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_canonical_and_idempotent(path: Path) -> None:
    text = path.read_text("utf-8")
    once = fmt(text)
    assert_formatted_well(text, once)
    assert once == text, "the bundled examples should be in canonical form"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("LKT-48211", "LKT-48211"),
        ("Bakkerij De Vries B.V.", "Bakkerij De Vries B.V."),
        ("Caf\u00e9 \u00dcber", "Caf\u00e9 \u00dcber"),
        ("2026-03-14", "2026-03-14"),  # a date is a string to the strict reader
        ("48211", '"48211"'),
        ("1e3", '"1e3"'),
        ("0x1F", '"0x1F"'),
        ("1_000", '"1_000"'),  # a number in YAML 1.1
        ("yes", '"yes"'),
        ("Off", '"Off"'),
        ("n", '"n"'),
        ("null", '"null"'),
        ("~", '"~"'),
        ("", '""'),
        ("true", '"true"'),
        ("a: b", '"a: b"'),
        ("a #b", '"a #b"'),
        ("#b", '"#b"'),
        ("- x", '"- x"'),
        ("*x", '"*x"'),
        ("<<", '"<<"'),
        (" lead", '" lead"'),
        ("two\nlines", '"two\\nlines"'),
        ('say "hi"', 'say "hi"'),
    ],
)
def test_quoting(value: str, written: str) -> None:
    text = f"name: {json.dumps(value)}\n"
    assert fmt(text) == f"name: {written}\n"


def test_ticket_is_always_quoted() -> None:
    text = "addendum:\n  ticket: LKT-1\n  status: signed\n"
    assert fmt(text) == 'addendum:\n  status: signed\n  ticket: "LKT-1"\n'


def test_other_values_get_one_spelling() -> None:
    text = "a: 0x1F\nb: ~\nc: True\nd: 1.50\ne: .inf\nf: []\ng: {}\nh:\n"
    assert fmt(text) == "a: 31\nb: null\nc: true\nd: 1.5\ne: .inf\nf: []\ng: {}\nh: null\n"


def test_flow_style_and_document_markers_are_written_out() -> None:
    text = "---\nfirst: [1, {k: v}]\nsecond: [1, {k: v}]\n...\n"
    assert fmt(text) == "first:\n  - 1\n  - k: v\nsecond:\n  - 1\n  - k: v\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("first: &a [1]\nsecond: *a\n", "an anchor"),
        ("%YAML 1.2\n---\nversion: 1\n", "a directive"),
        ("a: !!str 48211\n", "a tag"),
        ("? a\n: 1\n", "an explicit key"),
    ],
)
def test_fmt_leaves_a_file_with_what_employer_files_do_not_use_untouched(
    text: str, words: str
) -> None:
    doc = load_text(text, spans=True)
    assert not doc.readable and doc.problems[0].message.startswith(words)


def test_unknown_keys_keep_their_order_after_the_known_ones() -> None:
    text = "zeta: 1\nusers: []\nalpha: 2\nversion: 1\naddendum: {z: 1, status: none}\n"
    assert fmt(text) == (
        "version: 1\naddendum:\n  status: none\n  z: 1\nusers: []\nzeta: 1\nalpha: 2\n"
    )


def test_crlf_bom_and_tabs() -> None:
    text = "\ufeffversion: 1\r\nname:\tFoo   # c\r\n\r\n\r\n# x\r\ntier: plus\r\n"
    assert fmt(text) == "version: 1\nname: Foo   # c\n\n# x\ntier: plus\n"


def test_comment_like_text_in_block_scalars_is_not_a_comment() -> None:
    text = "name: |\n  a\n  # not a comment\n# a comment\nversion: 1\n"
    assert fmt(text) == '# a comment\nversion: 1\nname: "a\\n# not a comment\\n"\n'


# --- generated files ---------------------------------------------------------------

ODD = [
    "48211", "yes", "No", "on", "null", "~", "true", "0x1F", "0o17", "1e3", ".inf",
    "2026-03-14", "2026-03-14T10:00:00Z", "a: b", "#hash", "a #b", "- x", "[x]", "{x}",
    "*x", "&x", "!x", "%x", "@x", "`x", "'q'", '"dq"', " lead", "trail ", "",
    "\u00fc \u00f1 \U0001f600", "x:y", "?", "-", "---", "...", "<<", "=", "1_000", "+1",
    "tab\there", "multi\nline", "line\u2028sep", "back\\slash", "a,b", "x\x85y",
]  # fmt: skip
COMMENT_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Cn", "Zl", "Zp"]), max_size=12
)
ODD_TEXT = st.sampled_from(ODD) | st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12
)
SCALAR = ODD_TEXT | st.integers(-5, 10**6) | st.booleans() | st.none() | st.floats(-1e9, 1e9)


@st.composite
def employers(draw: st.DrawFn) -> dict[str, Any]:
    names = st.sampled_from(PRODUCTS) | ODD_TEXT
    user = st.fixed_dictionaries(
        {
            "login": st.sampled_from(["a@x.nl", "B@x.nl", "b@x.nl", "\u00e9@x.nl"]) | ODD_TEXT,
            "type": st.sampled_from(["ak-gebruiker", "werkgevergebruiker"]) | ODD_TEXT,
            "rights": st.lists(st.sampled_from([*RIGHTS, "Onbekend recht"]) | ODD_TEXT, max_size=3),
        },
        optional={"extra": SCALAR},
    )
    addendum = st.fixed_dictionaries(
        {"status": st.sampled_from(["signed", "requested", "none"]) | ODD_TEXT},
        optional={"signed_on": ODD_TEXT, "ticket": ODD_TEXT, "z_extra": SCALAR},
    )
    data = draw(
        st.fixed_dictionaries(
            {"version": st.just(1) | SCALAR, "employer_id": ODD_TEXT, "name": ODD_TEXT},
            optional={
                "addendum": addendum,
                "tier": st.sampled_from(["start", "plus", "pro"]) | SCALAR,
                "products": st.lists(names, max_size=6),
                "users": st.lists(user, max_size=4),
                "unknown": SCALAR | st.lists(SCALAR, max_size=3),
                "nested_unknown": st.dictionaries(ODD_TEXT, SCALAR, max_size=3),
            },
        )
    )
    return data


def _scalar(draw: st.DrawFn, value: Any, *, flow: bool = False, key: bool = False) -> str:
    """``value`` in any spelling that the strict reader reads back as ``value``."""
    if not isinstance(value, str):
        if isinstance(value, float):
            return repr(value)
        nulls = ["null", "~"] if flow or key else ["null", "~", ""]
        return draw(st.sampled_from(nulls if value is None else [json.dumps(value)]))
    styles = ['"', "'"] if flow else ['"', "'", None]
    style = draw(st.sampled_from(styles))
    if any(c in value for c in "\n\r\x85\u2028\u2029") or not value.isprintable():
        style = '"'
    if style is None and not flow:  # plain, where the strict reader agrees
        doc = load_text(f"{value}: 0\n" if key else f"k: {value}\n")
        if not doc.problems and doc.data == ({value: 0} if key else {"k": value}):
            return value
        style = '"'
    dumped: str = yaml.dump(value, default_style=style, allow_unicode=True, width=10**6)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def _block(draw: st.DrawFn, value: Any, indent: int, lines: list[str]) -> None:
    """Append ``value`` as lines at ``indent``, with random key order and layout."""
    if isinstance(value, dict):
        keys = draw(st.permutations(list(value)))
        for key in keys:
            child = value[key]
            head = " " * indent + f"{_scalar(draw, key, key=True)}:"
            if child and isinstance(child, dict | list) and draw(st.booleans()):
                lines.append(head)
                steps = [2, 4] if isinstance(child, dict) else [0, 2, 4]
                _block(draw, child, indent + draw(st.sampled_from(steps)), lines)
            elif isinstance(child, list | dict):
                lines.extend(f"{head} {_flow(draw, child, indent + 2)}".split("\n"))
            else:
                lines.append(f"{head} {_scalar(draw, child)}".rstrip())
    else:
        for item in draw(st.permutations(value)):
            gap = draw(st.sampled_from([1, 1, 3]))
            if isinstance(item, dict) and item:
                inner: list[str] = []
                _block(draw, item, indent + 1 + gap, inner)
                first = next(i for i, line in enumerate(inner) if not line.lstrip().startswith("#"))
                inner[first] = " " * indent + "-" + " " * gap + inner[first].lstrip(" ")
                lines.extend(inner)
            elif isinstance(item, dict | list):
                lines.extend((" " * indent + f"- {_flow(draw, item, indent + 2)}").split("\n"))
            else:
                lines.append(" " * indent + f"-{' ' * gap}{_scalar(draw, item)}".rstrip())


def _flow(draw: st.DrawFn, value: Any, indent: int) -> str:
    """``value`` in flow style, sometimes over several lines (indented by ``indent``)."""
    if isinstance(value, dict):
        parts = [
            f"{_scalar(draw, k, flow=True)}: {_flow(draw, v, indent)}" for k, v in value.items()
        ]
        opening, closing = "{", "}"
    elif isinstance(value, list):
        parts = [_flow(draw, v, indent) for v in value]
        opening, closing = "[", "]"
    else:
        return _scalar(draw, value, flow=True)
    separators = [draw(st.sampled_from([", ", ",\n" + " " * indent])) for _ in parts]
    inner = "".join(p + s for p, s in zip(parts, separators, strict=True))
    return opening + inner.rstrip(", \n") + closing


@st.composite
def messy_files(draw: st.DrawFn) -> tuple[str, list[str]]:
    """An employer file as a person might write it, and the comments in it."""
    lines: list[str] = []
    _block(draw, draw(employers()), draw(st.sampled_from([0, 0, 2])), lines)
    comments: list[str] = []
    out: list[str] = []
    if draw(st.booleans()):
        out.append("# yaml-language-server: $schema=../schemas/employer.schema.json")
        comments.append(out[-1])
    for line in [*lines, None]:
        for _ in range(draw(st.integers(0, 2))):
            if draw(st.booleans()):
                out.append("")
            else:
                text = f"# c{len(comments)} {draw(COMMENT_TEXT)}".rstrip()
                out.append(" " * draw(st.integers(0, 9)) + text)
                comments.append(text)
        if line is not None:
            if draw(st.integers(0, 3)) == 0:
                text = f"# e{len(comments)} {draw(COMMENT_TEXT)}".rstrip()
                line += " " * draw(st.integers(1, 4)) + text
                comments.append(text)
            out.append(line)
    return "\n".join(out) + draw(st.sampled_from(["\n", "", "\n\n"])), comments


@settings(max_examples=200, deadline=None)
@given(messy_files())
def test_generated_files_keep_data_and_comments(case: tuple[str, list[str]]) -> None:
    text, comments = case
    doc = load_text(text)
    assert not doc.problems, (doc.problems, text)
    after = format_text(text, doc, CATALOG)
    assert_formatted_well(text, after)
    for comment in comments:
        assert comment in after, (comment, text, after)


@settings(max_examples=100, deadline=None)
@given(employers())
def test_render_new_writes_canonical_files(data: dict[str, Any]) -> None:
    comments = Comments(header=["written by a test"], eol={("name",): "the name"})
    text = render_new(data, CATALOG, comments=comments)
    assert text.startswith("# written by a test\n")
    assert "  # the name\n" in text
    assert_formatted_well(text, text)
    assert strict_equal(unordered(load_text(text).data), unordered(data))


def test_render_new_from_a_model_writes_commented_gaps() -> None:
    employer = EmployerFile(
        version=1,
        employer_id="0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10",
        name="Bakkerij De Vries B.V.",
        addendum=Addendum(status="signed"),
        tier="plus",
        products=[
            "Verlofregeling",
            "MijnLoket - Verlofaanvragen",
            "Verlofregistratie",
            "MijnLoket",
        ],
        users=[
            User(login="b@x.nl", type="ak-gebruiker"),
            User(login="A@x.nl", type="ak-gebruiker"),
        ],
    )
    comments = Comments(
        header=["yaml-language-server: $schema=../schemas/employer.schema.json"],
        eol={("addendum", "ticket"): "not known to Loket.nl: fill in the ticket"},
        after={("products",): ["live product not in the catalog: Foo"]},
    )
    text = render_new(employer, CATALOG, comments=comments)
    assert text == (
        "# yaml-language-server: $schema=../schemas/employer.schema.json\n"
        "version: 1\n"
        "employer_id: 0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10\n"
        "name: Bakkerij De Vries B.V.\n"
        "addendum:\n"
        "  status: signed\n"
        "  ticket: null  # not known to Loket.nl: fill in the ticket\n"
        "tier: plus\n"
        "products:\n"
        "  - MijnLoket\n"
        "  - MijnLoket - Verlofaanvragen\n"
        "  - Verlofregistratie\n"
        "  - Verlofregeling\n"
        "  # live product not in the catalog: Foo\n"
        "users:\n"
        "  - login: A@x.nl\n"
        "    type: ak-gebruiker\n"
        "    rights: []\n"
        "  - login: b@x.nl\n"
        "    type: ak-gebruiker\n"
        "    rights: []\n"
    )
    reread = EmployerFile.model_validate(load_text(text).data)
    assert reread.addendum == employer.addendum
    assert fmt(text) == text


def test_render_new_keeps_comments_on_empty_lists_and_checks_paths() -> None:
    data = {"version": 1, "products": [], "tier": None}
    comments = Comments(after={("products",): ["live product not in the catalog: Foo"]})
    text = render_new(data, CATALOG, comments=comments)
    assert text == (
        "version: 1\ntier: null\nproducts: []\n# live product not in the catalog: Foo\n"
    )
    assert fmt(text) == text
    with pytest.raises(ValueError, match="not in the data"):
        render_new(data, CATALOG, comments=Comments(eol={("users", 0): "x"}))


# --- the command -------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "employers").mkdir()
    (tmp_path / "employers" / "messy.yaml").write_text(MESSY, "utf-8")
    (tmp_path / "employers" / "tidy.yaml").write_text(MESSY_FORMATTED, "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_check_prints_a_diff_and_changes_nothing(repo: Path) -> None:
    result = run("fmt", "--check")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/employers/messy.yaml\n+++ b/employers/messy.yaml\n")
    assert "tidy.yaml" not in result.stdout
    assert "1 would be reformatted, 1 already canonical" in result.stderr
    assert (repo / "employers" / "messy.yaml").read_text("utf-8") == MESSY


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_check_diff_applies_with_git(repo: Path) -> None:
    diff = run("fmt", "--check").stdout
    subprocess.run(["git", "apply", "-"], input=diff.encode(), cwd=repo, check=True)
    assert (repo / "employers" / "messy.yaml").read_text("utf-8") == MESSY_FORMATTED


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_check_diff_of_a_cr_only_file_applies_with_git(repo: Path) -> None:
    """Old Mac line ends: the diff split lines at CR and marked each with "No newline
    at end of file", which git apply rejects as malformed."""
    (repo / "employers" / "messy.yaml").unlink()
    cr_only = MESSY_FORMATTED.replace("\n", "\r").encode("utf-8")
    (repo / "employers" / "mac.yaml").write_bytes(cr_only)
    diff = run("fmt", "--check").stdout_bytes  # .stdout would turn CR LF into LF
    subprocess.run(["git", "apply", "-"], input=diff, cwd=repo, check=True)
    assert (repo / "employers" / "mac.yaml").read_text("utf-8") == MESSY_FORMATTED


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_check_diff_of_a_file_without_a_final_newline_applies_with_git(repo: Path) -> None:
    (repo / "employers" / "messy.yaml").write_text(MESSY.rstrip("\n"), "utf-8")
    diff = run("fmt", "--check").stdout
    assert "\\ No newline at end of file\n" in diff
    subprocess.run(["git", "apply", "-"], input=diff.encode(), cwd=repo, check=True)
    assert (repo / "employers" / "messy.yaml").read_text("utf-8") == MESSY_FORMATTED


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_fmt_output_does_not_pass_terminal_escapes_through(repo: Path) -> None:
    """A file name with a terminal escape sequence is spelled out in every line fmt
    prints; the --check diff C-quotes it as git does, so git apply still finds it."""
    name = "\x1b]0;pwned\x07.yaml"
    (repo / "employers" / "tidy.yaml").rename(repo / "employers" / name)
    (repo / "employers" / "messy.yaml").rename(repo / "employers" / f"m{name}")
    check = run("fmt", "--check")
    assert check.exit_code == 1
    assert "\x1b" not in check.output and "\x07" not in check.output, repr(check.output)
    subprocess.run(["git", "apply", "-"], input=check.stdout.encode(), cwd=repo, check=True)
    assert (repo / "employers" / f"m{name}").read_text("utf-8") == MESSY_FORMATTED
    (repo / "employers" / f"m{name}").write_text(MESSY, "utf-8")
    (repo / "employers" / "broken.yaml").write_text("name: [\n", "utf-8")
    written = run("fmt")
    assert "reformatted employers/m\\x1b]0;pwned\\x07.yaml" in written.stdout
    assert "\x1b" not in written.output and "\x07" not in written.output


def test_check_passes_on_canonical_files(repo: Path) -> None:
    result = run("fmt", "--check", "employers/tidy.yaml")
    assert (result.exit_code, result.stdout) == (0, "")


def test_fmt_rewrites_in_place_keeping_the_mode(repo: Path) -> None:
    messy = repo / "employers" / "messy.yaml"
    messy.chmod(0o640)
    result = run("fmt")
    assert result.exit_code == 0
    assert result.stdout == "reformatted employers/messy.yaml\n"
    assert messy.read_text("utf-8") == MESSY_FORMATTED
    assert stat.S_IMODE(messy.stat().st_mode) == 0o640
    assert sorted(p.name for p in messy.parent.iterdir()) == ["messy.yaml", "tidy.yaml"]
    again = run("fmt")
    assert (again.exit_code, again.stdout) == (0, "")


def test_fmt_follows_symlinks(repo: Path) -> None:
    (repo / "employers" / "messy.yaml").rename(repo / "real.yaml")
    (repo / "employers" / "messy.yaml").symlink_to(repo / "real.yaml")
    assert run("fmt").exit_code == 0
    assert (repo / "employers" / "messy.yaml").is_symlink()
    assert (repo / "real.yaml").read_text("utf-8") == MESSY_FORMATTED


def test_default_path_comes_from_the_repository(tmp_path: Path) -> None:
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\nemployers_dir: people\n")
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "a.yaml").write_text(MESSY)
    result = run("fmt", "--check", "--repo", str(tmp_path))
    assert result.exit_code == 1
    assert "people/a.yaml" in result.stdout


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_unreadable_files_are_untouched_and_reported_like_validate(repo: Path, name: str) -> None:
    broken = repo / "employers" / name
    broken.write_bytes(BROKEN[name])
    for args in (("fmt",), ("fmt", "--check")):
        result = run(*args)
        assert result.exit_code == 1
        assert broken.read_bytes() == BROKEN[name]
        reported = [line for line in result.stderr.splitlines() if name in line]
        assert reported
        validated = run("validate", f"employers/{name}").stdout.splitlines()
        for line in reported:
            assert line in validated
    assert "1 not formatted" in result.stderr


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "employers").mkdir()
    result = run("fmt", "--repo", str(tmp_path))
    assert result.exit_code == 1
    assert "[no-files]" in result.stderr


def test_a_failed_write_leaves_the_file_and_no_temporary_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: str, target: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    result = run("fmt")
    assert result.exit_code == 1
    assert "employers/messy.yaml: error: cannot write: Permission denied" in result.stderr
    assert (repo / "employers" / "messy.yaml").read_text("utf-8") == MESSY
    assert sorted(p.name for p in (repo / "employers").iterdir()) == ["messy.yaml", "tidy.yaml"]


@pytest.mark.parametrize(
    ("escaped", "char"),
    [
        ("\\u00a0", "\u00a0"),  # NO-BREAK SPACE: "MijnLoket - …" looks right, is not
        ("\\u200b", "\u200b"),  # ZERO WIDTH SPACE
        ("\\u00ad", "\u00ad"),  # SOFT HYPHEN
        ("\\u2007", "\u2007"),  # FIGURE SPACE
        ("\\U000e0041", "\U000e0041"),  # TAG LATIN CAPITAL LETTER A
    ],
)
def test_fmt_never_turns_an_escape_into_an_invisible_character(escaped: str, char: str) -> None:
    """``"MijnLoket\\u00a0- …"`` became a raw NO-BREAK SPACE: the lookalike disappeared
    from review. Visible non-ASCII text (``café``) stays as it is."""
    text = f'version: 1\nname: "MijnLoket{escaped}- Verlof caf\\u00e9"\n'
    formatted = format_text(text, load_text(text), CATALOG)
    assert char not in formatted
    assert "café" in formatted
    assert load_text(formatted).data == load_text(text).data


COMMENT_CASES = {
    "block-scalar-header": (
        "version: 1\nname: |  # legal name as on the contract\n  Bakkerij\n",
        'version: 1\nname: "Bakkerij\\n"  # legal name as on the contract\n',
    ),
    "dash-then-value-on-the-next-line": (
        "version: 1\nproducts:\n  - # c\n    MijnLoket\n",
        "version: 1\nproducts:\n  - MijnLoket  # c\n",
    ),
    "between-a-key-and-its-value": (
        "version: 1\nname:\n  # c\n  Bakkerij\naddendum:\n  status: none\n",
        "version: 1\n# c\nname: Bakkerij\naddendum:\n  status: none\n",
    ),
    "on-the-document-end-marker": (
        "---\nversion: 1\n... # c\n",
        "version: 1\n# c\n",
    ),
    "after-a-lone-dash": (
        "version: 1\nusers:\n  - login: a@x.nl\n    type: werkgevergebruiker\n  -\n"
        "    # about b\n    login: b@x.nl\n    type: werkgevergebruiker\n",
        "version: 1\nusers:\n  - login: a@x.nl\n    type: werkgevergebruiker\n"
        "  # about b\n  - login: b@x.nl\n    type: werkgevergebruiker\n",
    ),
    "after-a-lone-dash-and-a-blank-line": (
        "version: 1\nproducts:\n  - MijnLoket\n  -\n\n    # about Verlofregeling\n"
        "    Verlofregeling\n",
        "version: 1\nproducts:\n  - MijnLoket\n\n  # about Verlofregeling\n  - Verlofregeling\n",
    ),
    "a-trailing-comment-stays-in-its-item": (
        "version: 1\nusers:\n  - login: a@x.nl\n    # about a\n  - login: b@x.nl\n",
        "version: 1\nusers:\n  - login: a@x.nl\n    # about a\n  - login: b@x.nl\n",
    ),
    "a-run-of-blank-lines-is-one": (
        "version: 1\n" + "\n" * 5000 + "# c\n" + "  \n" * 5000 + "name: x\n" + "\n" * 9,
        "version: 1\n\n# c\n\nname: x\n",
    ),
    "after-a-flow-sequence-closes": (
        "version: 1\nproducts: [Verlofregeling, MijnLoket\n]  # after close\n",
        "version: 1\nproducts:  # after close\n  - MijnLoket\n  - Verlofregeling\n",
    ),
}


@pytest.mark.parametrize("case", sorted(COMMENT_CASES))
def test_comment_placement_golden(case: str) -> None:
    """Each comment stays where a reader would say it belongs (the second hostile pass:
    a block scalar's header comment was dropped, the others moved to another node)."""
    text, expected = COMMENT_CASES[case]
    assert format_text(text, load_text(text), CATALOG) == expected


def test_a_comment_fmt_cannot_place_is_refused_not_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The data check cannot see comments; a separate one refuses to lose any."""
    from mijnloket_gitops.files import canonical

    monkeypatch.setattr(canonical, "extract_comments", lambda text, doc: Comments())
    text = "version: 1  # kept?\n"
    with pytest.raises(canonical.FormatError, match="would change a comment"):
        format_text(text, load_text(text), CATALOG)


def test_fmt_uses_validates_worker_pool_and_keeps_the_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fmt ran on one process and held every file until the end (100k files: 81-86 s
    where validate takes 12-15 s); now it uses the same pool and yields file by file."""
    from mijnloket_gitops import fmt

    paths = []
    for index in range(7):
        path = tmp_path / f"e{index}.yaml"
        path.write_text(MESSY if index % 2 else MESSY_FORMATTED, "utf-8")
        paths.append(str(path))
    sequential = [(f.path, f.text) for f in fmt.iter_formats(paths, CATALOG)]
    monkeypatch.setattr(fmt, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(fmt, "CHUNK_FILES", 2)
    monkeypatch.setattr(fmt, "cpu_count", lambda: 2)
    started: list[int] = []
    from mijnloket_gitops.validate.runner import pool_context as real_pool

    def counting_pool() -> Any:
        started.append(1)
        return real_pool()

    monkeypatch.setattr(fmt, "pool_context", counting_pool)
    formats = fmt.iter_formats(paths, CATALOG)
    first = next(formats)  # a generator: the first file comes before the rest are asked for
    pooled = [(first.path, first.text), *((f.path, f.text) for f in formats)]
    assert started == [1]
    assert pooled == sequential
    assert [p for p, _ in pooled] == paths


def test_fmt_syncs_a_batch_of_files_at_once_and_then_renames_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fmt synced each changed file to disk on its own before renaming it over the old
    one (100k files: 5.2 times validate's time, most of it the kernel's commits). Now
    a batch's new contents are all written first, synced with one call per
    filesystem, and only then renamed: every file is still new or old, never empty."""
    from mijnloket_gitops import fmt
    from mijnloket_gitops.files import writing

    if writing._SYNCFS is None:
        pytest.skip("no syncfs here: each file is synced on its own")
    paths = []
    for index in range(5):
        path = tmp_path / f"e{index}.yaml"
        path.write_text(MESSY if index != 2 else MESSY_FORMATTED, "utf-8")
        paths.append(str(path))
    synced: list[list[str]] = []
    fsynced: list[int] = []
    real_sync = writing._sync_filesystem

    def sync_and_look(path: str) -> None:
        # when the filesystem is synced, no file has been replaced yet
        synced.append([Path(p).read_text("utf-8") for p in paths])
        real_sync(path)

    monkeypatch.setattr(writing, "_sync_filesystem", sync_and_look)
    monkeypatch.setattr(os, "fsync", fsynced.append)
    outcomes = [f.outcome for f in fmt.iter_formats(paths, CATALOG, action="write")]
    assert outcomes == ["written", "written", None, "written", "written"]
    assert synced == [[MESSY, MESSY, MESSY_FORMATTED, MESSY, MESSY]]  # once, before any rename
    assert fsynced == []
    assert all(Path(p).read_text("utf-8") == MESSY_FORMATTED for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"e{i}.yaml" for i in range(5)]


def test_a_batch_whose_sync_fails_leaves_every_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mijnloket_gitops import fmt
    from mijnloket_gitops.files import writing

    if writing._SYNCFS is None:
        pytest.skip("no syncfs here: each file is synced on its own")
    paths = []
    for index in range(3):
        path = tmp_path / f"e{index}.yaml"
        path.write_text(MESSY, "utf-8")
        paths.append(str(path))

    def failing_sync(path: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(writing, "_sync_filesystem", failing_sync)
    outcomes = [f.outcome for f in fmt.iter_formats(paths, CATALOG, action="write")]
    assert outcomes == ["cannot write: Input/output error"] * 3
    assert all(Path(p).read_text("utf-8") == MESSY for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e0.yaml", "e1.yaml", "e2.yaml"]


def test_fmt_reports_each_file_it_cannot_write_and_writes_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the worker pool too: the file that cannot be written keeps its bytes and says
    why; every other file is written."""
    from mijnloket_gitops import fmt
    from mijnloket_gitops.files import writing

    paths = []
    for index in range(6):
        path = tmp_path / f"e{index}.yaml"
        path.write_text(MESSY, "utf-8")
        paths.append(str(path))
    real = writing._stage

    def full_disk_for_e3(path: Path, text: str, *, sync: bool) -> Any:
        if path.name == "e3.yaml":
            raise OSError(28, "No space left on device")
        return real(path, text, sync=sync)

    monkeypatch.setattr(writing, "_stage", full_disk_for_e3)
    monkeypatch.setattr(fmt, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(fmt, "CHUNK_FILES", 2)
    monkeypatch.setattr(fmt, "cpu_count", lambda: 2)
    outcomes = {f.path: f.outcome for f in fmt.iter_formats(paths, CATALOG, action="write")}
    assert outcomes.pop(paths[3]) == "cannot write: No space left on device"
    assert set(outcomes.values()) == {"written"}
    texts = [Path(p).read_text("utf-8") for p in paths]
    assert texts == [MESSY_FORMATTED] * 3 + [MESSY] + [MESSY_FORMATTED] * 2


def test_a_key_longer_than_1024_characters_is_refused_as_an_explicit_key() -> None:
    """A key over YAML's 1,024-character limit for implicit keys needs ``? key``, which
    employer files do not use: refused at the ``?``, never rewritten."""
    key = "x" * 1100
    text = f"version: 1\n? {key}  # long\n: [b, a]\nz: 1\n"
    [problem] = load_text(text, spans=True).problems
    assert (problem.mark, problem.message[:15]) == ((2, 1), "an explicit key")


# --- shortcuts in the scalar writer, held to the slow way --------------------------

_YAML11_RESOLVER: Any = yaml.resolver.Resolver()


def plain_by_reading(value: str) -> bool:
    """``plain_ok`` without its shortcuts: every YAML 1.1 check, then read it back."""
    from mijnloket_gitops.files import scalars

    if not value or value != value.strip() or any(c in value for c in "\r\n\x85\u2028\u2029"):
        return False
    if any(scalars._invisible(ch) for ch in value) or value in ("y", "Y", "n", "N"):
        return False
    tag = _YAML11_RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    if tag not in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
        return False
    return scalars._reads_back_plain(value)


@settings(max_examples=1500, deadline=None)
@given(st.text(st.sampled_from("aAbyYnNtTfFoO01.-_ @&#:,'\"!*%|>?[]{}~=<+"), max_size=8))
def test_plain_shortcuts_decide_as_reading_back_does(value: str) -> None:
    from mijnloket_gitops.files import scalars

    scalars.plain_ok.cache_clear()
    assert scalars.plain_ok(value) == plain_by_reading(value), value


@settings(max_examples=1000, deadline=None)
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20))
def test_quoting_printable_ascii_is_what_the_emitter_writes(value: str) -> None:
    from mijnloket_gitops.files import scalars

    scalars.write_quoted.cache_clear()
    assert scalars.write_quoted(value) == scalars._emitted_quoted(value)


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("version: 1\nname: x\n", ("name: x", "name: y")),  # a value
        ("version: 1\nz: 1\n", ("z: 1", "z: true")),  # a type
        ("products: [b, a]\n", ("  - b\n", "")),  # a list item lost
        ("a: {p: 1, q: 2}\n", ("  q: 2\n", "  q: 2\n  w: 3\n")),  # a key added
        ("a: {p: 1, q: 2}\n", ("  p: 1\n  q: 2\n", "  q: 2\n  p: 1\n")),  # keys swapped
    ],
)
def test_an_emitter_that_changes_the_data_is_refused(
    text: str, wrong: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check reads fmt's output back and compares it with the data in the order the
    emitter wrote it; a wrong value, type, item or key must still be refused."""
    from mijnloket_gitops.files import canonical
    from mijnloket_gitops.files.emitter import Emitter

    real = Emitter.document

    def broken(self: Any, data: Any) -> str:
        written: str = real(self, data)
        assert wrong[0] in written, written
        return written.replace(*wrong, 1)

    monkeypatch.setattr(Emitter, "document", broken)
    with pytest.raises(canonical.FormatError, match="would change the file's data"):
        format_text(text, load_text(text), CATALOG)
