"""Properties of validate, the tier and plans, over generated files and live states.

- ``validate`` never raises, and every diagnostic it gives has a rule from ``RULES``
  and a real position: ``1 <= line <= breaks + 1`` (``breaks``: the line breaks in
  the file as YAML counts them, ``\\n``, ``\\r\\n`` and ``\\r``; the ``+ 1`` is the
  line after a final newline, where "unexpected end of file" points) and
  ``1 <= column <= length of that line + 1`` (in characters);
- generated valid files, in any layout (key order, quoting, flow or block lists,
  comments, CRLF, a BOM), give no diagnostics;
- the tier does not depend on product order, and adding a product never lowers it;
- every plan for a generated desired/live pair keeps the ordering rules and, applied
  to a real sandbox, converges in one apply.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mijnloket_gitops.apply.executor import Outcome, execute
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.catalog.model import TIER_RANK
from mijnloket_gitops.files.model import EmployerFile, login_key
from mijnloket_gitops.files.scalars import plain_ok, write_quoted
from mijnloket_gitops.plan.model import Plan
from mijnloket_gitops.plan.ordering import order_violations
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.providers.base import Action, LiveEmployer, Provider
from mijnloket_gitops.providers.sandbox import SandboxProvider
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.tier import derive_tier, tier_rank
from mijnloket_gitops.validate.diagnostics import RULES, Diagnostic
from mijnloket_gitops.validate.runner import check_file, validate_paths

CATALOG = builtin_catalog()
PORTAL = CATALOG.portal
TODAY = dt.date(2026, 6, 1)
PRODUCTS = list(CATALOG.products)
RIGHTS = list(CATALOG.rights)
QWOATER = ("Dossiervorming Qwoater Lite", "Dossiervorming Qwoater Extended")
UNKNOWN = ["Loonstrook Plus", "mijnloket", "MijnLoket ", "MijnLoket - Onbekend", ""]
USER_TYPES = ("ak-gebruiker", "werkgevergebruiker")
BREAK = re.compile(r"\r\n|\r|\n")  # libyaml's line breaks (the loader refuses NEL, LS, PS)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters libyaml accepts as printable, without line breaks and the BOM.
PRINTABLE = st.characters(
    codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp", "Cn"], exclude_characters="\ufeff"
)
# names, logins and tickets need a visible character (white space alone is refused)
WORDS = st.text(PRINTABLE, min_size=1, max_size=20).filter(lambda s: not s.isspace())
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


# -- checking what validate says ----------------------------------------------------------


def lines_of(raw: bytes) -> list[str]:
    """The file's lines as YAML counts them; one more than its line breaks."""
    return BREAK.split(raw.decode("utf-8-sig", errors="replace"))


def assert_well_formed(diagnostics: Iterable[Diagnostic], files: dict[str, bytes]) -> None:
    for d in diagnostics:
        assert d.rule in RULES, d
        assert d.severity == RULES[d.rule].severity, d
        # one line of printable text: file content is quoted, never passed through
        assert d.message and d.message.isprintable(), d
        assert d.hint is None or d.hint.isprintable(), d
        if d.path not in files:  # a folder (no-files)
            assert (d.line, d.column) == (1, 1), d
            continue
        lines = lines_of(files[d.path])
        assert 1 <= d.line <= len(lines), (d, len(lines))
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1, (d, lines[d.line - 1])


def check_bytes(raw: bytes) -> list[Diagnostic]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "employer.yaml")
        path.write_bytes(raw)
        diagnostics = check_file(path, CATALOG, True, TODAY).diagnostics
        assert_well_formed(diagnostics, {str(path): raw})
    return diagnostics


# -- generating valid employer files --------------------------------------------------------


def close(chosen: set[str], pick: int) -> set[str]:
    """``chosen`` with everything it requires; ``pick`` chooses in one-of groups."""
    return CATALOG.with_prerequisites(chosen, pick)


@st.composite
def valid_data(draw: st.DrawFn) -> dict[str, Any]:
    """A valid employer file as data: products closed under the catalog's rules."""
    seeds = draw(st.sets(st.sampled_from([p for p in PRODUCTS if p not in QWOATER])))
    pick = draw(st.integers(0, 1))
    products = close(seeds, pick)
    if draw(st.booleans()) and not products.intersection(QWOATER):
        products.add(QWOATER[pick])
    portal = PORTAL in products
    status = "signed" if portal else draw(st.sampled_from(["signed", "requested", "none"]))
    addendum: dict[str, Any] = {"status": status}
    if status == "signed":
        signed = draw(st.dates(dt.date(2000, 1, 1), TODAY))
        addendum |= {"signed_on": signed.isoformat(), "ticket": draw(WORDS)}
    data: dict[str, Any] = {
        "version": 1,
        "employer_id": str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)), version=4)),
        "name": draw(WORDS | st.sampled_from(["yes", "null", "48211", "2026-03-14", "a: b"])),
        "addendum": addendum,
        "products": draw(st.permutations(sorted(products))),
    }
    if portal:
        data["tier"] = derive_tier(CATALOG, products).tier
    logins = draw(st.lists(WORDS, max_size=4, unique_by=login_key))
    users: list[dict[str, Any]] = []
    for login in logins:
        kind = draw(st.sampled_from(USER_TYPES))
        allowed = [
            name
            for name, right in CATALOG.rights.items()
            if kind in right.user_types and set(right.requires) <= products
        ]
        rights = draw(st.lists(st.sampled_from(allowed), unique=True)) if allowed else []
        users.append({"login": login, "type": kind, "rights": rights})
    empty_list = draw(st.booleans())  # "users: []" or no users key at all
    if users or empty_list:
        data["users"] = users
    return data


class Writer:
    """Writes data as YAML in a layout drawn at random, all of it meaning the same."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.lines: list[str] = []

    def scalar(self, value: Any, *, flow: bool = False) -> str:
        if value is None:
            return "null"
        if isinstance(value, int):
            return str(value)
        assert isinstance(value, str)
        styles = ["double"] + (["plain"] if plain_ok(value) and not flow else [])
        if value.isprintable():
            styles.append("single")
        style = self.draw(st.sampled_from(styles))
        return (
            value
            if style == "plain"
            else "'" + value.replace("'", "''") + "'"
            if style == "single"
            else write_quoted(value)
        )

    def comment(self) -> str:
        return "#" + self.draw(st.text(PRINTABLE, max_size=15))

    def line(self, indent: int, text: str) -> None:
        if self.draw(st.integers(0, 5)) == 0:  # a comment of its own, anywhere
            self.lines.append(" " * self.draw(st.integers(0, 6)) + self.comment())
        if self.draw(st.integers(0, 7)) == 0:
            self.lines.append("")
        if self.draw(st.integers(0, 4)) == 0:
            text += " " * self.draw(st.integers(1, 3)) + self.comment()
        self.lines.append(" " * indent + text)

    def mapping(self, data: dict[str, Any], indent: int, first: str = "") -> None:
        """``data`` as a block mapping at ``indent``; ``first`` ("- ") leads a list item."""
        column = indent + len(first)
        for i, key in enumerate(self.draw(st.permutations(list(data)))):
            head = f"{first if i == 0 else ' ' * len(first)}{key}:"
            value = data[key]
            if isinstance(value, dict):
                self.line(indent, head)
                self.mapping(value, column + 2)
            elif isinstance(value, list):
                self.sequence(value, indent, head, column)
            else:
                self.line(indent, f"{head} {self.scalar(value)}")

    def sequence(self, items: list[Any], indent: int, head: str, column: int) -> None:
        """``items`` as the value of ``head`` (a key at ``column``): flow or block."""
        if not items or (all(not isinstance(i, dict) for i in items) and self.draw(st.booleans())):
            inner = ", ".join(self.scalar(i, flow=True) for i in items)
            self.line(indent, f"{head} [{inner}]")
            return
        self.line(indent, head)
        column += self.draw(st.sampled_from([0, 2]))  # "- " under the key, or indented
        for item in items:
            if isinstance(item, dict):
                self.mapping(item, column, "- ")
            else:
                self.line(column, f"- {self.scalar(item)}")


@st.composite
def valid_files(draw: st.DrawFn) -> tuple[dict[str, Any], bytes]:
    data = draw(valid_data())
    writer = Writer(draw)
    if draw(st.booleans()):
        writer.line(0, "# yaml-language-server: $schema=../schemas/employer.schema.json")
    writer.mapping(data, 0)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(writer.lines) + draw(st.sampled_from([newline, ""]))
    bom = "\ufeff" if draw(st.integers(0, 9)) == 0 else ""
    return data, (bom + text).encode()


@PROPERTY
@given(valid_files())
def test_valid_files_give_no_diagnostics(generated: tuple[dict[str, Any], bytes]) -> None:
    data, raw = generated
    assert check_bytes(raw) == [], raw.decode("utf-8-sig")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "employer.yaml")
        path.write_bytes(raw)
        assert check_file(path, CATALOG, True, TODAY).data == data


# -- broken files ----------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | ANY_TEXT
    | st.sampled_from([*PRODUCTS, *UNKNOWN, *RIGHTS, "signed", "pro", "1", "0x1F", "~"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def broken_data(draw: st.DrawFn) -> dict[str, Any]:
    """Valid data with some values swapped for anything: wrong types, unknown and
    duplicate products, unknown keys, huge strings."""
    data = draw(valid_data())
    product_names = st.sampled_from(PRODUCTS + UNKNOWN) | ANY_TEXT
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.integers(0, 6))
        if what == 0:
            data[draw(st.sampled_from([*data, "tier", "users", "extra"]))] = draw(VALUES)
        elif what == 1:
            data["products"] = draw(st.lists(product_names | VALUES, max_size=12))
        elif what == 2:
            listed = data.get("products")
            listed = listed if isinstance(listed, list) else []
            data["products"] = [*listed, *draw(st.lists(product_names, max_size=5))]
        elif what == 3 and isinstance(data.get("addendum"), dict):
            data["addendum"][draw(st.sampled_from(["status", "signed_on", "ticket", "x"]))] = draw(
                VALUES | st.sampled_from(["2999-01-01", "2026-02-30", "signed"])
            )
        elif what == 4:
            data["name"] = draw(st.sampled_from(["x", "é", "\U0001f600", "\\"])) * draw(
                st.integers(10_000, 300_000)
            )
        elif what == 5:
            login = draw(st.sampled_from(["a@x.nl", "A@X.NL"]) | ANY_TEXT)
            user: dict[str, Any] = {
                "login": login,
                "type": draw(st.sampled_from([*USER_TYPES, "admin"])),
                "rights": draw(st.lists(st.sampled_from([*RIGHTS, "Onbekend"]), max_size=3)),
            }
            data["users"] = [*users_list(data), user, dict(user)]
        else:
            data.pop(draw(st.sampled_from(sorted(data))))
    return data


def users_list(data: dict[str, Any]) -> list[Any]:
    """``data``'s users to add to: an earlier draw may have set ``users`` to any value
    (a number made ``[*users, ...]`` a TypeError in the generator, not in validate)."""
    users = data.get("users")
    return users if isinstance(users, list) else []


def test_the_generator_adds_users_to_whatever_users_was() -> None:
    for users in (5, 1.5, True, "text", None, {"a": 1}):
        assert users_list({"users": users}) == []
    assert users_list({"users": [1]}) == [1]


def flow_yaml(value: Any) -> str:
    """``value`` as flow YAML, every string double-quoted (JSON with YAML escapes)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow_yaml(k)}: {flow_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_yaml(v) for v in value) + "]"
    if isinstance(value, str):
        return write_quoted(value)
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return repr(value)


@PROPERTY
@given(broken_data(), st.booleans())
def test_broken_files_get_positioned_diagnostics(data: dict[str, Any], flow: bool) -> None:
    text = flow_yaml(data) + "\n" if flow else None
    if text is None:
        lines = [f"{flow_yaml(k)}: {flow_yaml(v)}" for k, v in data.items()]
        text = "\n".join(lines) + "\n"
    check_bytes(text.encode())


@PROPERTY
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_bytes_never_crash_validate(raw: bytes) -> None:
    check_bytes(raw)


JUNK = [
    *(b":", b"- ", b"[", b"]", b"{", b"}", b"&a ", b"*a", b"!!", b"'", b'"', b"\t", b"\r"),
    *(b"\n  ", b"\xc3", b"\xff", b"\x00", b"#", b"? ", b"---\n", b"\xe2\x80\xa8", b"\x85"),
]


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    """A valid file with a few bytes inserted, deleted or replaced: syntax errors near
    real structure, torn UTF-8, stray indentation, broken anchors."""
    _, raw = draw(valid_files())
    data = bytearray(raw)
    junk = st.sampled_from(JUNK) | st.binary(min_size=1, max_size=3)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.integers(0, 2))
        if how == 0:
            data[at:at] = draw(junk)
        elif how == 1:
            del data[at : at + draw(st.integers(1, 8))]
        else:
            data[at : at + 1] = draw(junk)
    return bytes(data)


@PROPERTY
@given(mutated_files())
def test_mutated_valid_files_never_crash_validate(raw: bytes) -> None:
    check_bytes(raw)


@settings(max_examples=40, deadline=None)
@given(st.lists(valid_files() | mutated_files().map(lambda r: ({}, r)), max_size=4))
def test_validate_paths_on_a_folder(generated: list[tuple[dict[str, Any], bytes]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files: dict[str, bytes] = {}
        for i, (_, raw) in enumerate(generated):
            path = Path(folder, f"sub{i % 2}", f"w{i}.yaml")
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(raw)
            files[str(path)] = raw
        result = validate_paths([Path(folder)], CATALOG, today=TODAY)
        assert_well_formed(result.diagnostics, files)
        assert {f.path for f in result.files} == set(files)
        if not files:
            assert [d.rule for d in result.diagnostics] == ["no-files"]


# -- the tier ------------------------------------------------------------------------------

PRODUCT_LISTS = st.lists(st.sampled_from(PRODUCTS + UNKNOWN), max_size=12)


@PROPERTY
@given(PRODUCT_LISTS, st.randoms(use_true_random=False))
def test_tier_does_not_depend_on_product_order(products: list[str], rng: Any) -> None:
    shuffled = list(products)
    rng.shuffle(shuffled)
    assert derive_tier(CATALOG, shuffled) == derive_tier(CATALOG, products)


@PROPERTY
@given(PRODUCT_LISTS, st.sampled_from(PRODUCTS + UNKNOWN))
def test_adding_a_product_never_lowers_the_tier(products: list[str], extra: str) -> None:
    before = derive_tier(CATALOG, products).tier
    after = derive_tier(CATALOG, [*products, extra]).tier
    assert tier_rank(after) >= tier_rank(before)
    assert TIER_RANK[after or "none"] >= TIER_RANK[before or "none"]


@PROPERTY
@given(valid_data(), st.lists(st.sampled_from(PRODUCTS + UNKNOWN), max_size=4), st.randoms())
def test_what_validate_reports_does_not_depend_on_product_order(
    data: dict[str, Any], extra: list[str], rng: Any
) -> None:
    data["products"] = [*data["products"], *extra]
    data.pop("tier", None)
    data["tier"] = rng.choice(["start", "plus", "pro", None])
    shuffled = dict(data, products=rng.sample(data["products"], len(data["products"])))
    first = Counter(d.rule for d in check_bytes((flow_yaml(data) + "\n").encode()))
    second = Counter(d.rule for d in check_bytes((flow_yaml(shuffled) + "\n").encode()))
    assert first == second


# -- plans, applied to the sandbox ----------------------------------------------------------

# Logins with a fixed type, as in Loket (a login keeps the type it was created with).
POOL = (
    ("a.de.vries@kantoor.example", "ak-gebruiker"),
    ("B.Jansen@kantoor.example", "ak-gebruiker"),
    ("hr@werkgever.example", "werkgevergebruiker"),
    ("Loon@Werkgever.example", "werkgevergebruiker"),
)
EID = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"


@st.composite
def desired_and_live(draw: st.DrawFn) -> tuple[EmployerFile, dict[str, Any]]:
    data = draw(valid_data())
    data["employer_id"] = EID
    portal = PORTAL in data["products"]
    users = []
    for login, kind in draw(st.lists(st.sampled_from(POOL), unique=True)):
        spelled = draw(st.sampled_from([login, login.lower(), login.upper()]))
        rights = draw(st.lists(st.sampled_from(RIGHTS), unique=True)) if portal else []
        users.append({"login": spelled, "type": kind, "rights": rights})
    data["users"] = users
    desired = EmployerFile.model_validate(data)
    # Loket offers MijnLoket once the addendum is processed: always when the file
    # wants it (else its steps are blocked, which test_planner covers), else either.
    available = portal or draw(st.booleans())
    offered = [p for p in PRODUCTS if available or not CATALOG.products[p].gate]
    offered = [p for p in offered if available or PORTAL not in CATALOG.products[p].requires]
    live = {
        "available": available,
        "products": draw(st.sets(st.sampled_from([*offered, "Loonstrook Plus"]))),
        "users": [
            (login, kind, draw(st.sets(st.sampled_from([*RIGHTS, "Onbekend recht"]))))
            for login, kind in draw(st.lists(st.sampled_from(POOL), unique=True))
        ],
    }
    return desired, live


def seed_store(path: Path, live: dict[str, Any]) -> None:
    with Store.create(path) as store, store.write("seed", record=False) as tx:
        tx.set_provider(str(uuid.uuid4()), "Salarisbureau")
        tx.add_employer(EID, "Bakkerij", portal_available=live["available"])
        for product in sorted(live["products"]):
            gate = CATALOG.products[product].gate if product in CATALOG.products else None
            tx.activate(EID, product, gate)
        for login, kind, rights in live["users"]:
            tx.add_user(EID, login, kind)
            for right in sorted(rights):
                tx.grant(EID, login, right, kind)


def read(provider: Provider) -> LiveEmployer:
    return provider.read_employers([EID])[EID]


@PROPERTY
@given(desired_and_live())
def test_every_plan_keeps_the_order_and_converges_in_one_apply(
    generated: tuple[EmployerFile, dict[str, Any]],
) -> None:
    desired, live = generated
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp:
        folder = Path(tmp)
        seed_store(folder / "sandbox.sqlite", live)
        with SandboxProvider.open(folder / "sandbox.sqlite", CATALOG) as provider:
            before = read(provider)
            first = plan_employer(CATALOG, "f.yaml", desired, before, provider.can_perform)
            assert order_violations(CATALOG, [s.step for s in first.steps]) == []
            with Journal(folder / "journal", commit=None, forced=False) as journal:
                results = execute(Plan((first,)), provider, journal)
            outcomes = {r.planned.key: r.outcome for r in results}
            assert Outcome.FAILED not in outcomes.values(), results
            after = read(provider)
            again = plan_employer(CATALOG, "f.yaml", desired, after, provider.can_perform)
    # What is left is exactly what was blocked: grants to users Loket does not have
    # (a person creates them), and nothing else.
    missing = {u.login for u in desired.users if before.user(u.login) is None}
    blocked = {s.key for s in first.steps if s.blocked}
    assert all(s.blocked and "does not exist" in s.blocked for s in again.steps), again.steps
    assert {s.key for s in again.steps} == blocked
    assert all(
        s.step.action == Action.GRANT and s.step.login in missing for s in first.steps if s.blocked
    )
    known_before = {p for p in before.products if p in CATALOG.products}
    assert after.products == frozenset(desired.products) | (before.products - known_before)
    for user in desired.users:
        held = after.user(user.login)
        if held is not None:
            assert {r for r in held.rights if r in CATALOG.rights} == set(user.rights)
    assert again.tier_before == again.tier_after == derive_tier(CATALOG, desired.products).tier


def test_a_grant_to_a_user_of_another_type_is_blocked_in_the_plan(tmp_path: Path) -> None:
    live = {"available": True, "products": {PORTAL}, "users": [(POOL[2][0], POOL[2][1], set())]}
    seed_store(tmp_path / "sandbox.sqlite", live)
    desired = EmployerFile.model_validate(
        {
            "version": 1,
            "employer_id": EID,
            "name": "Bakkerij",
            "addendum": {"status": "signed", "signed_on": "2026-01-01", "ticket": "LKT-1"},
            "tier": "start",
            "products": [PORTAL],
            "users": [{"login": POOL[2][0], "type": "ak-gebruiker", "rights": RIGHTS}],
        }
    )
    with SandboxProvider.open(tmp_path / "sandbox.sqlite", CATALOG) as provider:
        plan = plan_employer(CATALOG, "f.yaml", desired, read(provider), provider.can_perform)
    [grant] = plan.steps
    assert grant.blocked and "werkgevergebruiker" in grant.blocked
