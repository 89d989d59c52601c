"""What ``loket check`` reports beside the reads: the OPTIONS hint (D1) and the
assumptions no answer can prove or refute here (A6, A7, A13's PATCH), with A17 (ids
are opaque) summed up from the id formats the reads saw."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.check.findings import Verdict

if TYPE_CHECKING:
    from mijnloket_gitops.loket.check.reads import ReadCheck


def check_hints(check: ReadCheck) -> None:
    _options(check)
    report = check.report
    report.add(
        "A6",
        "ak-gebruikers only through the newer listing",
        "GET /providers/{providerId}/users",
        Verdict.NOT_TESTABLE,
        "a statement about the older description; A12 and A13 test what this Loket.nl offers",
    )
    report.add(
        "A7",
        "whether MijnLoket is offered cannot be read",
        "no operation",
        Verdict.NOT_TESTABLE,
        "no operation shows it; a refused switch-on (A8) does",
    )
    report.add(
        "A13w",
        "a provider user's rights PATCH takes effect",
        "PATCH /providers/users/{userId}/authorizations",
        Verdict.NOT_TESTABLE,
        "loket check never changes an ak-gebruiker's rights; test one by hand on "
        "acceptance before setting provider_user_rights_write: on",
    )
    kinds = ("right_id_format", "module_id_format")
    formats = {k: v for k, v in report.shapes.items() if k in kinds}
    seen = ", ".join(f"{k.removesuffix('_format')}: {v}" for k, v in sorted(formats.items()))
    report.add(
        "A17",
        "ids of rights and modules are opaque, sent back unchanged",
        "every id",
        Verdict.CONFIRMED if formats else Verdict.NOT_TESTABLE,
        seen or "no right or module id seen",
    )


def _options(check: ReadCheck) -> None:
    op = "OPTIONS /providers/employers/{employerId}/modules"
    title = "OPTIONS answers with Allow (a hint for discovery only)"
    if check.found.employer_id is None:
        check.report.add("D1", title, op, Verdict.NOT_TESTABLE, "no employer")
        return
    status, allow = check.reader.options(op, paths.modules(check.found.employer_id))
    if allow is not None and 200 <= status < 300:
        check.report.add("D1", title, op, Verdict.CONFIRMED, f"Allow: {allow}")
    else:
        seen = f"answered {status} without Allow: only `loket check --write` proves a write"
        check.report.add("D1", title, op, Verdict.NOT_TESTABLE, seen)
