"""Plan employers in the validation pool's worker processes, where a provider allows it.

A full plan of a large portfolio used to validate every file in the worker processes
and then read and plan every employer in this one, alone (at 50,000 employers, more
than half of the wall time with one core idle). Where the provider can be opened
read-only in another process (:meth:`Provider.reader`: the sandbox), each worker
reads the live state of the files it has just checked and plans them right away,
while their models exist; the parent only merges the answers.

An answer is an optimisation, never a decision: a worker plans only an employer that
exists live under the file's name, and answers nothing for anything else (a missing
employer, another company's name, a file with errors, a read that failed). The
parent plans whatever has no answer itself, exactly as it would without workers, so
every message and error comes from one place. Answers are computed by the same
function the parent uses (:func:`plan_one`), so a plan is the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.identity import identity_problems
from mijnloket_gitops.plan.model import EmployerPlan
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.plan.saved import canonical_json, desired_hash
from mijnloket_gitops.providers.base import (
    LiveEmployer,
    PartialReadError,
    Provider,
    ProviderReader,
)
from mijnloket_gitops.validate.runner import CheckedFile


@dataclass(frozen=True)
class Planned:
    """One employer planned: its plan and what the plan's totals and meta need."""

    plan: EmployerPlan
    desired_hash: str
    live_json: bytes
    """Its live state as the live fingerprint hashes it (in file order, by the parent)."""
    activations: int
    """Catalog products active live (the share guards' base)."""
    grants: int
    """Catalog rights held live."""
    live: LiveEmployer | None = None
    """The live state itself, where the caller keeps it (``plan --out``, ``apply``)."""


def plan_one(
    catalog: Catalog,
    provider: Provider,
    path: str,
    employer: EmployerFile,
    state: LiveEmployer,
    *,
    keep_live: bool,
) -> Planned:
    """Plan one employer whose live state has been read and whose identity matches."""
    return Planned(
        plan_employer(catalog, path, employer, state, provider.can_perform, provider.observes),
        desired_hash(employer),
        canonical_json(state.data),
        sum(1 for p in state.products if p in catalog.products),
        sum(1 for u in state.users.values() for r in u.rights if r in catalog.rights),
        state if keep_live else None,
    )


class PlanInWorkers:
    """The validation pool's extra work (:data:`~mijnloket_gitops.validate.runner.
    WorkerTask`): plan a chunk's valid files against a read-only provider.

    It is handed to each worker process once (inherited when the pool forks); the
    worker opens the provider on its first chunk and keeps it for the rest.
    """

    def __init__(self, reader: ProviderReader, catalog: Catalog, *, keep_live: bool) -> None:
        self.reader = reader
        self.catalog = catalog
        self.keep_live = keep_live
        self._provider: Provider | None = None
        self._unavailable = False

    def __getstate__(self) -> dict[str, object]:
        # a pool that spawns rather than forks sends the task: never an open provider
        return {**self.__dict__, "_provider": None, "_unavailable": False}

    def _open(self) -> Provider | None:
        if self._provider is None and not self._unavailable:
            try:
                self._provider = self.reader.open()
            except MijnloketError:  # the parent opens it too, and reports why it cannot
                self._unavailable = True
        return self._provider

    def __call__(self, files: Sequence[CheckedFile]) -> list[Planned | None]:
        """One answer per file of ``files``: its plan, or None where the parent plans."""
        todo = [
            (f.path, f.employer)
            for f in files
            if f.employer is not None and not any(d.severity == "error" for d in f.diagnostics)
        ]
        provider = self._open() if todo else None
        if provider is None:
            return [None] * len(files)
        try:
            live = provider.read_employers([e.employer_id for _, e in todo])
        except PartialReadError as partial:  # the parent reads the others and lists them
            live = partial.live
        except MijnloketError:
            live = {}
        answers: dict[str, Planned] = {}
        for path, employer in todo:
            state = live.get(employer.employer_id)
            if state is None or identity_problems([(path, employer)], live):
                continue
            answers[path] = plan_one(
                self.catalog, provider, path, employer, state, keep_live=self.keep_live
            )
        return [answers.get(f.path) for f in files]
