"""Progress off a terminal (a line at a regular interval, as in a CI log), and colour
as ``--color`` and ``NO_COLOR`` say (issue 21). The clock is a fake: no sleeps."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mijnloket_gitops.cli.color import color_setting
from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.cli.progress import Progress, duration

BUNDLED = Path(__file__).parent.parent / "employers"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def plain(total: int = 800) -> tuple[Progress, Clock, io.StringIO]:
    clock, out = Clock(), io.StringIO()
    progress = Progress(total, "Reading", stream=out, clock=clock, terminal=False, ticker=False)
    return progress, clock, out


def test_a_line_at_each_interval_with_the_time_left() -> None:
    progress, clock, out = plain()
    clock.now += 4
    progress(80)
    assert out.getvalue() == "", "nothing before the first interval"
    clock.now += 6
    progress(20)
    clock.now += 3
    progress(100)  # within the interval: no line
    clock.now += 20
    progress(40)  # 240 of 800 after 33 s: 77 s left
    clock.now += 5
    progress.tick()
    progress.close()
    assert out.getvalue().splitlines() == [
        "read 100 of 800 employers [10 s elapsed], about 1 min left",
        "read 240 of 800 employers [33 s elapsed], about 1 min left",
        "read 240 of 800 employers in 38 s",
    ]


def test_a_slow_batch_still_shows_life() -> None:
    """The ticker's tick writes a line while no batch has finished yet."""
    progress, clock, out = plain(total=12)
    clock.now += 65
    progress.tick()
    clock.now += 190
    progress(12)
    progress.close()
    assert out.getvalue().splitlines() == [
        "read 0 of 12 employers [1 min 5 s elapsed]",
        "read 12 of 12 employers [4 min 15 s elapsed]",
        "read 12 of 12 employers in 4 min 15 s",
    ]


def test_a_short_read_prints_nothing() -> None:
    progress, clock, out = plain()
    clock.now += 9.9
    progress(800)
    progress.close()
    assert out.getvalue() == ""


def test_minutes_left() -> None:
    progress, clock, out = plain(total=800)
    clock.now += 100
    progress(200)
    progress.close()
    assert "about 5 min left" in out.getvalue()
    assert duration(3 * 3600 + 120) == "3 h 2 min"


def test_the_ticker_thread_stops_on_close() -> None:
    out = io.StringIO()
    progress = Progress(5, "Reading", stream=out, terminal=False, interval=3600)
    progress(5)
    progress.close()
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("mode", "environ", "expected"),
    [
        ("always", {"NO_COLOR": "1"}, True),
        ("never", {}, False),
        ("auto", {"NO_COLOR": "1"}, False),
        ("auto", {"NO_COLOR": ""}, None),
        ("auto", {}, None),
    ],
)
def test_color_setting(mode: str, environ: dict[str, str], expected: bool | None) -> None:
    assert color_setting(mode, environ) is expected


def _validate_output(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    shutil.copytree(BUNDLED, tmp_path / "employers")
    bad = tmp_path / "employers" / "bakkerij-de-vries.yaml"
    bad.write_text(bad.read_text().replace("tier: start", "tier: gold"))
    result = CliRunner().invoke(cli, [*args, "-C", str(tmp_path), "validate"], env=env, color=True)
    assert result.exit_code == 1, result.output
    return result.output


def test_color_always_colours_off_a_terminal(tmp_path: Path) -> None:
    assert "\x1b[" in _validate_output(tmp_path, "--color", "always")


@pytest.mark.parametrize(("args", "env"), [(["--color", "never"], None), ([], {"NO_COLOR": "1"})])
def test_never_and_no_color_leave_colour_out(
    tmp_path: Path, args: list[str], env: dict[str, str] | None
) -> None:
    assert "\x1b[" not in _validate_output(tmp_path, *args, env=env)


def test_import_prints_progress_lines_off_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's progress (not only the class) writes lines: a clock that jumps 11 s
    per reading makes every batch late."""
    from mijnloket_gitops.cli import progress as module
    from tests.emulator_fixtures import seed_repo
    from tests.test_import import run

    ticks = iter(range(0, 10_000, 11))
    monkeypatch.setattr(module, "now", lambda: float(next(ticks)))
    repo, _, _ = seed_repo(tmp_path, employers=120, seed=2)
    result = run(repo, "import", "--all", "--output-dir", repo / "imported")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("read ")]
    assert lines, result.stderr + "|" + result.stdout[-300:]
    assert lines[-1].startswith("read 123 of 123 employers in ")
