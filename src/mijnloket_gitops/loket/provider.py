"""The ``loket`` provider: live state from Loket.nl's REST API, changed through it where
Loket offers that, with a work order for a person where it does not.

What it does depends on the capabilities (:mod:`.capabilities`), configured or
discovered with safe requests, following ``docs/loket-api-contract.md``:

- products are read from ``/modules`` (strictly, A2; names the catalog does not know
  are passed through so the plan reports them); with ``modules_write`` (configured
  ``on`` or proven by ``loket check``) they are switched by ``PATCH`` (A8), otherwise
  they are manual (web UI, work order);
- werkgevergebruikers and their rights are read (``/users``, ``.../authorizations``)
  and changed with a merge ``PATCH``; without the rights GET (404/405/501) the rights
  are planned from the files and marked unverified;
- ak-gebruikers are read and changed where Loket offers provider users (A12, A13);
  otherwise they are invisible and their rights are checked by hand (A6);
- MijnLoket is reported as offered (A7) until Loket refuses to switch it on.

Every write is read back (:mod:`.perform`, :mod:`.writing`). Employers are read with
bounded concurrency (``concurrency`` threads), one request per job (:mod:`.fanout`),
all sharing the request budget; a batch is read from lists or per employer, whichever
costs fewer requests (:mod:`.bulk`). A plan of a few employers reads the rights of
only the ak-gebruikers their files name (:meth:`LoketProvider.prepare`).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from mijnloket_gitops.catalog import Catalog, UserType, builtin_catalog
from mijnloket_gitops.config import LoketProviderConfig, Settings, pinned_right_ids
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import discovery, paths
from mijnloket_gitops.loket.bulk import Prefetch, all_items, prefetch
from mijnloket_gitops.loket.capabilities import (
    PROFILE,
    WRITES,
    Capability,
    CapabilityState,
    Decision,
)
from mijnloket_gitops.loket.fanout import Job, Workers
from mijnloket_gitops.loket.lookup import Lookups
from mijnloket_gitops.loket.perform import Performer
from mijnloket_gitops.loket.profile import load_profile, profile_path
from mijnloket_gitops.loket.provider_users import ProviderUsers, read_provider_users
from mijnloket_gitops.loket.reading import EmployerRead
from mijnloket_gitops.loket.session import ApiSession, Hooks
from mijnloket_gitops.loket.writing import ModuleSwitch
from mijnloket_gitops.providers.base import (
    EmployerSummary,
    LiveEmployer,
    PartialReadError,
    Provider,
    Step,
)

EMPLOYERS = paths.EMPLOYERS
_WHY_USED = {
    "configured": "configured on",
    PROFILE: "proven by loket check",
    "documented": "documented; each write read back, or marked unverified",
}


class LoketProvider(Provider):
    """Loket.nl through its REST API (see the module docstring)."""

    name = "loket"

    def __init__(
        self,
        session: ApiSession,
        concurrency: int,
        caps: CapabilityState,
        catalog: Catalog | None = None,
        *,
        rights_flag: str = "auto",
        pinned: Mapping[str, A.RightId] | None = None,
    ) -> None:
        self._session = session
        self._http = session.api
        self._concurrency = concurrency
        self.capabilities = caps
        self._workers: Workers | None = None
        self._lock = threading.Lock()
        self._ids = Lookups(self._http, pinned)
        gated = frozenset(
            p.name for p in (catalog or builtin_catalog()).products.values() if p.gate
        )
        self._modules = ModuleSwitch(self._http, caps, gated, self._ids.provider_id)
        self._provider_users: ProviderUsers | None = None
        self._prefetch: Prefetch | None = None
        self._provider_users_read = False
        self._named: Collection[str] | None = None
        self._performer = Performer(
            self._http, caps, self._ids, self._modules, lambda: self._provider_users, rights_flag
        )

    @classmethod
    def open(
        cls,
        config: LoketProviderConfig,
        root: Path,
        *,
        env: Mapping[str, str] | None = None,
        hooks: Hooks | None = None,
        catalog: Catalog | None = None,
        pinned: Mapping[str, A.RightId] | None = None,
    ) -> LoketProvider:
        api_url, _ = config.urls
        caps = CapabilityState(
            config.capabilities,
            api_url=api_url,
            cache=root / config.capability_cache,
            ttl_seconds=config.capability_cache_seconds,
            profile=load_profile(profile_path(root), api_url),
        )
        session = ApiSession(config, root, env=env, hooks=hooks)
        return cls(
            session,
            config.concurrency,
            caps,
            catalog,
            rights_flag=config.rights_flag,
            pinned=pinned,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LoketProvider:
        config = settings.config.provider
        if not isinstance(config, LoketProviderConfig):  # pragma: no cover - registry guards
            raise ProviderError("the repository is not configured for the loket provider")
        pinned = pinned_right_ids(settings.config)
        return cls.open(config, settings.root, catalog=settings.catalog, pinned=pinned)

    def __enter__(self) -> LoketProvider:
        return self

    @property
    def target(self) -> str:
        return self._http.base_url

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, None
        if workers is not None:
            workers.close()
        self._session.close()

    def notes(self) -> list[str]:
        """What a person should know about how this run decided: cached capabilities,
        the writes used and why (configured, proven, documented), and writes left manual
        because nothing proved them (:meth:`why_manual`)."""
        used = [
            f"{d.capability} ({_WHY_USED.get(d.how, d.how)})"
            for c in sorted(WRITES)
            if (d := self.capabilities.decision(c)) is not None and d.available
        ]
        notes = self.capabilities.notes()
        if used:
            notes.append(f"Writes through the API: {', '.join(used)}.")
        return notes + self._partial_note() + self.why_manual()

    def _partial_note(self) -> list[str]:
        """A plan of part of the portfolio reads only the ak-gebruikers its files name
        (:mod:`.provider_users`): say so, since a right another ak-gebruiker holds at
        these employers is then not in the plan."""
        with self._lock:
            named, users = self._named, self._provider_users
        if named is None or users is None:  # the whole portfolio, or none shown at all
            return []
        return [
            f"This plan covers part of the portfolio, so it read the rights of only the "
            f"{len(set(named))} ak-gebruiker(s) its files name; a right that another "
            "ak-gebruiker holds at these employers is planned (revoked) by a plan of the "
            "whole portfolio."
        ]

    def why_manual(self) -> list[str]:
        unproven = self.capabilities.unproven()
        if not unproven:
            return []
        names = ", ".join(str(c) for c in unproven)
        return [
            f"Unproven on this Loket.nl, so their steps are manual: {names}. Run"
            " `mijnloket-gitops loket check --write --employer ID` on Loket's acceptance"
            " environment (a scratch employer) to prove them, or set them to `on` under"
            " provider.capabilities"
        ]

    # Reading

    def list_employers(self) -> list[EmployerSummary]:
        summaries = []
        with self._lock:  # a plan's prefetch already read the list: use it once
            listing = self._prefetch.listing if self._prefetch is not None else None
            self._prefetch = None
        if listing is None:
            listing = all_items(self._http, self._pool(), EMPLOYERS)
        for item in listing:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise ProviderError(f"GET {EMPLOYERS}: an employer without an id: {item!r:.200}")
            summaries.append(EmployerSummary(item["id"], str(item.get("companyName") or "")))
        return summaries

    def prepare(self, employer_ids: Iterable[str], *, named: Collection[str] | None = None) -> None:
        """Read what is shared by the employers once per plan: the provider users (only
        the ``named`` ones for part of the portfolio), and the lists that are cheaper
        than per-employer reads (:mod:`.bulk`)."""
        with self._lock:
            self._named = named
        self._read_provider_users()
        known = self._provider_users_read and self._ids.provider_id_known()
        found = prefetch(
            self._http,
            self.capabilities,
            self._pool(),
            self._ids.provider_id,
            employer_ids,
            provider_known=known,
        )
        with self._lock:
            self._prefetch = found

    def _read_provider_users(self) -> None:
        if self.capabilities.get(Capability.PROVIDER_USERS_READ) is False:
            users = None
        else:
            users = read_provider_users(
                self._http, self.capabilities, self._ids.provider_id, self._pool(), self._named
            )
        with self._lock:
            self._provider_users, self._provider_users_read = users, True

    def read_employers(self, employer_ids: Iterable[str]) -> dict[str, LiveEmployer]:
        reads = []
        for i in dict.fromkeys(employer_ids):
            given = self._prefetch.take(i) if self._prefetch is not None else {}
            if given is None:  # the employer list does not know it: not live
                continue
            reads.append(EmployerRead(i, paths.employer(i), self._http, self.capabilities, **given))
        jobs: list[Job] = [job for read in reads for job in read.first_jobs()]
        if not jobs:
            return {}
        if not self._provider_users_read:
            self._read_provider_users()
        self._pool().run(jobs)
        live: dict[str, LiveEmployer] = {}
        failures: dict[str, str] = {}
        for read in reads:
            employer = read.result()
            if read.error is not None:
                failures[read.employer_id] = read.error
            if employer is None:
                continue
            live[read.employer_id] = self._completed(employer)
            self._ids.remember_users(read.employer_id, read.user_ids)
            self._ids.remember_rights(read.right_states)
        if failures:
            raise PartialReadError(live, failures)
        return live

    def _completed(self, employer: LiveEmployer) -> LiveEmployer:
        """``employer`` with the provider users and what Loket refused to switch on."""
        changes: dict[str, Any] = {}
        if self._provider_users is not None:
            provider_users = self._provider_users.for_employer(employer.employer_id)
            changes["users"] = {**provider_users, **employer.users}
        if self._modules.portal_refused(employer.employer_id):
            changes["portal_available"] = False
        return dataclasses.replace(employer, **changes) if changes else employer

    def _pool(self) -> Workers:
        with self._lock:
            if self._workers is None:
                self._workers = Workers(self._concurrency, name="loket")
            return self._workers

    # Capabilities

    def probe(self) -> list[Decision]:
        """Decide every capability afresh with safe requests (``loket probe``)."""
        return discovery.probe(self._http, self.capabilities)

    def observes(self, user_type: UserType) -> bool:
        if user_type == A.PROVIDER_USER_TYPE:
            return self._provider_users is not None and bool(
                self.capabilities.get(Capability.PROVIDER_USER_RIGHTS_READ)
            )
        return True

    def can_perform(self, step: Step) -> bool:
        return self._performer.can_perform(step)

    # Changing

    def perform(self, step: Step) -> None:
        self._performer.perform(step)

    def verified_by(self, step: Step) -> str | None:
        return self._performer.verified.get(step.key)
