"""The sandbox provider: full read and write access to the embedded SQLite store.

Every step is performed in one transaction of its own, idempotently; a step the
sandbox refuses (e.g. MijnLoket before Loket processed the addendum, a right for a
user who does not exist) raises :class:`~mijnloket_gitops.errors.ProviderError` and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import SandboxProviderConfig, Settings
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.providers.base import (
    Action,
    EmployerSummary,
    LiveEmployer,
    Provider,
    ProviderReader,
    Step,
)
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.sandbox.writer import Writer

APPLY_ORIGIN = "apply"


def sandbox_path(settings: Settings) -> Path:
    """The sandbox database of a repository (the default path if another provider is set)."""
    config = settings.config.provider
    if not isinstance(config, SandboxProviderConfig):  # pragma: no cover - other providers
        config = SandboxProviderConfig()
    return settings.root / config.path


def _product(step: Step) -> str:
    if not step.product:
        raise ProviderError(f"step {step.key} names no product")
    return step.product


def _right(step: Step) -> tuple[str, str]:
    if not step.right or not step.login:
        raise ProviderError(f"step {step.key} needs a right and a login")
    return step.right, step.login


def _activate(tx: Writer, step: Step, catalog: Catalog) -> None:
    product = catalog.products.get(_product(step))
    tx.activate(step.employer_id, _product(step), product.gate if product else None)


def _deactivate(tx: Writer, step: Step, catalog: Catalog) -> None:
    tx.deactivate(step.employer_id, _product(step))


def _grant(tx: Writer, step: Step, catalog: Catalog) -> None:
    right, login = _right(step)
    tx.grant(step.employer_id, login, right, step.user_type)


def _revoke(tx: Writer, step: Step, catalog: Catalog) -> None:
    right, login = _right(step)
    tx.revoke(step.employer_id, login, right)


_PERFORM: dict[Action, Callable[[Writer, Step, Catalog], None]] = {
    Action.ACTIVATE: _activate,
    Action.DEACTIVATE: _deactivate,
    Action.GRANT: _grant,
    Action.REVOKE: _revoke,
}


class SandboxProvider(Provider):
    """Reads and writes the sandbox store; can perform every step."""

    name = "sandbox"

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self._store = store
        self._catalog = catalog

    @classmethod
    def open(cls, path: Path, catalog: Catalog) -> SandboxProvider:
        return cls(Store.open(path), catalog)

    @property
    def target(self) -> str:
        # resolved: `--repo .` and `--repo /abs` must name the same lock and target
        return str(self._store.path.resolve())

    def apply_lock(self) -> AbstractContextManager[None]:
        return self._store.apply_lock()

    def lock_holder(self) -> tuple[str, dict[str, object]] | None:
        return self._store.apply_lock_holder()

    def force_unlock(self, lock_id: str) -> dict[str, object] | None:
        return self._store.break_apply_lock(lock_id)

    def lineage_store(self) -> Store:
        return self._store

    def reader(self) -> ProviderReader:
        # SQLite lets any number of processes read one database at once: a large plan
        # reads and plans in its worker processes, each on its own connection.
        return SandboxReader(self._store.path, self._catalog)

    def list_employers(self) -> list[EmployerSummary]:
        return [EmployerSummary(i, name) for i, name in self._store.names()]

    def read_employers(self, employer_ids: Iterable[str]) -> dict[str, LiveEmployer]:
        return self._store.live(employer_ids)

    def can_perform(self, step: Step) -> bool:
        return True

    def perform(self, step: Step) -> None:
        perform = _PERFORM.get(step.action)
        if perform is None:  # pragma: no cover - every Action has an entry
            raise ProviderError(f"the sandbox cannot {step.action}")
        with self._store.write(APPLY_ORIGIN) as tx:
            perform(tx, step, self._catalog)

    def close(self) -> None:
        self._store.close()


@dataclass(frozen=True)
class SandboxReader(ProviderReader):
    """Opens the sandbox read-only in another process (a plan's worker)."""

    path: Path
    catalog: Catalog

    def open(self) -> SandboxProvider:
        return SandboxProvider(Store.open(self.path, readonly=True), self.catalog)
