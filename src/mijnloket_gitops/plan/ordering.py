"""The order steps run in, derived from the catalog's dependency graph.

Within one employer: rights are revoked first (before the products they need go
off), then products are deactivated (dependents before what they depend on, the
portal last), then activated (prerequisites first, the portal first), then rights
are granted (after the products they need). :func:`order_violations` checks a
sequence of steps against exactly these rules; tests run it on every plan they make.
"""

from __future__ import annotations

from collections.abc import Sequence

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.providers.base import Action, Step

PHASE = {Action.REVOKE: 0, Action.DEACTIVATE: 1, Action.ACTIVATE: 2, Action.GRANT: 3}


def sort_key(catalog: Catalog, step: Step) -> tuple[int, int, int, int, str]:
    """Where ``step`` goes among one employer's steps."""
    order = catalog.order
    last = len(order)
    if step.product is not None:
        depth = catalog.depths.get(step.product, 0)
        gate = catalog.products[step.product].gate is not None if step.product in order else False
        position = order.get(step.product, last)
        if step.action == Action.ACTIVATE:
            return (PHASE[step.action], depth, 0 if gate else 1, position, step.product)
        return (PHASE[step.action], -depth, 1 if gate else 0, position, step.product)
    right_position = list(catalog.rights).index(step.right) if step.right in catalog.rights else 0
    return (PHASE[step.action], right_position, 0, 0, (step.login or "").casefold())


def order_steps(catalog: Catalog, steps: Sequence[Step]) -> list[Step]:
    return sorted(steps, key=lambda s: sort_key(catalog, s))


def _needs(catalog: Catalog, step: Step) -> set[str]:
    """Products ``step`` needs active: a product's prerequisites, a right's products."""
    if step.product is not None:
        return set(catalog.prerequisites(step.product))
    for name, right in catalog.rights.items():  # a handful: no index needed
        if name == step.right:
            return set(right.requires)
    return set()  # a right the catalog does not know needs nothing


_CHECKED_PHASES = (Action.REVOKE, Action.DEACTIVATE, Action.ACTIVATE, Action.GRANT)
"""The phase order as the checker knows it, written apart from ``PHASE`` on purpose: a
checker that read the table it checks would agree with any change to it."""


def order_violations(catalog: Catalog, steps: Sequence[Step]) -> list[str]:
    """Every way ``steps`` (one employer's, in order) break the ordering rules."""
    phase = {action: rank for rank, action in enumerate(_CHECKED_PHASES)}
    problems: list[str] = []
    position = {(s.action, s.product or s.right, s.login): i for i, s in enumerate(steps)}
    for i, step in enumerate(steps):
        needs = _needs(catalog, step)
        for need in needs:
            if step.action in (Action.ACTIVATE, Action.GRANT):
                j = position.get((Action.ACTIVATE, need, None))
                if j is not None and j > i:
                    problems.append(f"{step.action} {step.subject} before activating {need}")
            else:
                j = position.get((Action.DEACTIVATE, need, None))
                if j is not None and j < i:
                    problems.append(f"{step.action} {step.subject} after deactivating {need}")
        if phase[step.action] < max((phase[s.action] for s in steps[:i]), default=0):
            problems.append(f"{step.action} {step.subject} after a later phase")
    portal = catalog.portal
    on = [i for i, s in enumerate(steps) if s.action == Action.ACTIVATE]
    off = [i for i, s in enumerate(steps) if s.action == Action.DEACTIVATE]
    for indices, first in ((on, True), (off, False)):
        names = [steps[i].product for i in indices]
        if portal in names and names.index(portal) != (0 if first else len(names) - 1):
            problems.append(f"{portal} is not {'first on' if first else 'last off'}")
    return problems
