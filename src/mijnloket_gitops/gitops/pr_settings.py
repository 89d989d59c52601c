"""Which settings of ``mijnloket-gitops.yaml`` a pull request's plan takes from it.

The privileged plan job plans a pull request with the base branch's configuration,
changed only where the pull request may change it:

- connection settings (``provider``, ``employers_dir``): never; a pull request that
  changes one gets no plan (:mod:`mijnloket_gitops.gitops.pr_data` refuses it);
- the guards (``safety``, ``ownership``, and issue 23's ``windows``, ``policies`` and
  ``approvals``): always the base branch's, so a pull request cannot loosen the limit
  it is about to exceed; its own values take effect after the
  merge (when the base branch's refuse its plan: through a hand-run apply);
- the prices (``pricing``): the base branch's, so the cost in the comment is at the
  prices in force (a pull request cannot show its own upgrade as "(unchanged)" by
  changing the price with it), and listed at the top of the comment when it changes;
- what shapes the plan (``catalog``, ``require_tier``): the pull request's, because
  after the merge the plan is applied with them (apply refuses a plan made with
  another catalog), but listed at the top of the plan comment, so the approver sees
  that the plan was made with rules the pull request wrote.
"""

from __future__ import annotations

import json
from typing import Any

from mijnloket_gitops.config import CONFIG_NAME, RepoConfig
from mijnloket_gitops.plan.render.escape import escape_markdown

TRUSTED_KEYS = ("provider", "employers_dir")
"""Top-level settings a pull request may not change."""
GUARD_KEYS = ("safety", "ownership", "windows", "policies", "approvals")
"""Top-level settings the plan takes from the base branch whatever the pull request says
(issue 23: a pull request cannot drop the approval, house rule or change window its own
plan would need)."""
PRICE_KEYS = ("pricing",)
"""Top-level settings the plan takes from the base branch and flags when they change."""
SHAPING_KEYS = ("catalog", "require_tier")
"""Top-level settings the plan takes from the pull request, flagged in the comment."""
LISTED = 25
"""Changed settings listed per group; the rest are counted."""


def _flatten(data: Any, prefix: str) -> dict[str, Any]:
    if isinstance(data, dict):
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat |= _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return flat
    return {prefix: data}


def changed(
    base: RepoConfig, pull: RepoConfig, keys: tuple[str, ...]
) -> dict[str, tuple[Any, Any]]:
    """The settings under ``keys`` (dotted names) whose effective values differ: name
    to (base value, pull request value); a value a side does not set is ``None``."""
    old = _flatten(base.model_dump(mode="json", include=set(keys)), "")
    new = _flatten(pull.model_dump(mode="json", include=set(keys)), "")
    names = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    return {name: (old.get(name), new.get(name)) for name in names}


def effective(base: RepoConfig, pull: RepoConfig) -> RepoConfig:
    """The configuration the pull request is planned with: its own, with the base
    branch's guards and prices."""
    kept = (*GUARD_KEYS, *PRICE_KEYS)
    return pull.model_copy(update={key: getattr(base, key) for key in kept})


def _value(value: Any) -> str:
    return "not set" if value is None else escape_markdown(json.dumps(value, ensure_ascii=False))


def _listing(changes: dict[str, tuple[Any, Any]]) -> list[str]:
    lines = [
        f"> - **{escape_markdown(name)}**: {_value(old)} → {_value(new)}"
        for name, (old, new) in list(changes.items())[:LISTED]
    ]
    if len(changes) > LISTED:
        lines.append(f"> - and {len(changes) - LISTED} more (see the diff)")
    return lines


def notice(base: RepoConfig, pull: RepoConfig) -> str:
    """Markdown for the top of the plan comment when the pull request changes a guard
    or a setting that shapes the plan; empty when it changes neither."""
    guards, shaping = changed(base, pull, GUARD_KEYS), changed(base, pull, SHAPING_KEYS)
    prices = changed(base, pull, PRICE_KEYS)
    if not guards and not shaping and not prices:
        return ""
    lines = [
        "> [!IMPORTANT]",
        f"> **This pull request changes settings in {CONFIG_NAME}, not only employer files.**",
    ]
    if guards:
        lines += [
            ">",
            "> Safety limits and ownership policy: this plan was checked against the base "
            "branch's; the values below take effect after the merge.",
            *_listing(guards),
        ]
    if prices:
        lines += [
            ">",
            "> Prices: the cost in this comment is at the base branch's prices; the values "
            "below take effect after the merge.",
            *_listing(prices),
        ]
    if shaping:
        lines += [
            ">",
            "> Catalog and rules, taken from this pull request: they shape the plan below "
            "and are applied with it. Review them together.",
            *_listing(shaping),
        ]
    return "\n".join(lines) + "\n\n"


def refusal_notice(reason: str) -> str:
    """Markdown for the top of the comment when the pull request gets no plan because
    it changes a connection setting (``reason``: the refusal's message)."""
    return (
        "> [!CAUTION]\n"
        "> **No plan: this pull request changes where the Loket.nl credentials go.**\n>\n"
        f"> {escape_markdown(reason)}.\n\n"
    )


def outside_notice(paths: list[str], employers_dir: str) -> str:
    """Markdown for the top of the plan comment (and the apply summary) when the pull
    request changes files outside the employer folder and the configuration: the plan
    does not show them, and a workflow or ``.mijnloket/`` changed with the employer
    files would otherwise go by unseen; empty when there are none."""
    if not paths:
        return ""
    listed = [f"> - {escape_markdown(path)}" for path in paths[:LISTED]]
    if len(paths) > LISTED:
        listed.append(f"> - and {len(paths) - LISTED} more (see the diff)")
    return (
        "\n".join(
            [
                "> [!CAUTION]",
                f"> **This pull request also changes files outside"
                f" {escape_markdown(employers_dir)}/ and {CONFIG_NAME}.** The plan below does"
                " not show them; a change to"
                " `.github/` or `.mijnloket/` changes what runs with the Loket.nl credentials."
                " Review them before approving the apply.",
                *listed,
            ]
        )
        + "\n\n"
    )
