"""The README's rollout, end to end on 800 generated employers in the sandbox.

Grant "Raadplegen MijnLoket e-mailadres" to the werkgevergebruikers of every employer
with MijnLoket, in four waves: per wave ``edit --wave K/4``, commit (the pull
request), read the plan and its cost, ``plan --out``, apply that plan (the merge), and
``plan --detailed-exitcode`` must then say 0: live state converged.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.edit.run import wave_of
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.sandbox.synthetic import write_employers
from mijnloket_gitops.validate.runner import validate_paths

CATALOG = builtin_catalog()
RIGHT = "Raadplegen MijnLoket e-mailadres"
EMPLOYERS = 800
WHERE = "product=MijnLoket and user-type=werkgevergebruiker"
PRICING = """\
version: 1
pricing:
  currency: EUR
  tiers: {start: 25, plus: 60, pro: 120}
"""


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def lacking(repo: Path) -> set[str]:
    """Employers with MijnLoket whose files leave a werkgevergebruiker without the right."""
    employers = validate_paths([repo / "employers"], CATALOG).employers
    return {
        e.employer_id
        for _, e in employers
        if CATALOG.portal in e.products
        and any(u.type == "werkgevergebruiker" and RIGHT not in u.rights for u in e.users)
    }


@pytest.mark.slow
def test_rollout_in_four_waves_converges(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    repo = tmp_path
    write_employers(repo / "employers", CATALOG, EMPLOYERS, seed=15)
    (repo / "mijnloket-gitops.yaml").write_text(PRICING)
    (repo / ".gitignore").write_text(".mijnloket/\n*.json\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "portfolio")
    assert run_cli("sandbox", "seed", "--repo", repo).exit_code == 0
    start = run_cli("apply", "--auto-approve", "--repo", repo)  # converge the seeded drift
    assert start.exit_code == 0, start.output
    assert run_cli("plan", "--detailed-exitcode", "--repo", repo).exit_code == 0

    todo = lacking(repo)
    assert len(todo) > 100  # the generator leaves plenty to do
    for wave in range(1, 5):
        edit = run_cli(
            "edit", "--where", WHERE, "--grant", RIGHT, "--to", "werkgevergebruiker",
            "--wave", f"{wave}/4", "--repo", repo,
        )  # fmt: skip
        assert edit.exit_code == 0, edit.output
        this_wave = {i for i in todo if wave_of(i, 4) == wave}
        assert todo - lacking(repo) == this_wave  # exactly this wave was edited
        todo -= this_wave
        git(repo, "commit", "-qam", f"Grant {RIGHT} to werkgevergebruikers, wave {wave}/4")

        # issue 22: a wave grants a personal-data right to dozens of users: deliberate
        bulk = "--allow-personal-data-grants"
        comment = run_cli("plan", "--format", "markdown", bulk, "--repo", repo)  # PR comment
        assert comment.exit_code == 0, comment.output
        # the generator gives each employer one werkgevergebruiker: one grant each
        assert f"| Rights to grant | {len(this_wave)} |" in comment.output
        assert "Monthly cost: €" in comment.output and "(unchanged)" in comment.output
        assert f"| Employers changed | {len(this_wave)} |" in comment.output

        plan_file = repo / f"wave-{wave}.json"
        saved = run_cli("plan", "--out", plan_file, "--format", "json", bulk, "--repo", repo)
        assert saved.exit_code == 0, saved.output
        applied = run_cli("apply", plan_file, "--repo", repo)  # after the merge
        assert applied.exit_code == 0, applied.output
        converged = run_cli("plan", "--detailed-exitcode", "--repo", repo)
        assert converged.exit_code == 0, converged.output
    assert todo == set() and lacking(repo) == set()

    # live: every werkgevergebruiker of every employer with MijnLoket holds the right
    employers = validate_paths([repo / "employers"], CATALOG).employers
    with Store.open(repo / ".mijnloket" / "sandbox.sqlite") as store:
        live = store.live([e.employer_id for _, e in employers])
    for _, employer in employers:
        if CATALOG.portal not in employer.products:
            continue
        for user in employer.users:
            if user.type == "werkgevergebruiker":
                state = live[employer.employer_id].user(user.login)
                assert state is not None and RIGHT in state.rights
