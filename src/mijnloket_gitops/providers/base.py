"""What the planner needs from a live system, and the values it exchanges with it.

A provider reads the live state of employers and performs single steps. It declares
which steps it can perform itself through :meth:`Provider.can_perform`; the planner
marks every other step as manual (a person does it in the Loket.nl web UI) and apply
only verifies those.

Contract for implementations:

- ``read_employers`` returns the live state of the employers asked for, keyed by
  employer id; an id that does not exist live is simply absent.
- ``perform`` is idempotent: activating an active product, granting a held right
  (and the reverse) succeeds without changing anything. It raises
  :class:`~mijnloket_gitops.errors.ProviderError` when the step failed, and must leave
  the live state either unchanged or with the step fully done.
- A failure that concerns one employer raises :class:`PartialReadError` with the
  employers that were read; the caller plans those and lists the failed ones.
- Product names are the catalog's display names; a live product the catalog does not
  know is passed through in ``LiveEmployer.products`` so that it can be reported.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Collection, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.errors import ProviderError


class Action(StrEnum):
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    GRANT = "grant"
    REVOKE = "revoke"


@dataclass(frozen=True, order=True)
class Step:
    """One change to one employer: a product on or off, or a right for one user."""

    employer_id: str
    action: Action
    product: str | None = None
    right: str | None = None
    login: str | None = None
    user_type: UserType | None = None

    @property
    def subject(self) -> str:
        """What the step is about, for people: a product, or "right for login"."""
        if self.product is not None:
            return self.product
        return f"{self.right} for {self.login}"

    @property
    def key(self) -> str:
        """A stable identity, used by journals and saved plans."""
        return "|".join(
            [self.employer_id, self.action, self.product or "", self.right or "", self.login or ""]
        )

    @property
    def data(self) -> dict[str, Any]:
        return {
            "employer_id": self.employer_id,
            "action": str(self.action),
            "product": self.product,
            "right": self.right,
            "login": self.login,
            "user_type": self.user_type,
        }


@dataclass(frozen=True)
class LiveUser:
    """A user as the live system knows it, with the rights held for one employer."""

    login: str
    type: UserType
    rights: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LiveEmployer:
    """The live state of one employer."""

    employer_id: str
    name: str
    portal_available: bool
    """Loket has processed the addendum: the portal product can be activated."""
    products: frozenset[str] = frozenset()
    users: Mapping[str, LiveUser] = field(default_factory=dict)
    """Users by login, folded to lower case."""
    rights_unread: frozenset[UserType] = frozenset()
    """User types whose users are listed but whose rights could not be read (Loket.nl
    without the GET of a werkgevergebruiker's rights): rights steps for them are
    planned from the file and marked unverified. Not part of :attr:`data`."""

    def user(self, login: str) -> LiveUser | None:
        return self.users.get(login.casefold())

    @property
    def data(self) -> dict[str, Any]:
        """A canonical, JSON-ready form (sorted), used for fingerprints and output."""
        return {
            "employer_id": self.employer_id,
            "name": self.name,
            "portal_available": self.portal_available,
            "products": sorted(self.products),
            "users": [
                {"login": u.login, "type": u.type, "rights": sorted(u.rights)}
                for _, u in sorted(self.users.items())
            ],
        }


class ManualStepError(ProviderError):
    """The provider could not perform a step after all (the live system refused it in a
    way that means "not through the API" or "not yet"): a person does it. Apply records
    the step as manual, not failed, and puts it in the work order."""


class PartialReadError(ProviderError):
    """Some employers could not be read; the others were.

    ``live`` holds the employers read (as ``read_employers`` returns them),
    ``failures`` a message per employer id that failed. A failure of one employer
    (a 403 on its modules, an answer of an unexpected shape) must not stop the rest.
    """

    def __init__(self, live: Mapping[str, LiveEmployer], failures: Mapping[str, str]) -> None:
        self.live = dict(live)
        self.failures = dict(failures)
        lines = [f"  {employer_id}: {message}" for employer_id, message in failures.items()]
        count = len(failures)
        super().__init__(
            f"{count} employer{'s' if count != 1 else ''} could not be read:\n" + "\n".join(lines)
        )


@dataclass(frozen=True)
class EmployerSummary:
    """An employer as listings show it."""

    employer_id: str
    name: str


class LineageStore(Protocol):
    """Where a live system records its own plan lineage (issue 22; the sandbox)."""

    def lineage(self) -> list[tuple[int, str, str]]:
        """(serial, plan id, time) of every apply recorded, oldest first."""

    def advance_lineage(self, plan_id: str, actor: str) -> int:
        """Record the next serial for an apply of ``plan_id``; return it."""


class ProviderReader(abc.ABC):
    """A recipe, passed to worker processes, for opening a provider read-only there.

    Only :meth:`Provider.read_employers`, :meth:`Provider.can_perform` and
    :meth:`Provider.observes` of the opened provider are used; its answers must be
    those of the provider that made the recipe.
    """

    @abc.abstractmethod
    def open(self) -> Provider:
        """A read-only provider for this process; raises ProviderError when it cannot."""


class Provider(abc.ABC):
    """A live system holding employers' products and rights."""

    name: str = "provider"
    """Short name shown in plans and journals."""

    @property
    @abc.abstractmethod
    def target(self) -> str:
        """Where this provider points (a file, a URL), for messages and lock names."""

    @abc.abstractmethod
    def list_employers(self) -> list[EmployerSummary]:
        """Every employer the live system has."""

    @abc.abstractmethod
    def read_employers(self, employer_ids: Iterable[str]) -> dict[str, LiveEmployer]:
        """Live state of the given employers; unknown ids are absent from the result.

        Raises :class:`PartialReadError` when some employers could not be read.
        """

    def prepare(  # noqa: B027 - optional hook
        self, employer_ids: Iterable[str], *, named: Collection[str] | None = None
    ) -> None:
        """A hint: these employers are about to be read (in batches). A provider that
        can read many employers in one request (bulk reads) may do so here. ``named``:
        for a plan of part of the portfolio, the logins its files name; a provider may
        then read users shared by all employers (ak-gebruikers) only for those logins.
        None: the whole portfolio, read every user."""

    @abc.abstractmethod
    def can_perform(self, step: Step) -> bool:
        """Whether :meth:`perform` can do ``step``; otherwise it is a manual step."""

    @abc.abstractmethod
    def perform(self, step: Step) -> None:
        """Do ``step`` (idempotently); raise ProviderError when it failed."""

    def verified_by(self, step: Step) -> str | None:
        """How the last :meth:`perform` of ``step`` was read back (e.g. "the PATCH
        answer"), for the journal; None when nothing read it back. Default: None."""
        return None

    def notes(self) -> list[str]:
        """What a person should know about this run's view of the live system (cached
        decisions, writes left manual), shown by ``plan`` and ``apply``. Default: none."""
        return []

    def why_manual(self) -> list[str]:
        """Why steps an API could do are manual here (e.g. a write nothing proved), for
        the work order and the plan's notes. Default: none."""
        return []

    def observes(self, user_type: UserType) -> bool:
        """Whether ``read_employers`` shows users of this type and their rights.

        Where it does not (Loket.nl cannot list provider users), the planner makes no
        steps for those users' rights and says in the plan that they cannot be checked.
        """
        return True

    def reader(self) -> ProviderReader | None:
        """How another process (a worker of the validation pool) opens its own
        read-only view of this live system, so that a large plan can read and plan
        employers there while this process does the rest; None where reading must stay
        in this process (Loket.nl: one token, one request budget). Default: None."""
        return None

    def apply_lock(self) -> AbstractContextManager[None]:
        """A lock held by the live system itself for the duration of an apply, where
        it has one (the sandbox: a row in its database); raises RefusedError when
        another apply holds it. Default: none (across hosts, CI's concurrency group
        is the lock)."""
        return contextlib.nullcontext()

    def lock_holder(self) -> tuple[str, dict[str, object]] | None:
        """Issue 22: (lock id, holder) of the live system's own apply lock, where it has
        one (:meth:`apply_lock`) and it is held; None otherwise."""
        return None

    def force_unlock(self, lock_id: str) -> dict[str, object] | None:
        """Issue 22: remove the live system's own apply lock ``lock_id`` (left by a dead
        holder); its holder, or None when no such lock is held."""
        return None

    def lineage_store(self) -> LineageStore | None:
        """Where the live system keeps the plan lineage's serial itself (the sandbox:
        its database); None where it cannot, and the journals of the completed applies
        per target keep it (Loket.nl; see :mod:`mijnloket_gitops.apply.lineage`)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and files."""

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
