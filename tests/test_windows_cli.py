"""Change windows end to end on the sandbox, through the real CLI (issue 23).

The clock is injected (``governance.clock.now``); nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.governance import clock
from mijnloket_gitops.plan.render.plan_schema import plan_validator
from mijnloket_gitops.sandbox.store import Store

ROOT = Path(__file__).resolve().parent.parent
ICT = "7e1b4c58-92d0-4a3f-b6e7-3f8a0d5c2b19"
PAYROLL = """\
windows:
  - name: payroll-run
    kind: deny
    schedule: "FREQ=MONTHLY;BYMONTHDAY=20,21,22,23,24,25"
    duration: 24h
    timezone: Europe/Amsterdam
{where}"""
IN_PAYROLL = dt.datetime(2026, 3, 22, 10, tzinfo=dt.UTC)
AFTER_PAYROLL = dt.datetime(2026, 3, 27, 10, tzinfo=dt.UTC)


def run(repo: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, [*args, "--repo", str(repo)])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    """Set the clock the windows read."""

    def set_clock(moment: dt.datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    return set_clock


def make_repo(tmp_path: Path, config: str) -> Path:
    shutil.copytree(ROOT / "employers", tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text(config, encoding="utf-8")
    assert run(tmp_path, "sandbox", "seed").exit_code == 0
    return tmp_path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, PAYROLL.format(where=""))


def applied(repo: Path) -> list[str]:
    with Store.open(repo / ".mijnloket/sandbox.sqlite") as store:
        return [c.employer_id for c in store.changes() if c.origin == "apply"]


def journal_events(repo: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for path in sorted((repo / ".mijnloket" / "journal").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def test_apply_inside_a_deny_window_is_refused_naming_it_and_its_end(
    repo: Path, at: Callable[[dt.datetime], None]
) -> None:
    at(IN_PAYROLL)
    result = run(repo, "apply", "--auto-approve")
    assert result.exit_code == 3, result.output
    assert "inside deny window payroll-run until 2026-03-26 00:00+01:00" in result.output
    assert "override with --override-window payroll-run" in result.output
    assert applied(repo) == []
    events = journal_events(repo)
    (refused,) = [e for e in events if e["event"] == "windows-refused"]
    assert {b["window"] for b in refused["blocks"]} == {"payroll-run"}  # type: ignore[attr-defined]
    assert events[-1]["event"] == "finished" and events[-1]["result"] == "refused"


def test_apply_after_the_window_goes_ahead(repo: Path, at: Callable[[dt.datetime], None]) -> None:
    at(AFTER_PAYROLL)
    result = run(repo, "apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert applied(repo)


def test_override_window_is_deliberate_and_journaled(
    repo: Path, at: Callable[[dt.datetime], None]
) -> None:
    at(IN_PAYROLL)
    result = run(repo, "apply", "--auto-approve", "--override-window", "payroll-run")
    assert result.exit_code == 0, result.output
    assert "overridden by --override-window payroll-run" in result.output
    assert applied(repo)
    events = journal_events(repo)
    (attempt,) = [e for e in events if e["event"] == "attempt"]
    assert attempt["override_windows"] == ["payroll-run"]
    assert any(e["event"] == "windows-overridden" for e in events)


def test_force_does_not_lift_a_window(repo: Path, at: Callable[[dt.datetime], None]) -> None:
    at(IN_PAYROLL)
    result = run(repo, "apply", "--auto-approve", "--force")
    assert result.exit_code == 3, result.output
    assert applied(repo) == []


def test_overriding_a_window_that_does_not_exist_is_an_error(
    repo: Path, at: Callable[[dt.datetime], None]
) -> None:
    at(IN_PAYROLL)
    result = run(repo, "apply", "--auto-approve", "--override-window", "payroll")
    assert result.exit_code == 1, result.output
    assert "--override-window payroll: no window has that name (windows: payroll-run)" in (
        result.output
    )
    assert applied(repo) == []


def test_a_saved_plan_is_checked_when_it_is_applied_not_when_it_was_made(
    repo: Path, tmp_path: Path, at: Callable[[dt.datetime], None]
) -> None:
    at(dt.datetime(2026, 3, 19, 10, tzinfo=dt.UTC))
    saved = tmp_path / "plan.json"
    assert run(repo, "plan", "--out", str(saved)).exit_code == 0
    at(dt.datetime(2026, 3, 20, 10, tzinfo=dt.UTC))
    result = run(repo, "apply", str(saved))
    assert result.exit_code == 3, result.output
    assert "inside deny window payroll-run" in result.output
    assert applied(repo) == []


def test_plan_shows_the_block_in_every_format(
    repo: Path, at: Callable[[dt.datetime], None]
) -> None:
    at(IN_PAYROLL)
    text = run(repo, "plan")
    assert text.exit_code == 0, text.output  # plan informs; apply refuses
    assert "Blocked by a change window when the plan was made (apply checks again" in text.output
    assert (
        f"ICT Partners Utrecht B.V. ({ICT}): inside deny window payroll-run until "
        "2026-03-26 00:00+01:00 (Europe/Amsterdam); override with --override-window payroll-run"
    ) in text.output
    markdown = run(repo, "plan", "--format", "markdown")
    assert "3 employers blocked by a change window when the plan was made." in markdown.output
    assert "inside deny window payroll-run until 2026-03-26 00:00+01:00" in markdown.output
    data = json.loads(run(repo, "plan", "--format", "json").output)
    plan_validator().validate(data)
    blocks = data["blocked_by_window"]
    assert {b["employer_id"] for b in blocks} == {
        e["employer_id"] for e in data["employers"] if e["steps"]
    }
    assert blocks[0]["until"] == "2026-03-26T00:00+01:00"
    assert blocks[0]["kind"] == "deny" and "overridden_by" not in blocks[0]


def test_plan_marks_a_lifted_block(repo: Path, at: Callable[[dt.datetime], None]) -> None:
    at(IN_PAYROLL)
    result = run(repo, "plan", "--override-window", "payroll-run")
    assert "Change windows overridden (recorded in the journal):" in result.output
    assert "[overridden by --override-window payroll-run]" in result.output
    assert "Blocked by a change window" not in result.output


def test_outside_the_window_the_plan_has_an_empty_list(
    repo: Path, at: Callable[[dt.datetime], None]
) -> None:
    at(AFTER_PAYROLL)
    data = json.loads(run(repo, "plan", "--format", "json").output)
    assert data["blocked_by_window"] == []
    assert "change window" not in run(repo, "plan").output


def test_without_windows_the_plan_has_no_window_key(
    tmp_path: Path, at: Callable[[dt.datetime], None]
) -> None:
    repo = make_repo(tmp_path, "version: 1\n")
    at(IN_PAYROLL)
    data = json.loads(run(repo, "plan", "--format", "json").output)
    assert "blocked_by_window" not in data


def test_where_limits_a_window_to_the_employers_it_selects(
    tmp_path: Path, at: Callable[[dt.datetime], None]
) -> None:
    repo = make_repo(tmp_path, PAYROLL.format(where=f'    where: "id={ICT}"\n'))
    at(IN_PAYROLL)
    data = json.loads(run(repo, "plan", "--format", "json").output)
    assert [b["employer_id"] for b in data["blocked_by_window"]] == [ICT]
    others = run(
        repo, "apply", "--auto-approve", "--target", "c4e7a912-6b3d-4e8f-a0c5-91d2f7b3e856"
    )
    assert others.exit_code == 0, others.output
    mine = run(repo, "apply", "--auto-approve", "--target", ICT)
    assert mine.exit_code == 3, mine.output


BUSINESS_HOURS = """\
windows:
  - name: office-hours
    kind: allow
    schedule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9"
    duration: 8h
"""


def test_outside_every_allow_window_apply_is_refused_until_the_next_opening(
    tmp_path: Path, at: Callable[[dt.datetime], None]
) -> None:
    repo = make_repo(tmp_path, BUSINESS_HOURS)
    at(dt.datetime(2026, 3, 28, 12, tzinfo=dt.UTC))  # a Saturday
    result = run(repo, "apply", "--auto-approve")
    assert result.exit_code == 3, result.output
    assert (
        "outside every allow window; the next, office-hours, opens 2026-03-30 09:00+02:00"
        in result.output
    )
    at(dt.datetime(2026, 3, 30, 7, 30, tzinfo=dt.UTC))  # Monday 09:30 CEST
    assert run(repo, "apply", "--auto-approve").exit_code == 0


def test_windows_lists_the_next_periods(repo: Path, at: Callable[[dt.datetime], None]) -> None:
    at(IN_PAYROLL)
    result = run(repo, "windows", "--count", "2")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "payroll-run (deny, Europe/Amsterdam): FREQ=MONTHLY;BYMONTHDAY=20,21,22,23,24,25 "
        "for 24h\n"
        "  in effect now: until 2026-03-26 00:00+01:00\n"
        "  next: 2026-04-20 00:00+02:00 until 2026-04-26 00:00+02:00\n"
    )
    listing = json.loads(run(repo, "windows", "--format", "json").output)["windows"]
    assert listing[0]["in_effect"] is True
    assert [p["start"] for p in listing[0]["periods"]] == [
        "2026-03-20T00:00+01:00",
        "2026-04-20T00:00+02:00",
        "2026-05-20T00:00+02:00",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('    schedule: "FREQ=MONTLY"\n', ":3:15: window 'w': schedule is not a valid RFC 5545"),
        ("    timezone: Europe/Amsterdm\n", ":3:15: window 'w': unknown time zone"),
        ("    duration: 24 hours\n", ":3:15: window 'w': duration '24 hours' is not like"),
        ('    where: "product=MijnLokett"\n', ":3:12: window 'w': where: selector, column 9"),
        ("    kind: sometimes\n", ":3:11:"),
    ],
)
def test_a_wrong_window_is_a_configuration_error_with_its_position(
    tmp_path: Path, line: str, expected: str
) -> None:
    fields = {
        "kind": "    kind: deny\n",
        "schedule": '    schedule: "FREQ=DAILY"\n',
        "timezone": "    timezone: Europe/Amsterdam\n",
        "duration": "    duration: 1h\n",
        "where": "",
    }
    fields[line.split(":")[0].strip()] = line
    order = [fields.pop(line.split(":")[0].strip()), *fields.values()]
    config = "windows:\n  - name: w\n" + "".join(order)
    (tmp_path / "mijnloket-gitops.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "employers").mkdir()
    result = run(tmp_path, "windows")
    assert result.exit_code == 1, result.output
    assert f"mijnloket-gitops.yaml{expected}" in result.output


def test_the_scaffolded_governance_example_loads_when_uncommented(tmp_path: Path) -> None:
    template = ROOT / "src/mijnloket_gitops/gitops/templates/mijnloket-gitops.yaml"
    block = template.read_text(encoding="utf-8").split("# Governance", 1)[1]
    lines = block.splitlines()[3:]
    config = "\n".join(line[2:] for line in lines if line.startswith("# ")) + "\n"
    assert "windows:" in config and "approvals:" in config and "policies:" in config
    (tmp_path / "mijnloket-gitops.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "employers").mkdir()
    result = run(tmp_path, "windows")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("payroll-run (deny, Europe/Amsterdam)")


def test_apply_across_the_spring_forward_sunday(
    tmp_path: Path, at: Callable[[dt.datetime], None]
) -> None:
    """A whole-day deny window on the day clocks go forward (29 March 2026) ends at
    midnight on the clock, after 23 hours: apply is refused at 23:30 and goes ahead at
    00:00 the next day, an hour before 24 elapsed hours would end it."""
    config = """\
windows:
  - name: migration-sunday
    kind: deny
    schedule: "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"
    duration: 24h
"""
    repo = make_repo(tmp_path, config)
    at(dt.datetime(2026, 3, 29, 21, 30, tzinfo=dt.UTC))  # 23:30 CEST
    refused = run(repo, "apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert "until 2026-03-30 00:00+02:00" in refused.output
    at(dt.datetime(2026, 3, 29, 22, 0, tzinfo=dt.UTC))  # 00:00 CEST, Monday
    applied = run(repo, "apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
