"""The executor: a failed step stops its employer's later steps, not other employers'."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from mijnloket_gitops.apply.executor import Outcome, execute
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.config import load_settings
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.plan.build import make_plan
from mijnloket_gitops.plan.scope import load_repository
from mijnloket_gitops.providers.base import Step
from mijnloket_gitops.providers.sandbox import SandboxProvider, sandbox_path
from mijnloket_gitops.sandbox.store import Store

ROOT = Path(__file__).resolve().parent.parent


class FailingOnce(SandboxProvider):
    """The real sandbox, except that one step fails the way a live system can."""

    def __init__(self, path: Path, fail: str) -> None:
        super().__init__(Store.open(path), builtin_catalog())
        self.fail = fail

    def perform(self, step: Step) -> None:
        if step.key == self.fail:
            raise ProviderError(f"{step.subject}: the live system said no")
        super().perform(step)


def test_failed_step_skips_the_rest_of_its_employer_only(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "employers", tmp_path / "employers")
    assert CliRunner().invoke(cli, ["sandbox", "seed", "--repo", str(tmp_path)]).exit_code == 0
    settings = load_settings(tmp_path)
    repository = load_repository(settings)
    with SandboxProvider.open(sandbox_path(settings), settings.catalog) as probe:
        plan = make_plan(settings, probe, repository.in_scope, managed=repository.managed).plan
    victim = next(e for e in plan.changed if len(e.steps) > 1)
    others = [e for e in plan.changed if e is not victim]
    assert others, "the seeded plan should change more than one employer"
    provider = FailingOnce(sandbox_path(settings), victim.steps[0].key)
    with provider, Journal(tmp_path / "journal", commit=None, forced=False) as journal:
        results = execute(plan, provider, journal)
    by_employer: dict[str, list[Outcome]] = {}
    for result in results:
        by_employer.setdefault(result.planned.step.employer_id, []).append(result.outcome)
    assert by_employer[victim.employer_id] == [Outcome.FAILED] + [Outcome.SKIPPED] * (
        len(victim.steps) - 1
    )
    for employer in others:
        assert set(by_employer[employer.employer_id]) == {Outcome.DONE}
    lines = [json.loads(x) for x in journal.path.read_text().splitlines()]
    failed = [x for x in lines if x["event"] == "failed"]
    assert len(failed) == 1 and "the live system said no" in failed[0]["detail"]
