"""Plan renderers: text, JSON and Markdown, read from ``Plan.data`` only.

The fixture plan is built from the model directly (no planner, no provider). Golden
files live in ``tests/golden/``; after an intended change of output, regenerate them
with ``UPDATE_GOLDEN=1 pytest tests/test_render.py`` (that run fails for each file it
rewrites), review the diff and run again without it.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mijnloket_gitops.catalog import Tier, UserType
from mijnloket_gitops.plan.model import EmployerPlan, GuardViolation, Plan, PlannedStep
from mijnloket_gitops.plan.render import MARKER, RENDERERS, RenderOptions
from mijnloket_gitops.plan.render.escape import code_fence, escape_html, escape_markdown
from mijnloket_gitops.plan.render.plan_schema import FILE_NAME, plan_schema
from mijnloket_gitops.providers.base import Action, EmployerSummary, LiveEmployer, LiveUser, Step
from mijnloket_gitops.schema import render as render_schema

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMA_PATH = ROOT / "schemas" / FILE_NAME
E_MAIL_RIGHT = "Raadplegen MijnLoket e-mailadres"
TITLE = "Plan for acme-salarisdiensten/loket-config"
SUMMARY_LINE = re.compile(
    r"^\d+ to activate, \d+ to deactivate, \d+ rights? to grant, \d+ to revoke, "
    r"\d+ tier changes?( \(.*\))?$"
)


def product(
    employer_id: str,
    action: Action,
    name: str,
    *,
    manual: bool = True,
    blocked: str | None = None,
    waits_on: tuple[str, ...] = (),
) -> PlannedStep:
    step = Step(employer_id, action, product=name)
    return PlannedStep(step, manual=manual, blocked=blocked, waits_on=waits_on)


def right(
    employer_id: str, action: Action, login: str, user_type: UserType, *, manual: bool = False
) -> PlannedStep:
    step = Step(employer_id, action, right=E_MAIL_RIGHT, login=login, user_type=user_type)
    flags = ("personal-data",) if action == Action.GRANT else ()
    return PlannedStep(step, manual=manual, flags=flags)


def key(employer_id: str, action: Action, name: str) -> str:
    return Step(employer_id, action, product=name).key


def employer(
    employer_id: str,
    name: str,
    steps: tuple[PlannedStep, ...],
    tiers: tuple[Tier | None, Tier | None],
    reasons: tuple[tuple[str, Tier], ...] = (),
    unknown: tuple[str, ...] = (),
) -> EmployerPlan:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return EmployerPlan(
        employer_id=employer_id,
        name=name,
        path=f"employers/{slug}.yaml",
        steps=steps,
        tier_before=tiers[0],
        tier_after=tiers[1],
        tier_reasons=reasons,
        unknown_live_products=unknown,
        # the file writes the legal form differently from Loket: shown next to the live name
        file_name=name.replace(" B.V.", " BV"),
    )


def upgrade(
    employer_id: str = "100001", name: str = "Bakkerij De Gouden Korst B.V."
) -> EmployerPlan:
    """Plus to Pro: Preboarding before the MijnLoket product that needs it."""
    steps = (
        product(employer_id, Action.ACTIVATE, "Preboarding"),
        product(
            employer_id,
            Action.ACTIVATE,
            "MijnLoket - Preboarding",
            waits_on=(key(employer_id, Action.ACTIVATE, "Preboarding"),),
        ),
        product(employer_id, Action.ACTIVATE, "MijnLoket - Assistent"),
    )
    reasons: tuple[tuple[str, Tier], ...] = (
        ("MijnLoket - Assistent", "pro"),
        ("MijnLoket - Preboarding", "pro"),
    )
    return employer(employer_id, name, steps, ("plus", "pro"), reasons)


def rights_change(
    employer_id: str = "100002", name: str = "Van Dijk & Zonen | Installatietechniek"
) -> EmployerPlan:
    """One revoke, and grants of the personal-data right (automatic and manual)."""
    domain = "vandijk-installatie.nl"
    steps = (
        right(employer_id, Action.REVOKE, f"p.de.vries@{domain}", "werkgevergebruiker"),
        right(employer_id, Action.GRANT, f"s.bakker@{domain}", "werkgevergebruiker"),
        right(employer_id, Action.GRANT, "m.jansen@acme-salaris.nl", "ak-gebruiker", manual=True),
    )
    return employer(
        employer_id, name, steps, ("plus", "plus"), unknown=("Loket Urenregistratie (oud)",)
    )


def blocked_portal(
    employer_id: str = "100003", name: str = "Kinderopvang Het Zonnetje"
) -> EmployerPlan:
    """MijnLoket is blocked on the addendum; manual steps wait on it."""
    portal = key(employer_id, Action.ACTIVATE, "MijnLoket")
    leave = key(employer_id, Action.ACTIVATE, "Verlofregistratie")
    reason = "Loket has not processed the addendum yet (ticket LKT-118734)"
    steps = (
        product(employer_id, Action.ACTIVATE, "MijnLoket", blocked=reason),
        product(employer_id, Action.ACTIVATE, "Verlofregistratie"),
        product(
            employer_id, Action.ACTIVATE, "MijnLoket - Persoonsgegevens inzien", waits_on=(portal,)
        ),
        product(
            employer_id, Action.ACTIVATE, "MijnLoket - Verlofkalender", waits_on=(portal, leave)
        ),
    )
    return employer(
        employer_id, name, steps, (None, "plus"), (("MijnLoket - Verlofkalender", "plus"),)
    )


META: dict[str, Any] = {
    "tool_version": "0.1.0",
    "catalog_version": 1,
    "catalog_fingerprint": "5d1c0b7e9a2f4c63",
    "desired_fingerprint": "9e0f" * 16,
    "desired_hashes": {"100001": "a1" * 32, "100002": "b2" * 32, "100003": "c3" * 32},
    "live_fingerprint": "77aa" * 16,
    "created_at": "2025-03-14T09:30:00+00:00",
    "git_commit": "3f2a9c1d5e7b8a6f4c2e0d9b7a5c3e1f2d4b6a8c",
    "provider_target": "https://api.loket.nl/v2",
}
UNMANAGED = (
    EmployerSummary("200001", "Garage Hendriks"),
    EmployerSummary("200002", "Stichting Welzijn Oost"),
)


def fixture_plan() -> Plan:
    employers = (upgrade(), rights_change(), blocked_portal())
    return Plan(employers, unmanaged=UNMANAGED, provider="loket", meta=META)


def refused_plan() -> Plan:
    violation = GuardViolation(
        guard="max-employer-share",
        message="the plan changes 3 of 3 managed employers (100%); the limit is 10%"
        " (safety.max_employer_share)",
        flag="--force",
    )
    return dataclasses.replace(fixture_plan(), violations=(violation,))


def unchanged_plan() -> Plan:
    quiet = dataclasses.replace(upgrade(), steps=(), tier_before="pro", tier_reasons=())
    return Plan((quiet,), unmanaged=UNMANAGED, provider="sandbox", meta=META)


def big_plan(count: int) -> Plan:
    """``count`` employers, each an upgrade plus a personal-data grant."""
    employers = []
    for i in range(count):
        eid = str(300000 + i)
        up, grants = upgrade(eid, f"Werkgever {i} B.V."), rights_change(eid)
        employers.append(dataclasses.replace(up, steps=up.steps + grants.steps[1:]))
    return Plan(tuple(employers), provider="loket", meta=META)


_MEDIUM = big_plan(150)


def render(name: str, plan: Plan, **options: Any) -> str:
    return RENDERERS[name](plan.data, RenderOptions(**options))


@pytest.mark.parametrize(
    ("name", "golden"), [("text", "plan.txt"), ("markdown", "plan.md"), ("json", "plan.json")]
)
def test_golden(name: str, golden: str) -> None:
    output = render(name, fixture_plan(), title=TITLE)
    path = GOLDEN / golden
    if os.environ.get("UPDATE_GOLDEN") and output != path.read_text(encoding="utf-8"):
        # rewriting and then comparing would pass by construction: the run that
        # rewrites a golden file fails, so only a run without the switch can pass
        path.write_text(output, encoding="utf-8")
        pytest.fail(f"rewrote {path.name}: review the diff, then run again without UPDATE_GOLDEN")
    assert output == path.read_text(encoding="utf-8")


def test_committed_schema_is_generated() -> None:
    jsonschema.Draft202012Validator.check_schema(plan_schema())
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(plan_schema())


@pytest.mark.parametrize("plan", [fixture_plan(), refused_plan(), unchanged_plan(), big_plan(3)])
def test_json_matches_the_schema(plan: Plan) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    document = json.loads(render("json", plan))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document == plan.data


def test_schema_covers_saved_plans() -> None:
    user = LiveUser(
        "p.de.vries@vandijk-installatie.nl", "werkgevergebruiker", frozenset([E_MAIL_RIGHT])
    )
    live = LiveEmployer("100002", "Van Dijk", True, frozenset(["MijnLoket"]), {user.login: user})
    document = {**fixture_plan().data, "live": {"100002": live.data}}
    jsonschema.Draft202012Validator(plan_schema()).validate(document)


def test_schema_rejects_an_undocumented_key() -> None:
    data = fixture_plan().data
    data["employers"][0]["steps"][0]["surprise"] = True
    validator = jsonschema.Draft202012Validator(plan_schema())
    assert not validator.is_valid(data)


def test_json_is_stable_and_keeps_non_ascii() -> None:
    plan = dataclasses.replace(fixture_plan(), meta={"z": 1, "a": "Zoë"})
    output = render("json", plan)
    assert output.endswith("}\n")
    assert '"a": "Zoë"' in output
    assert output.index('"a"') < output.index('"z"')
    assert output.index('"format_version"') < output.index('"employers"')


def test_text_summary_line_and_tier_line() -> None:
    lines = render("text", fixture_plan()).splitlines()
    assert lines[-1] == (
        "7 to activate, 0 to deactivate, 2 rights to grant, 1 to revoke, 2 tier changes"
        " (8 manual steps, 1 blocked)"
    )
    assert SUMMARY_LINE.match(lines[-1])
    header = lines.index(
        "# Bakkerij De Gouden Korst B.V. (100001)  employers/bakkerij-de-gouden-korst-b-v.yaml"
        ' (file: "Bakkerij De Gouden Korst BV")'
    )
    assert lines[header + 1] == (
        "  ~ tier: plus -> pro (MijnLoket - Assistent, MijnLoket - Preboarding)"
    )
    assert "  + activate MijnLoket - Preboarding  [manual] [waits on: Preboarding]" in lines


def test_text_marks_manual_blocked_and_refusals() -> None:
    output = render("text", refused_plan())
    assert "[blocked: Loket has not processed the addendum yet (ticket LKT-118734)]" in output
    assert "manual: a person does this in Loket.nl" in output
    assert "refused: the plan changes 3 of 3 managed employers" in output
    assert "override with --force" in output
    assert "2 live employers have no file and are left alone" in output
    assert "Loket Urenregistratie (oud)" in output


def test_text_summary_without_manual_steps() -> None:
    plan = Plan((rights_change(),))
    plan = dataclasses.replace(
        plan,
        employers=(dataclasses.replace(plan.employers[0], steps=plan.employers[0].steps[:2]),),
    )
    last = render("text", plan).splitlines()[-1]
    assert last == "0 to activate, 0 to deactivate, 1 right to grant, 1 to revoke, 0 tier changes"


def test_colour_only_when_asked() -> None:
    for name in RENDERERS:
        assert "\x1b[" not in render(name, refused_plan())
    coloured = render("text", refused_plan(), color=True)
    assert "\x1b[32m  + activate" not in coloured  # the indent stays uncoloured
    assert "\x1b[32m+ activate Preboarding" in coloured
    assert "\x1b[31m- revoke" in coloured
    assert "\x1b[33m~ tier: plus -> pro" in coloured
    for name in ("json", "markdown"):
        assert "\x1b[" not in render(name, refused_plan(), color=True)


def test_no_changes() -> None:
    plan = unchanged_plan()
    text = render("text", plan)
    assert text.endswith("No changes. Live state matches the configuration.\n")
    assert "to activate" not in text
    markdown = render("markdown", plan)
    assert markdown.splitlines()[0] == MARKER
    assert "No changes. Live state matches the configuration." in markdown
    assert "<details>" not in markdown
    assert json.loads(render("json", plan))["summary"]["activate"] == 0


def test_markdown_sections() -> None:
    output = render("markdown", refused_plan(), title=TITLE)
    assert output.splitlines()[0] == MARKER
    assert output.index("[!CAUTION]") < output.index("| Change | Count |")
    assert "Override with `--force`" in output
    assert "plus → pro (MijnLoket - Assistent, MijnLoket - Preboarding)" in output
    assert "s.bakker@vandijk-installatie.nl (werkgevergebruiker) gets Raadplegen" in output
    assert "p.de.vries" not in output.split("### Changes per employer")[0]  # a revoke: no flag
    assert output.count("<details>") == output.count("</details>") == 3


def test_markdown_cap_with_two_thousand_employers() -> None:
    options = RenderOptions(title=TITLE)
    output = RENDERERS["markdown"](big_plan(2000).data, options)
    assert len(output) <= options.max_chars
    assert output.splitlines()[0] == MARKER
    assert "| Change | Count |" in output
    assert "| Employers changed | 2000 |" in output
    assert "### Review flags" in output
    left_out = re.search(r"(\d+) employers left out to stay under GitHub's comment size", output)
    assert left_out
    assert "run `mijnloket-gitops plan` locally or see the JSON artefact" in output
    assert output.count("<details>") + int(left_out.group(1)) == 2000
    assert output.count("<details>") == output.count("</details>")


def test_markdown_cap_keeps_the_first_employers_details() -> None:
    step = product("0", Action.ACTIVATE, "Workflow editor", manual=False)
    employers = tuple(
        employer(
            str(i),
            f"Werkgever {i}",
            (dataclasses.replace(step, step=dataclasses.replace(step.step, employer_id=str(i))),),
            ("plus", "plus"),
        )
        for i in range(2000)
    )
    output = render("markdown", Plan(employers))
    assert len(output) <= RenderOptions().max_chars
    kept = output.count("<details>")
    assert 0 < kept < 2000
    assert f"{2000 - kept} employers left out" in output
    assert "(1999): 1 to activate" not in output  # dropped from the end
    assert "(0): 1 to activate" in output
    assert output.index("employers left out") < output.index("<details>")


def test_markdown_cap_shortens_the_flag_lists() -> None:
    output = render("markdown", big_plan(2000), max_chars=8_000)
    assert len(output) <= 8_000
    assert "| Tier changes (price changes) | 2000 |" in output
    assert re.search(r"… \d+ more tier changes left out", output)
    assert re.search(r"… \d+ more grants left out", output)
    # the lists take at most half the room: some employers keep their section
    left_out = int(re.search(r"(\d+) employers left out", output).group(1))  # type: ignore[union-attr]
    assert 0 < left_out < 2000
    assert output.count("<details>") == 2000 - left_out


def test_a_portfolio_sized_comment_hides_no_category() -> None:
    """6,000 changes: every kind of change is counted, every personal-data grant is
    listed or counted, and employer sections still appear (issue 12)."""
    plan = big_plan(2000)
    output = render("markdown", plan, max_chars=65_000)
    assert len(output) <= 65_000
    assert "### All changes by kind" in output
    kinds = {(s.step.action, s.step.product or s.step.right) for s in plan.steps}
    for action, subject in kinds:
        count = sum(
            1
            for s in plan.steps
            if (s.step.action, s.step.product or s.step.right) == (action, subject)
        )
        assert f"- {action} {subject}: {count}\n" in output
    assert "- tier plus → pro: 2000 employers" in output
    grants = sum(1 for s in plan.steps if "personal-data" in s.flags)
    listed = output.count(" gets Raadplegen MijnLoket e-mailadres")
    more = re.search(r"… (\d+) more grants left out", output)
    assert listed + (int(more.group(1)) if more else 0) == grants
    assert "<details>" in output
    text = render("text", plan)
    assert "All changes by kind:" in text and "tier plus -> pro: 2000 employers" in text


@settings(max_examples=25, deadline=None)
@given(max_chars=st.integers(min_value=2_000, max_value=60_000))
def test_markdown_never_exceeds_the_cap(max_chars: int) -> None:
    output = render("markdown", _MEDIUM, max_chars=max_chars)
    assert len(output) <= max_chars
    assert output.startswith(MARKER + "\n")
    assert "| Change | Count |" in output
    assert output.count("<details>") == output.count("</details>")


def test_markdown_escapes_names_and_logins() -> None:
    name = "A | B <script>alert(1)</script> *x* @team #12"
    plan = Plan((upgrade(name=name), rights_change(name="Q_&_R `x`")))
    output = render("markdown", plan)
    assert "<script>" not in output
    assert r"A \| B &lt;script&gt;alert(1)&lt;/script&gt; \*x\* @&#8288;team \#&#8288;12" in output
    assert "<b>A | B &lt;script&gt;" in output  # <summary> is HTML: no backslashes
    assert r"Q\_&amp;\_R \`x\`" in output


def test_escape_helpers() -> None:
    assert escape_markdown("a|b") == r"a\|b"
    assert escape_markdown("info@bedrijf.nl") == "info@bedrijf.nl"
    assert escape_markdown("line\nbreak") == "line\N{REPLACEMENT CHARACTER}break"
    assert escape_html("<i>&") == "&lt;i&gt;&amp;"
    assert code_fence("a ``` b", "diff") == "````diff\na ``` b\n````\n"


def test_text_has_no_terminal_escapes_from_data() -> None:
    plan = Plan((upgrade(name="Evil\x1b[2J Corp"),))
    assert "\x1b" not in render("text", plan)


def test_many_unmanaged_are_listed_briefly() -> None:
    unmanaged = tuple(EmployerSummary(str(i), f"Werkgever {i}") for i in range(25))
    output = render("text", Plan((), unmanaged=unmanaged))
    assert "25 live employers have no file and are left alone" in output
    assert ", and 15 more" in output


def test_renderers_only_read_the_data() -> None:
    data = refused_plan().data
    before = copy.deepcopy(data)
    for renderer in RENDERERS.values():
        assert renderer(data, RenderOptions()).endswith("\n")
    assert data == before


def test_options_refuse_a_cap_too_small_for_the_summary() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        RenderOptions(max_chars=100)


# The classic Loket world: rights Loket.nl does not let us read are sent every time.

READ_NOTE = (
    "the rights of werkgevergebruikers could not be read (Loket.nl does not offer that);"
    " their rights steps are sent as they are in the file and marked unverified"
)


def unread_rights(count: int) -> Plan:
    """``count`` employers whose only step is an unverified grant, all sharing one note."""
    employers = []
    for i in range(count):
        eid = str(400000 + i)
        step = Step(eid, Action.GRANT, right=E_MAIL_RIGHT, login=f"hr{i}@w.nl")
        step = dataclasses.replace(step, user_type="werkgevergebruiker")
        grant = PlannedStep(step, flags=("personal-data", "unverified"))
        quiet = employer(eid, f"Werkgever {i} B.V.", (grant,), ("plus", "plus"))
        employers.append(dataclasses.replace(quiet, unchecked=(READ_NOTE,)))
    return Plan(tuple(employers), provider="loket", meta=META)


def test_a_note_every_employer_shares_is_shown_once_with_the_employers_counted() -> None:
    text = render("text", unread_rights(8))
    assert text.count(READ_NOTE) == 1
    assert "for 8 employers: Werkgever 0 B.V. (400000)," in text
    assert "Werkgever 4 B.V. (400004) and 3 more (the JSON plan lists each)" in text
    assert "Werkgever 5 B.V." not in text.split("Not visible")[1]
    markdown = render("markdown", unread_rights(8))
    assert markdown.count(READ_NOTE) == 1
    assert "— for 8 employers: Werkgever 0 B.V., " in markdown


def test_a_note_of_one_employer_keeps_its_name_in_front() -> None:
    text = render("text", unread_rights(1))
    assert f"  ! Werkgever 0 B.V. (400000): {READ_NOTE}" in text
    assert "for 1 employer" not in text


def test_only_unverified_steps_say_so_and_are_counted() -> None:
    plan = unread_rights(3)
    assert plan.summary["unverified"] == 3
    assert not plan.needs_review
    text = render("text", plan)
    assert "1 tier change" not in text
    assert text.rstrip().endswith(
        "0 to activate, 0 to deactivate, 3 rights to grant, 0 to revoke, 0 tier changes"
        " (3 unverified)\nNo verifiable changes: the 3 rights steps above cannot be read back"
        " from Loket.nl, so every apply sends them again (unverified); --detailed-exitcode"
        " exits 0 for them."
    )
    markdown = render("markdown", plan)
    assert "| Unverified steps (Loket.nl cannot show them) | 3 |" in markdown
    assert "No verifiable changes: the 3 rights steps above" in markdown


def test_a_verifiable_step_beside_unverified_ones_is_a_change() -> None:
    plan = unread_rights(2)
    mixed = (*plan.employers, upgrade())
    plan = dataclasses.replace(plan, employers=mixed)
    assert plan.needs_review
    text = render("text", plan)
    assert "(3 manual steps, 2 unverified)" in text
    assert "No verifiable changes" not in text
    assert "No verifiable changes" not in render("markdown", plan)
