"""Plan the files in scope batch by batch: read live state, check identities, plan.

The files the validation workers planned already (:mod:`plan.workers`) are taken as
they are; every other file is read from the provider and planned here, in batches of
``READ_BATCH`` so that a progress bar can move and a partial read fails only its own
employers. What is collected per employer is what the plan and its meta need, so live
state is kept only where a saved plan or apply needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.plan.blocked import BlockedFile, blocked_file
from mijnloket_gitops.plan.desired import Desired, paths_of
from mijnloket_gitops.plan.model import EmployerPlan, ReadFailure
from mijnloket_gitops.plan.ownership import Base
from mijnloket_gitops.plan.workers import Planned, plan_one
from mijnloket_gitops.providers.base import LiveEmployer, PartialReadError, Provider

Progress = Callable[[int], None]
"""Called with the number of employers whose live state was just read."""

READ_BATCH = 50


@dataclass
class Batches:
    """What planning collects batch by batch, so live state need not be kept."""

    employers: list[EmployerPlan] = field(default_factory=list)
    blocked: list[BlockedFile] = field(default_factory=list)
    """Files whose employer_id is not live or names another company: not planned."""
    activations: int = 0
    grants: int = 0
    live: dict[str, LiveEmployer] = field(default_factory=dict)
    failed: list[ReadFailure] = field(default_factory=list)
    """Employers that could not be read: not planned, listed (exit code 1)."""
    hashes: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Each planned file's employer id and desired hash, by path."""


def plan_batches(
    catalog: Catalog,
    provider: Provider,
    desired: Sequence[Desired],
    base: Base | None,
    progress: Progress | None,
    keep_live: bool,
    digest: Any,
    ready: Mapping[str, Planned],
    named: Collection[str] | None = None,
) -> Batches:
    """Read and plan ``desired`` in batches of READ_BATCH, using what the workers
    planned already (``ready``, by path) as it is; feeds ``digest`` the live state of
    each planned employer in file order (the live fingerprint)."""
    found = Batches()
    paths = paths_of(desired)  # an InScope's files are modelled only where read
    # what the workers planned is used as it is; the rest is read and planned here
    usable = {p: done for p, done in ready.items() if not keep_live or done.live is not None}
    rest = [i for i, path in enumerate(paths) if path not in usable]
    # e.g. bulk reads of the scope; ``named``: logins a partial scope's files name
    provider.prepare([desired[i][1].employer_id for i in rest], named=named)
    for start in range(0, len(paths), READ_BATCH):
        indices = range(start, min(start + READ_BATCH, len(paths)))
        todo = [desired[i] for i in indices if paths[i] not in usable]
        live: dict[str, LiveEmployer] = {}
        try:
            if todo:
                live = provider.read_employers([e.employer_id for _, e in todo])
        except PartialReadError as partial:  # plan the others; the plan lists these
            live = partial.live
            found.failed += [
                ReadFailure(e.employer_id, e.name, p, partial.failures[e.employer_id])
                for p, e in todo
                if e.employer_id in partial.failures
            ]
            todo = [(p, e) for p, e in todo if e.employer_id not in partial.failures]
        if progress:
            progress(len(indices))
        # a wrong employer_id blocks its own file only, as an invalid file does
        blocked = {
            p: found_
            for p, e in todo
            if (found_ := blocked_file(p, e, live.get(e.employer_id), provider.target))
        }
        found.blocked += blocked.values()
        read = {p: e for p, e in todo if p not in blocked}
        for path in (paths[i] for i in indices):
            done = usable.get(path)
            if done is None:
                employer = read.get(path)
                if employer is None:
                    continue  # could not be read: listed in ``failed``
                state = live[employer.employer_id]
                done = plan_one(catalog, provider, path, employer, state, keep_live=keep_live)
            planned = done.plan
            if base is not None and planned.employer_id.lower() not in base.managed:
                planned = replace(planned, takes_over=True)
            found.employers.append(planned)
            found.activations += done.activations
            found.grants += done.grants
            found.hashes[path] = (planned.employer_id, done.desired_hash)
            digest.update(done.live_json)
            if keep_live and done.live is not None:
                found.live[planned.employer_id] = done.live
    return found
