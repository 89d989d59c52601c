"""The domain rules of one employer file.

Each rule is a function from a :class:`FileContext` to diagnostics, listed in
``FILE_RULES``. Rules only run on files whose shape is valid, so they may rely on the
:class:`EmployerFile` model. What a product needs is read from the catalog; no rule
names a product.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.loader import Document
from mijnloket_gitops.files.model import EmployerFile, login_key
from mijnloket_gitops.files.positions import PathKey
from mijnloket_gitops.tier import derive_tier
from mijnloket_gitops.validate.diagnostics import RULES, Diagnostic, Severity
from mijnloket_gitops.words import article


@dataclass(frozen=True)
class FileContext:
    """What a rule may look at: the file, its positions and the settings."""

    path: str
    doc: Document
    employer: EmployerFile
    catalog: Catalog
    require_tier: bool
    today: dt.date

    def emit(
        self,
        rule: str,
        where: PathKey,
        message: str,
        hint: str | None = None,
        *,
        severity: Severity | None = None,
    ) -> Diagnostic:
        mark = self.doc.mark(where)  # the value: every rule is about what is written
        return Diagnostic(
            self.path,
            mark.line,
            mark.column,
            rule,
            severity or RULES[rule].severity,
            message,
            hint,
        )

    @cached_property
    def _first_indexes(self) -> dict[str, int]:
        first: dict[str, int] = {}
        for i, name in enumerate(self.employer.products):
            first.setdefault(name, i)
        return first

    def first_index(self, product: str) -> int:
        """Where ``product`` is first listed (a lookup: rules ask once per item, and
        ``list.index`` made that quadratic in the length of the list)."""
        return self._first_indexes[product]


Check = Callable[[FileContext], Iterator[Diagnostic]]


def _code_point(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED CHARACTER')}"


def lookalikes(written: str, meant: str) -> str:
    """Where ``written`` differs from ``meant`` by characters outside ASCII, named by code
    point: a Cyrillic o (U+043E), an en dash or a NO-BREAK SPACE looks the same in the hint."""
    notes: list[str] = []
    matcher = difflib.SequenceMatcher(None, written, meant, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        got, wanted = written[i1:i2], meant[j1:j2]
        if op == "equal" or (got.isascii() and wanted.isascii()):
            continue
        theirs = ", ".join(_code_point(ch) for ch in got) or "nothing"
        ours = ", ".join(_code_point(ch) for ch in wanted) or "nothing"
        notes.append(f"character {i1 + 1} is {theirs}, not {ours}")
    return f" ({'; '.join(notes[:3])})" if notes else ""


def check_products(ctx: FileContext) -> Iterator[Diagnostic]:
    """unknown-product and duplicate-product."""
    seen: set[str] = set()
    for i, name in enumerate(ctx.employer.products):
        if name in seen:
            yield ctx.emit(
                "duplicate-product",
                ("products", i),
                f"{name!r} is listed twice (first as item {ctx.first_index(name) + 1})",
                "remove this line",
            )
        seen.add(name)
        if name not in ctx.catalog.products:
            close = ctx.catalog.closest(name)
            hint = (
                f"did you mean {close!r}?{lookalikes(name, close)}"
                if close
                else "run `mijnloket-gitops catalog` for the product names"
            )
            yield ctx.emit("unknown-product", ("products", i), f"unknown product {name!r}", hint)


def check_addendum(ctx: FileContext) -> Iterator[Diagnostic]:
    """addendum-required and addendum-evidence."""
    addendum = ctx.employer.addendum
    for i, name in enumerate(ctx.employer.products):
        product = ctx.catalog.products.get(name)
        if ctx.first_index(name) != i:
            continue
        if product and product.gate == "addendum" and addendum.status != "signed":
            yield ctx.emit(
                "addendum-required",
                ("products", i),
                f"{name} is listed but the contract addendum is {addendum.status!r}: Loket "
                f"offers {name} only after the addendum is signed",
                "plan an appointment with Loket, sign the addendum and wait for Loket's "
                "confirmation ticket; then set addendum.status: signed with signed_on and "
                f"ticket. Until then, remove {name} from products",
            )
    if addendum.evidence == "pending":
        yield _evidence_pending(ctx)
    if addendum.status != "signed":
        return
    for field in ("signed_on", "ticket"):
        if getattr(addendum, field) is None and addendum.evidence != "pending":
            yield ctx.emit(
                "addendum-evidence",
                ("addendum", "status"),
                f"the addendum is signed but addendum.{field} is missing",
                f"add addendum.{field} from Loket's confirmation ticket",
            )
    if addendum.signed_on is not None:
        try:
            signed_on = dt.date.fromisoformat(addendum.signed_on)
        except ValueError:
            yield ctx.emit(
                "addendum-evidence",
                ("addendum", "signed_on"),
                f"addendum.signed_on {addendum.signed_on!r} is not a real date",
            )
            return
        if signed_on > ctx.today:
            yield ctx.emit(
                "addendum-evidence",
                ("addendum", "signed_on"),
                f"addendum.signed_on {signed_on} is in the future",
                "use the date the addendum was actually signed",
            )


def _evidence_pending(ctx: FileContext) -> Diagnostic:
    """evidence-pending: a reviewable "not yet" for the addendum's date and ticket."""
    addendum = ctx.employer.addendum
    if addendum.status != "signed":
        return ctx.emit(
            "evidence-pending",
            ("addendum", "evidence"),
            f"evidence: pending is for a signed addendum; this one is {addendum.status!r}",
            "remove `evidence: pending`",
        )
    missing = [f for f in ("signed_on", "ticket") if getattr(addendum, f) is None]
    if not missing:
        return ctx.emit(
            "evidence-pending",
            ("addendum", "evidence"),
            "the addendum's evidence is filled in but still marked pending: apply leaves "
            "this employer alone",
            "remove `evidence: pending`",
        )
    return ctx.emit(
        "evidence-pending",
        ("addendum", "evidence"),
        f"the addendum's evidence is pending ({' and '.join(missing)} to fill in): plan "
        "shows this employer, apply leaves it alone",
        "fill in signed_on and ticket from Loket's confirmation ticket, then remove "
        "`evidence: pending`",
    )


def check_dependencies(ctx: FileContext) -> Iterator[Diagnostic]:
    """requires-mijnloket, missing-dependency and conflicting-products."""
    listed = set(ctx.employer.products)
    portal = ctx.catalog.portal
    reported: set[frozenset[str]] = set()
    for i, name in enumerate(ctx.employer.products):
        product = ctx.catalog.products.get(name)
        if product is None or ctx.first_index(name) != i:
            continue
        for needed in product.requires:
            if needed in listed:
                continue
            if needed == portal:
                yield ctx.emit(
                    "requires-mijnloket",
                    ("products", i),
                    f"{name!r} is a {portal} product but {portal} is not listed",
                    f"add {portal} (its addendum must be signed) or remove {name!r}",
                )
            else:
                yield ctx.emit(
                    "missing-dependency",
                    ("products", i),
                    f"{name!r} requires {needed!r}, which is not listed",
                    f"add {needed!r} to products",
                    severity=product.dependency_severity,
                )
        for group in product.requires_one_of:
            if not listed.intersection(group):
                options = " or ".join(repr(n) for n in group)
                yield ctx.emit(
                    "missing-dependency",
                    ("products", i),
                    f"{name!r} requires one of {options}; none is listed",
                    f"add one of {options} to products",
                    severity=product.dependency_severity,
                )
        for other in product.excludes:
            pair = frozenset((name, other))
            if other in listed and pair not in reported:
                reported.add(pair)
                j = max(i, ctx.first_index(other))
                yield ctx.emit(
                    "conflicting-products",
                    ("products", j),
                    f"{name!r} and {other!r} cannot both be active",
                    "keep one of the two",
                )


def check_tier(ctx: FileContext) -> Iterator[Diagnostic]:
    """tier-mismatch and tier-without-mijnloket."""
    written = ctx.employer.tier
    derived = derive_tier(ctx.catalog, ctx.employer.products)
    portal = ctx.catalog.portal
    if derived.tier is None:
        if written is not None:
            yield ctx.emit(
                "tier-without-mijnloket",
                ("tier",),
                f"tier is {written!r} but {portal} is not listed, so there is no tier",
                f"remove `tier:` or add {portal}",
            )
        return
    if written is None:
        if ctx.require_tier:
            yield ctx.emit(
                "tier-mismatch",
                ("products", ctx.first_index(portal)),
                f"tier is not written down; the products make it {derived.tier!r}: "
                f"{derived.because()}",
                f"add `tier: {derived.tier}` (a tier change is a price change and must show"
                " in review)",
            )
        return
    if written != derived.tier:
        yield ctx.emit(
            "tier-mismatch",
            ("tier",),
            f"tier is {written!r} but the products make it {derived.tier!r}: {derived.because()}",
            f"set `tier: {derived.tier}`; the tier is what the employer pays for",
        )


def check_users(ctx: FileContext) -> Iterator[Diagnostic]:
    """duplicate-user, unknown-right, right-user-type, duplicate-right, right-without-mijnloket."""
    listed = set(ctx.employer.products)
    logins: dict[str, int] = {}
    for u, user in enumerate(ctx.employer.users):
        folded = login_key(user.login)
        if folded in logins:
            yield ctx.emit(
                "duplicate-user",
                ("users", u, "login"),
                f"user {user.login!r} is listed twice (first as user {logins[folded] + 1})",
                "merge the two entries",
            )
        logins.setdefault(folded, u)
        seen: set[str] = set()
        for r, name in enumerate(user.rights):
            where: PathKey = ("users", u, "rights", r)
            if name in seen:
                yield ctx.emit("duplicate-right", where, f"right {name!r} is listed twice")
            seen.add(name)
            right = ctx.catalog.rights.get(name)
            if right is None:
                close = ctx.catalog.closest_right(name)
                yield ctx.emit(
                    "unknown-right",
                    where,
                    f"unknown right {name!r}",
                    f"did you mean {close!r}?{lookalikes(name, close)}" if close else None,
                )
                continue
            if user.type not in right.user_types:
                yield ctx.emit(
                    "right-user-type",
                    where,
                    f"{article(user.type)} cannot hold {name!r}",
                    "it can be given to: " + ", ".join(right.user_types),
                )
            missing = [p for p in right.requires if p not in listed]
            if missing:
                yield ctx.emit(
                    "right-without-mijnloket",
                    where,
                    f"{name!r} has no effect while {', '.join(missing)} is off",
                    "remove the right or turn on " + ", ".join(missing),
                )


FILE_RULES: tuple[Check, ...] = (
    check_products,
    check_addendum,
    check_dependencies,
    check_tier,
    check_users,
)

RULE_READS: dict[Check, frozenset[str]] = {
    check_products: frozenset({"products"}),
    check_addendum: frozenset({"addendum", "products"}),
    check_dependencies: frozenset({"products"}),
    check_tier: frozenset({"tier", "products"}),
    check_users: frozenset({"users", "products"}),
}
"""The top-level fields each rule reads: after a schema error elsewhere in a file, a
rule still runs when it reads none of the damaged fields."""
