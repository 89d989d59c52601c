"""One ``loket check``: the reads (:mod:`.reads`), and with ``--write`` the round trips
on the scratch employer (:mod:`.rights`, :mod:`.modules`), journaled like apply and
always restored; the result is a :class:`~.findings.CheckReport` and a scrubbed
:class:`~.shapes.Capture`. The CLI (``cli/loket_cmd.py``) renders them and writes the
profile (:mod:`..profile`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from mijnloket_gitops import __version__
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.errors import ExitCode, ProviderError, RefusedError
from mijnloket_gitops.loket.check.findings import CheckReport, Verdict
from mijnloket_gitops.loket.check.guard import (
    Interrupted,
    StopFlag,
    deferred_interrupt,
    production_host,
)
from mijnloket_gitops.loket.check.modules import ModuleTrip
from mijnloket_gitops.loket.check.reader import Reader
from mijnloket_gitops.loket.check.reads import Found, ReadCheck
from mijnloket_gitops.loket.check.rights import READS, RightsTrip
from mijnloket_gitops.loket.check.shapes import Capture
from mijnloket_gitops.loket.check.trips import TripContext
from mijnloket_gitops.loket.http import LoketHttp, is_loopback
from mijnloket_gitops.loket.profile import Profile, utc_now

WRITE_HINT = "needs `mijnloket-gitops loket check --write --employer ID` on acceptance"


@dataclass(frozen=True)
class CheckOptions:
    """What the operator asked for."""

    write: bool = False
    employer_id: str | None = None
    user: str | None = None
    """Login of the werkgevergebruiker whose right is granted and revoked."""
    right: str | None = None
    module: str | None = None
    production_ok: bool = False


def environment_of(api_url: str) -> str:
    import httpx

    host = httpx.URL(api_url).host.lower()
    if production_host(api_url):
        return "production"
    if host == "loket-acc.nl" or host.endswith(".loket-acc.nl"):
        return "acceptance"
    return "loopback" if is_loopback(host) else "other"


def refuse_production(api_url: str, options: CheckOptions) -> None:
    """RefusedError (exit 3) for ``--write`` against production without the flag."""
    if options.write and production_host(api_url) and not options.production_ok:
        raise RefusedError(
            f"refusing `loket check --write` against production ({api_url}): the round trips "
            "change a real employer. Run it on Loket's acceptance environment "
            "(provider.environment: acceptance); to run it here anyway, pass "
            "--i-know-this-is-production"
        )


def run_check(
    http: LoketHttp,
    options: CheckOptions,
    *,
    journal_dir: Path,
    gated: frozenset[str] = frozenset(),
    stop: StopFlag | None = None,
) -> tuple[CheckReport, Capture]:
    """The reads, then (``options.write``) the round trips; see the module docstring."""
    refuse_production(http.base_url, options)
    report = CheckReport(http.base_url)
    capture = Capture(environment_of(http.base_url), __version__)
    reader = Reader(http, capture)
    found = ReadCheck(reader, report, options.employer_id).run()
    if found.provider_id is None:
        return report, capture
    if not options.write:
        report.add(
            "A8",
            "a module PATCH {modules: [{id, isEnabled}]} switches it",
            "PATCH /providers/employers/{employerId}/modules",
            Verdict.NOT_TESTABLE,
            WRITE_HINT,
        )
        report.add(
            "A15",
            "a rights PATCH flag takes effect",
            "PATCH /providers/employers/{employerId}/users/{userId}/authorizations",
            Verdict.NOT_TESTABLE,
            WRITE_HINT,
        )
        return report, capture
    if not any(f.assumption == "E2" and f.verdict == Verdict.CONFIRMED for f in report.findings):
        raise ProviderError(
            f"the scratch employer {options.employer_id} cannot be read at {http.base_url}; "
            "name an employer of this Loket.nl with --employer (nothing was written)"
        )
    stop = stop or StopFlag()
    with Journal(journal_dir, commit=None, forced=False) as journal:
        journal.target = http.base_url
        journal.record(
            "attempt",
            command="loket check --write",
            tool_version=__version__,
            employer_id=options.employer_id,
            production_ok=options.production_ok,
        )
        ctx = TripContext(reader, journal, stop, report, str(options.employer_id))
        with deferred_interrupt(stop):
            _round_trips(ctx, found, options, gated)
        report.interrupted = report.interrupted or stop.requested
        code = (
            ExitCode.INTERRUPTED
            if report.interrupted
            else (ExitCode.OK if report.ok else ExitCode.ERROR)
        )
        result = "interrupted" if report.interrupted else "ok" if report.ok else "error"
        journal.record("finished", result=result, exit_code=int(code), problems=report.problems)
    return report, capture


def _round_trips(
    ctx: TripContext, found: Found, options: CheckOptions, gated: frozenset[str]
) -> None:
    trips: list[RightsTrip | ModuleTrip] = []
    rights = _rights_trip(ctx, found, options)
    if rights is not None:
        trips.append(rights)
    module = _module_trip(ctx, found, options, gated)
    if module is not None:
        trips.append(module)
    report = ctx.report
    for trip in trips:
        if ctx.stop.requested:
            report.interrupted = True
            break
        try:
            trip.run()
        except Interrupted:
            report.interrupted = True
        except ProviderError as error:
            report.problems.append(f"{type(trip).__name__}: {error}")
        finally:
            _restore(trip, report)


def _restore(trip: RightsTrip | ModuleTrip, report: CheckReport) -> None:
    what = f"{trip.right} for {trip.login}" if isinstance(trip, RightsTrip) else trip.module
    try:
        restored = trip.restore()
    except ProviderError as error:
        report.problems.append(f"restoring {what} failed: {error}")
        restored = False
    if restored:
        report.round_trips = [
            t
            if t.restored
            else replace(t, restored=True, detail=f"{t.detail}; restored afterwards")
            for t in report.round_trips
        ]
    else:
        report.problems.append(
            f"NOT RESTORED: {what} on employer {trip.ctx.employer_id} may differ from its "
            f"starting state ({trip.start}); check it in the web UI and the journal "
            f"{trip.ctx.journal.path}"
        )


def _rights_trip(ctx: TripContext, found: Found, options: CheckOptions) -> RightsTrip | None:
    op = "PATCH /providers/employers/{employerId}/users/{userId}/authorizations"
    title = "a rights PATCH flag takes effect"

    def untestable(why: str) -> None:
        ctx.report.add("A15", title, op, Verdict.NOT_TESTABLE, why)

    users = found.users
    if options.user is not None:
        users = [u for u in users if u[1].casefold() == options.user.casefold()]
    if not users:
        who = f"no werkgevergebruiker {options.user!r}" if options.user else "no werkgevergebruiker"
        untestable(f"{who} on the scratch employer")
        return None
    if not found.right_ids:
        untestable("no right's id is known (A5: neither nested nor in the sets' details)")
        return None
    single = {d: next(iter(ids)) for d, ids in sorted(found.right_ids.items()) if len(ids) == 1}
    if options.right is not None:
        if options.right not in single:
            untestable(f"the right {options.right!r} has no single known id")
            return None
        single = {options.right: single[options.right]}
    if not single:
        untestable("no right has a single known id")
        return None
    user_id, login = users[0]
    via = READS[0] if found.rights_read else READS[1] if found.user_set_read else READS[2]
    return RightsTrip(ctx, user_id, login, single, via)


def _module_trip(
    ctx: TripContext, found: Found, options: CheckOptions, gated: frozenset[str]
) -> ModuleTrip | None:
    op = "PATCH /providers/employers/{employerId}/modules"
    title = "a module PATCH {modules: [{id, isEnabled}]} switches it"
    if not found.module_ids or found.modules is None:
        why = "no module ids (A9) or the employer's modules (A2) cannot be read"
        ctx.report.add("A8", title, op, Verdict.NOT_TESTABLE, why)
        return None
    if options.module is not None:
        chosen = options.module if options.module in found.module_ids else None
    else:
        free = sorted(m for m in found.module_ids if m not in gated)
        chosen = next((m for m in free if m not in found.modules), free[0] if free else None)
    if chosen is None:
        why = f"no module {options.module!r} among the provider's modules (A9)"
        ctx.report.add("A8", title, op, Verdict.NOT_TESTABLE, why)
        return None
    return ModuleTrip(ctx, chosen, found.module_ids[chosen])


def profile_of(report: CheckReport, previous: Profile | None, *, wrote: bool) -> Profile:
    """The profile this check proved. A read-only check keeps what an earlier
    ``--write`` proved (write capabilities and the rights flag) for the same API."""
    from mijnloket_gitops.loket.capabilities import WRITES
    from mijnloket_gitops.loket.profile import RIGHTS_FLAG

    capabilities = dict(report.capabilities)
    shapes = dict(report.shapes)
    if previous is not None and not wrote:
        for name, value in previous.capabilities.items():
            if name in {str(c) for c in WRITES}:
                capabilities.setdefault(name, value)
        if RIGHTS_FLAG in previous.shapes:
            shapes.setdefault(RIGHTS_FLAG, previous.shapes[RIGHTS_FLAG])
    return Profile(report.api_url, utc_now(), __version__, capabilities, shapes)
