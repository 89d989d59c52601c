"""The pull-request renderer: one comment that CI creates once and then updates.

Layout: the hidden ``MARKER`` on the first line (CI finds its own comment by it),
a heading, guard refusals in a caution box, the summary table, the review flags
(tier changes are price changes; grants that expose personal data), unknown live
products, then one collapsible ``<details>`` per changed employer with its steps in
a ``diff`` block (``+``/``-`` as in the text renderer; the tier line starts with
``!``, which GitHub's diff highlighting colours as "changed", where ``~`` stays plain).

Size cap: GitHub rejects comments over 65,536 characters. When the full comment
exceeds ``options.max_chars``, per-employer details are dropped from the end, with a
note saying how many. The marker, heading and summary table always survive; the
lists (refusals, flags, unknown products) are shortened only when even they do not
fit, each with a "… and N more" line.
"""

from __future__ import annotations

from dataclasses import dataclass

from mijnloket_gitops.plan.render.approvals import approvals_markdown
from mijnloket_gitops.plan.render.common import (
    BLOCKED_HEADING,
    FAILED_HEADING,
    INVALID_HEADING,
    MANUAL_LEGEND,
    NO_CHANGES_IN_READ,
    NO_CHANGES_IN_VALID,
    NOTHING_IN_SCOPE,
    REMOVED_HEAD,
    Data,
    aggregate,
    base_ref,
    binding_lines,
    blocked_files,
    changed_employers,
    drift_heading,
    drift_lines,
    employer_counts,
    file_name_note,
    invalid_files,
    not_read,
    nothing_in_scope,
    overridden_lines,
    personal_data_grants,
    read_failures,
    removed_lines,
    scope_line,
    some_employers,
    step_lines,
    taken_over,
    takes_over_text,
    tier_change_text,
    unchecked,
    unknown_products,
    unverified_only,
)
from mijnloket_gitops.plan.render.cost import (
    employer_cost_text,
    tier_price_text,
    total_cost_text,
)
from mijnloket_gitops.plan.render.escape import code_fence, escape_html, escape_markdown
from mijnloket_gitops.plan.render.options import RenderOptions
from mijnloket_gitops.plan.render.text import NO_CHANGES
from mijnloket_gitops.plan.render.windows import blocked_lines, lifted_lines
from mijnloket_gitops.words import plural

MARKER = "<!-- mijnloket-gitops:plan -->"
"""The first line of every plan comment; CI finds the comment to update by it."""

DEFAULT_TITLE = "mijnloket-gitops plan"
LEFT_OUT = (
    "{count} left out to stay under GitHub's comment size limit (all are counted in"
    " *All changes by kind*); run `mijnloket-gitops plan` locally or see the JSON artefact"
)

md = escape_markdown


@dataclass(frozen=True)
class _List:
    """A list section that can be shortened: ``head`` then one line per item."""

    head: str
    items: tuple[str, ...]
    noun: str
    prefix: str = ""

    def render(self, keep: int) -> str:
        if not self.items:
            return ""
        more = len(self.items) - keep
        lines = [self.head, *self.items[:keep]]
        if more > 0:
            what = LEFT_OUT.format(count=f"{more} more {self.noun}")
            lines.append(f"{self.prefix}- … {what}\n")
        return "".join(lines) + "\n"

    def fit(self, budget: int) -> int:
        """The most items that render within ``budget`` characters (at least 0)."""
        if len(self.render(len(self.items))) <= budget:
            return len(self.items)
        size = len(self.render(0))
        for keep, item in enumerate(self.items):
            size += len(item)
            if size > budget:
                return keep
        return len(self.items)  # pragma: no cover - the full list fitted above


def _fit_lists(lists: list[_List], budget: int) -> list[int]:
    """Share ``budget`` fairly: short lists whole, the rest cut at equal shares."""
    keep = [0] * len(lists)
    order = sorted(range(len(lists)), key=lambda i: len(lists[i].render(len(lists[i].items))))
    for position, index in enumerate(order):
        share = budget // (len(order) - position)
        keep[index] = lists[index].fit(share)
        budget -= len(lists[index].render(keep[index]))
    return keep


def _violations(plan: Data) -> _List:
    violations = plan["violations"]
    head = (
        "> [!CAUTION]\n"
        f"> **Refused by {plural(len(violations), 'safety guard')}.** `apply` will not run "
        "this plan (exit 3) unless the named flag overrides the guard.\n>\n"
    )
    items = tuple(
        f"> - **{md(v['guard'])}**: {md(v['message'])}"
        + (f" (employer {md(v['employer_id'])})" if v.get("employer_id") else "")
        + f". Override with `{str(v['flag']).replace('`', '')}`.\n"
        for v in violations
    )
    return _List(head, items, "refusals", prefix="> ")


def _table(summary: Data) -> str:
    unverified = summary.get("unverified", 0)
    rows = [
        ("Employers changed", summary["employers_changed"]),
        ("Products to activate", summary["activate"]),
        ("Products to deactivate", summary["deactivate"]),
        ("Rights to grant", summary["grant"]),
        ("Rights to revoke", summary["revoke"]),
        ("Tier changes (price changes)", summary["tier_changes"]),
        ("Manual steps (a person in Loket.nl)", summary["manual"]),
        ("Blocked steps", summary["blocked"]),
        *([("Unverified steps (Loket.nl cannot show them)", unverified)] if unverified else []),
        ("Unmanaged employers (left alone)", summary["employers_unmanaged"]),
        ("Newly unmanaged (file removed)", summary.get("employers_removed", 0)),
        ("Taken over (no file at the base ref)", summary.get("employers_taken_over", 0)),
    ]
    lines = ["### Summary\n\n", "| Change | Count |\n", "| :-- | --: |\n"]
    lines += [f"| {label} | {count} |\n" for label, count in rows]
    return "".join(lines) + "\n"


def _flags(changed: list[Data], plan: Data) -> tuple[str, list[_List]]:
    tiers = tuple(
        f"- **{md(e['name'])}** ({md(e['employer_id'])}): {md(tier_change_text(e, '→'))}"
        + (" — a downgrade" if e["tier"]["change"] == "downgrade" else "")
        + (f" — {md(price)}" if (price := tier_price_text(plan, e)) else "")  # issue 15
        + "\n"
        for e in changed
        if e["tier"].get("change")
    )
    grants = tuple(
        f"- **{md(e['name'])}** ({md(e['employer_id'])}): {md(s['login'])}"
        f" ({md(s.get('user_type') or 'user')}) gets {md(s['right'])}\n"
        for e, s in personal_data_grants(changed)
    )
    if not tiers and not grants:
        return (
            "### Review flags\n\nNo tier changes and no grants that expose personal data.\n\n",
            [],
        )
    return "### Review flags\n\n", [
        _List(
            "**Tier changes are price changes**: before → after (caused by)\n\n",
            tiers,
            "tier changes",
        ),
        _List(
            "**Grants that expose personal data (AVG/GDPR)**: employer, login\n\n", grants, "grants"
        ),
    ]


def _cost(plan: Data) -> list[str | _List]:
    """issue 15: the monthly cost line under the summary table, with pricing only."""
    total = total_cost_text(plan, "→")
    return [f"**{md(total)}**\n\n"] if total else []


def _removed(plan: Data) -> _List:
    head = "> [!WARNING]\n> **" + md(REMOVED_HEAD.format(base=base_ref(plan))) + "**\n>\n"
    items = tuple(f"> - {md(line)}\n" for line in removed_lines(plan))
    return _List(head, items, "newly unmanaged employers", prefix="> ")


def _taken_over(plan: Data) -> _List:
    items = tuple(f"- {md(takes_over_text(e, plan))}\n" for e in taken_over(plan))
    return _List("### Management taken over\n\n", items, "employers taken over")


def _overridden(plan: Data) -> _List:
    items = tuple(f"- {md(line)}\n" for line in overridden_lines(plan))
    head = "### Guards overridden\n\nApply records each override in its journal.\n\n"
    return _List(head, items, "overridden guards")


def _windows(plan: Data) -> list[_List]:
    """issue 23: standing window blocks as a warning, lifted ones as a list."""
    blocked = tuple(f"> - {line}\n" for line in blocked_lines(plan, md))
    head = (
        "> [!WARNING]\n"
        f"> **{plural(len(blocked), 'employer')} blocked by a change window when the plan "
        "was made.** `apply` checks the windows again when it runs and refuses (exit 3) "
        "while one holds, unless overridden.\n>\n"
    )
    lifted = tuple(f"- {line}\n" for line in lifted_lines(plan, md))
    lifted_head = "### Change windows overridden\n\nApply records each override in its journal.\n\n"
    return [
        _List(head, blocked, "window blocks", prefix="> "),
        _List(lifted_head, lifted, "overridden window blocks"),
    ]


def _by_kind(plan: Data) -> str:
    lines = "".join(f"- {md(line)}\n" for line in aggregate(plan, "→"))
    return (
        "### All changes by kind\n\n"
        "The plan is too large to list in full here; these counts cover every employer.\n\n"
        f"{lines}\n"
    )


def _unknown(plan: Data) -> _List:
    items = tuple(
        f"- **{md(e['name'])}** ({md(e['employer_id'])}): {', '.join(md(n) for n in names)}\n"
        for e, names in unknown_products(plan)
    )
    head = "### Live products the catalog does not know\n\nReported, never touched.\n\n"
    return _List(head, items, "employers with unknown products")


def _unchecked(plan: Data) -> _List:
    items = tuple(
        f"- **{md(employers[0]['name'])}**: {md(note)}\n"
        if len(employers) == 1
        else f"- {md(note)} — for {plural(len(employers), 'employer')}:"
        f" {md(some_employers(employers, lambda e: str(e['name'])))}\n"
        for note, employers in unchecked(plan)
    )
    head = "### Not visible to the provider\n\nCheck these by hand.\n\n"
    return _List(head, items, "items to check by hand")


def _failed(plan: Data) -> _List:
    items = tuple(f"- {md(line)}\n" for line in read_failures(plan))
    return _List(f"### {FAILED_HEADING}\n\n", items, "employers that could not be read")


def _blocked(plan: Data) -> _List:
    items = tuple(f"- {md(line)}\n" for line in blocked_files(plan))
    return _List(f"### {BLOCKED_HEADING}\n\n", items, "files blocked by their employer_id")


def _invalid(plan: Data) -> _List:
    items = tuple(f"- {md(path)}\n" for path in invalid_files(plan))
    return _List(f"### {INVALID_HEADING}\n\n", items, "invalid employer files")


def _details(employer: Data, plan: Data) -> str:
    tier = tier_change_text(employer, "→")
    cost = employer_cost_text(plan, employer, "→")  # issue 15
    summary = (
        f"<b>{escape_html(employer['name'])}</b>{escape_html(file_name_note(employer))}"
        f" ({escape_html(employer['employer_id'])}): "
        + escape_html(employer_counts(employer))
        + (f"; tier {escape_html(tier)}" if tier else "")
        + (f"; cost {escape_html(cost)}" if cost else "")
    )
    lines = [f"! tier: {tier_change_text(employer)}"] if tier else []
    lines += [line for _, line in step_lines(employer)]
    return (
        f"<details><summary>{summary}</summary>\n\n"
        f"File: {md(employer['path'])}\n\n"
        f"{code_fence(chr(10).join(lines), 'diff')}\n"
        "</details>\n\n"
    )


def _footer(plan: Data) -> str:
    parts = [f"plan format {plan['format_version']}"]
    if plan.get("provider"):
        parts.insert(0, f"provider {escape_html(plan['provider'])}")
    version = plan.get("meta", {}).get("tool_version")
    if version:
        parts.insert(0, f"mijnloket-gitops {escape_html(version)}")
    return f"<sub>{' · '.join(parts)}</sub>\n"


def _note(count: int) -> str:
    return f"> [!NOTE]\n> {LEFT_OUT.format(count=plural(count, 'employer'))}.\n\n"


def markdown_renderer(plan: Data, options: RenderOptions) -> str:
    changed = changed_employers(plan)
    head: list[str | _List] = [f"{MARKER}\n## {md(options.title or DEFAULT_TITLE)}\n\n"]
    scope = scope_line(plan)
    if scope:
        head.append(f"{md(scope)}\n\n")
    if plan["violations"]:
        head.append(_violations(plan))
    head += [_removed(plan), _taken_over(plan), _overridden(plan)]
    head += [f"**{md(line)}**\n\n" for line in binding_lines(plan)]  # issue 22
    drift = drift_heading(plan)  # issue 22: drift apart from change
    if drift:
        items = "".join(f"- {md(line)}\n" for line in drift_lines(plan))
        head.append(f"**{md(drift)}**\n\n{items}\n")
    head += [_removed(plan), _taken_over(plan), _overridden(plan), *_windows(plan)]
    head.append(approvals_markdown(plan, md))  # issue 23
    table = _table(plan["summary"])
    if changed:
        flags_head, flag_lists = _flags(changed, plan)
        head += [table, *_cost(plan), flags_head, *flag_lists]
        only = unverified_only(plan)
        if only:
            head.append(f"{md(only)}\n\n")
    elif plan.get("removed") or taken_over(plan):
        head += [table, *_cost(plan)]
    else:
        unmanaged = plan["summary"]["employers_unmanaged"]
        if nothing_in_scope(plan):
            head.append(f"{NOTHING_IN_SCOPE}\n\n")
        elif plan.get("invalid") or not_read(plan) is not None:
            # issue 20: never "live state matches" while employers were not read, and
            # nothing about changes when none was read
            read = NO_CHANGES_IN_VALID if plan.get("invalid") else NO_CHANGES_IN_READ
            if plan.get("invalid") or plan["employers"]:
                head.append(f"{read}\n\n")
        else:
            head.append(f"{NO_CHANGES}\n\n")
    unread = not_read(plan)
    if unread:
        head.append(f"**{md(unread)}**\n\n")
        head += _cost(plan)  # issue 15
        if unmanaged:
            head.append(f"{plural(unmanaged, 'live employer')} without a file, left alone.\n\n")
    head.append(_unknown(plan))
    head.append(_unchecked(plan))
    head.append(_failed(plan))
    head.append(_blocked(plan))
    head.append(_invalid(plan))
    intro = ""
    if changed:
        intro = "### Changes per employer\n\n"
        if any(s.get("manual") or s.get("blocked") for e in changed for s in e["steps"]):
            intro += f"`[manual]`: {MANUAL_LEGEND.split(': ', 1)[1]}. `[blocked: …]`: cannot "
            intro += "happen yet, for the reason given.\n\n"
    details = [_details(e, plan) for e in changed]
    footer = _footer(plan)

    lists = [p for p in head if isinstance(p, _List)]
    keep = [len(item.items) for item in lists]

    def assemble(kept_details: int) -> str:
        kept = iter(keep)
        out = [p if isinstance(p, str) else p.render(next(kept)) for p in head]
        out.append(intro)
        if kept_details < len(details):
            out.append(_note(len(details) - kept_details))
        return "".join([*out, *details[:kept_details], footer])

    full = assemble(len(details))
    if len(full) <= options.max_chars:
        return full
    # Too long: first aggregate, so that no category disappears (bounded by the catalog)
    head.insert(head.index(table) + 1 if table in head else len(head), _by_kind(plan))
    fixed = sum(len(p) for p in head if isinstance(p, str)) + len(intro) + len(footer)
    room = options.max_chars - fixed - len(_note(len(details)))
    room_for_lists = sum(len(item.render(n)) for item, n in zip(lists, keep, strict=True))
    if room_for_lists > room // 2:
        # lists are counted when cut; keep half of the room for the employers' details
        keep = _fit_lists(lists, room // 2)
        room_for_lists = sum(len(item.render(n)) for item, n in zip(lists, keep, strict=True))
    room -= room_for_lists
    kept_details = 0
    for block in details:
        if len(block) > room:
            break
        room -= len(block)
        kept_details += 1
    result = assemble(kept_details)
    if len(result) > options.max_chars:  # only when a title or refusal alone is huge
        cut = "\n\n… cut to stay under GitHub's comment size limit.\n"
        result = result[: options.max_chars - len(cut)].rsplit("\n", 1)[0] + cut
    return result
