"""Planning in the validation workers (issue 12): the same plan as planning here.

Every test forces the worker pool on a small portfolio (it starts at 300 files) and
compares ``plan`` with the workers planning against ``plan`` with the parent
planning everything (a provider without a reader), byte for byte apart from the
time of day: text, JSON, Markdown and the saved plan; invalid files, duplicates,
identity and existence errors; a sandbox that cannot be read at all, or only in the
workers.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.config import load_settings
from mijnloket_gitops.files.loader import load_file
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.desired import InScope, paths_of
from mijnloket_gitops.plan.scope import load_repository
from mijnloket_gitops.plan.workers import PlanInWorkers
from mijnloket_gitops.providers.base import (
    Action,
    EmployerSummary,
    LiveEmployer,
    PartialReadError,
    Provider,
    Step,
)
from mijnloket_gitops.providers.sandbox import SandboxProvider, SandboxReader
from mijnloket_gitops.sandbox.db import SandboxError
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.sandbox.synthetic import write_employers
from mijnloket_gitops.validate import runner
from tests.repo_helpers import git, run

EMPLOYERS = 40
DB = Path(".mijnloket/sandbox.sqlite")


@pytest.fixture(autouse=True)
def pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The validation pool even for a few files, with two workers on any machine."""
    monkeypatch.setattr(runner, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(runner, "cpu_count", lambda: 2)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """40 seeded employer files, a sandbox seeded from them, and drift in it."""
    files = write_employers(tmp_path / "employers", builtin_catalog(), EMPLOYERS, seed=7)
    assert run(tmp_path, "sandbox", "seed").exit_code == 0
    with Store.open(tmp_path / DB) as store, store.write("test") as tx:
        for path in files[::5]:  # every fifth employer drifted: one product off, one on
            employer = EmployerFile.model_validate(_yaml(path))
            for product in employer.products[-1:]:
                tx.deactivate(employer.employer_id, product)
            tx.activate(employer.employer_id, "Workflow editor")
        for path in files[1::7]:  # and some lost a right
            employer = EmployerFile.model_validate(_yaml(path))
            for user in employer.users:
                for right in user.rights:
                    tx.revoke(employer.employer_id, user.login, right)
    return tmp_path


def _yaml(path: Path) -> object:
    return load_file(str(path)).data


def _without_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SandboxProvider, "reader", lambda self: None)


_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")


def _same(result: Result) -> tuple[int, str]:
    return result.exit_code, _TIME.sub("TIME", result.output)


def both(
    monkeypatch: pytest.MonkeyPatch, repo: Path, *args: str, out: Path | None = None
) -> tuple[tuple[int, str], tuple[int, str]]:
    """(with workers, without) for one command: exit code and output."""
    extra = ("--out", str(out)) if out else ()
    with_workers = _same(run(repo, *args, *extra))
    saved = out.read_text() if out else ""
    with monkeypatch.context() as patch:
        _without_workers(patch)
        without = _same(run(repo, *args, *extra))
    if out:
        assert _TIME.sub("TIME", saved) == _TIME.sub("TIME", out.read_text())
    return with_workers, without


def test_the_workers_plan_every_valid_file(repo: Path) -> None:
    settings = load_settings(repo)
    with SandboxProvider.open(settings.root / DB, settings.catalog) as provider:
        reader = provider.reader()
        assert isinstance(reader, SandboxReader)
        repository = load_repository(
            settings, task=PlanInWorkers(reader, settings.catalog, keep_live=False)
        )
    assert sorted(repository.planned) == sorted(paths_of(repository.in_scope))
    assert len(repository.planned) == EMPLOYERS
    changed = [p.plan for p in repository.planned.values() if p.plan.steps]
    assert len(changed) >= EMPLOYERS // 5  # the drift is in the workers' plans


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_workers_plan_byte_for_byte_as_the_parent(
    repo: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    workers, parent = both(monkeypatch, repo, "plan", "--format", fmt, "--detailed-exitcode")
    assert workers == parent
    assert workers[0] == 2  # there are changes


def test_models_read_later_are_the_files_the_workers_planned(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--where and pricing read the models of files the workers planned (InScope)."""
    (repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\npricing:\n  currency: EUR\n  tiers: {start: 25, plus: 60, pro: 120.5}\n"
        "  products:\n    Workflow editor: 10\n"
    )
    workers, parent = both(monkeypatch, repo, "plan", "--format", "json", "--where", "tier=pro")
    assert workers == parent
    document = json.loads(parent[1])
    assert document["cost"]["employers"] and document["meta"]["scope"]["kind"] == "where"
    assert 0 < len(document["employers"]) < EMPLOYERS


def test_a_saved_plan_is_the_same_and_applies(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    workers, parent = both(monkeypatch, repo, "plan", out=saved)
    assert workers == parent and workers[0] == 0
    document = json.loads(saved.read_text())
    assert len(document["live"]) == EMPLOYERS  # the live base came from the workers
    applied = run(repo, "apply", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert run(repo, "plan", "--detailed-exitcode").exit_code == 0


def test_takes_over_is_marked_on_worker_plans(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "init", "-q")
    (repo / ".gitignore").write_text(".mijnloket/\n")
    git(repo, "add", ".gitignore", *[f"employers/werkgever-{i:04d}.yaml" for i in range(30)])
    git(repo, "commit", "-qm", "most")
    git(repo, "add", ".")  # the other ten are new: they take over management
    workers, parent = both(monkeypatch, repo, "plan", "--format", "json", "--base", "HEAD")
    assert workers == parent
    assert parent[1].count('"takes_over_management": true') == EMPLOYERS - 30


def test_scoped_plans_are_the_same(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "init", "-q")
    (repo / ".gitignore").write_text(".mijnloket/\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "all")
    employers = repo / "employers"
    for name in ("werkgever-0002.yaml", "werkgever-0005.yaml", "werkgever-0011.yaml"):
        text = (employers / name).read_text()
        (employers / name).write_text(text.replace("rights: []", "rights: [ ]"))
    ids = [
        str(EmployerFile.model_validate(_yaml(employers / f"werkgever-00{i}.yaml")).employer_id)
        for i in ("05", "20")
    ]
    for args in (
        ("--changed-since", "HEAD"),
        ("--target", ids[0], "--target", ids[1]),
    ):
        workers, parent = both(monkeypatch, repo, "plan", "--format", "json", *args)
        assert workers == parent
        assert json.loads(parent[1])["meta"]["scope"]["kind"] != "all"


def test_invalid_and_duplicate_files_are_left_out_the_same(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    employers = repo / "employers"
    shutil.copy(employers / "werkgever-0003.yaml", employers / "zz-copy.yaml")
    (employers / "zz-broken.yaml").write_text("version: 1\nemployer_id: [oops\n")
    text = (employers / "werkgever-0010.yaml").read_text()
    (employers / "werkgever-0010.yaml").write_text(re.sub("tier: .*", "tier: nonsense", text))
    workers, parent = both(monkeypatch, repo, "plan")
    assert workers == parent
    assert parent[0] == 1
    assert "duplicate-employer" in parent[1] and "4 invalid employer files" in parent[1]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_wrong_company_and_missing_employer_are_refused_the_same(
    repo: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    employers = repo / "employers"
    for name, line in [
        ("werkgever-0004.yaml", "name: Garage Hoekstra"),
        ("werkgever-0031.yaml", "name: Zorggroep De Linde"),
        ("werkgever-0017.yaml", "employer_id: 00000000-0000-4000-8000-000000000000"),
    ]:
        key = line.split(":")[0]
        text = (employers / name).read_text()
        (employers / name).write_text(re.sub(f"(?m)^{key}: .*", line, text))
    workers, parent = both(monkeypatch, repo, "plan", "--format", fmt)
    assert workers == parent
    assert parent[0] == 1
    assert "does not exist in" in parent[1] and "werkgever-0017.yaml" in parent[1]
    employers_fixed = repo / "employers" / "werkgever-0017.yaml"
    employers_fixed.unlink()
    workers, parent = both(monkeypatch, repo, "plan", "--format", fmt)
    assert workers == parent
    assert "Garage Hoekstra" in parent[1] and "Zorggroep De Linde" in parent[1]
    assert "werkgever-0004.yaml" in parent[1] and "werkgever-0031.yaml" in parent[1]


def test_an_unreadable_sandbox_is_reported_as_before(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / DB).write_bytes(b"not a database\n" * 100)
    for suffix in ("-wal", "-shm"):
        (repo / f"{DB}{suffix}").unlink(missing_ok=True)
    workers, parent = both(monkeypatch, repo, "plan")
    assert workers == parent
    assert parent[0] == 1 and "is not a usable sandbox database" in parent[1]
    shutil.rmtree(repo / ".mijnloket")
    workers, parent = both(monkeypatch, repo, "plan")
    assert workers == parent
    assert parent[0] == 1 and "sandbox seed" in parent[1]


def test_workers_that_cannot_open_the_sandbox_leave_it_to_the_parent(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = run(repo, "plan", "--format", "json")

    def refuse(self: SandboxReader) -> SandboxProvider:
        raise SandboxError("cannot open it here")

    monkeypatch.setattr(SandboxReader, "open", refuse)
    assert _same(run(repo, "plan", "--format", "json")) == _same(expected)
    settings = load_settings(repo)
    task = PlanInWorkers(
        SandboxReader(settings.root / DB, settings.catalog), settings.catalog, keep_live=False
    )
    assert load_repository(settings, task=task).planned == {}


def _in_a_worker(parent: int) -> bool:
    return os.getpid() != parent


def test_reads_failing_in_the_workers_are_read_again_here(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _same(run(repo, "plan", "--format", "json"))
    parent = os.getpid()
    read = SandboxProvider.read_employers

    def flaky(self: SandboxProvider, ids: Iterable[str]) -> dict[str, LiveEmployer]:
        asked = list(ids)
        if not _in_a_worker(parent):
            return read(self, asked)
        if asked[0][0] in "01234567":  # some chunks fail as a whole
            raise SandboxError("the database is busy")
        live = read(self, asked)  # half of them fail in the workers
        failed = {i: "busy" for i in asked[::2]}
        raise PartialReadError({k: v for k, v in live.items() if k not in failed}, failed)

    monkeypatch.setattr(SandboxProvider, "read_employers", flaky)
    assert _same(run(repo, "plan", "--format", "json")) == expected
    settings = load_settings(repo)
    reader = SandboxReader(settings.root / DB, settings.catalog)
    task = PlanInWorkers(reader, settings.catalog, keep_live=False)
    planned = load_repository(settings, task=task).planned
    assert 0 < len(planned) < EMPLOYERS


def test_the_workers_open_the_sandbox_read_only(repo: Path) -> None:
    settings = load_settings(repo)
    employer = EmployerFile.model_validate(_yaml(repo / "employers" / "werkgever-0000.yaml"))
    step = Step(employer.employer_id, Action.DEACTIVATE, product=employer.products[0])
    with SandboxReader(settings.root / DB, settings.catalog).open() as provider:
        assert isinstance(provider, SandboxProvider)
        assert employer.employer_id in provider.read_employers([employer.employer_id])
        with pytest.raises(SandboxError, match="readonly"):
            provider.perform(step)


def test_in_scope_models_files_only_when_read(repo: Path) -> None:
    path = repo / "employers" / "werkgever-0000.yaml"
    data = _yaml(path)
    model = EmployerFile.model_validate(data)
    files = InScope()
    files.append("a.yaml", model.employer_id, pickle.dumps(data))
    files.append("b.yaml", "other", model)
    assert len(files) == 2 and files.paths == ["a.yaml", "b.yaml"]
    assert files[0] == ("a.yaml", model) and files[0][1] is not files[0][1]  # built per read
    assert files[1][1] is model  # a model given is kept
    assert files[0:1] == [("a.yaml", model)] and list(files) == [files[0], files[1]]
    chosen = files.select([False, True])
    assert chosen.paths == ["b.yaml"] and chosen.ids == ["other"]
    assert paths_of([("c.yaml", model)]) == ["c.yaml"]


class _Remote(Provider):
    """A provider that must be read from this process only (like Loket.nl)."""

    target = "https://example.invalid"
    closed = False

    def list_employers(self) -> list[EmployerSummary]:
        return []

    def read_employers(self, employer_ids: Iterable[str]) -> dict[str, LiveEmployer]:
        return {}

    def can_perform(self, step: Step) -> bool:
        return False

    def perform(self, step: Step) -> None:
        raise AssertionError

    def close(self) -> None:
        self.closed = True


def test_a_provider_reads_in_this_process_unless_it_says_otherwise() -> None:
    assert _Remote().reader() is None


def test_plan_keeps_open_early_only_a_provider_the_workers_can_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mijnloket_gitops.cli import plan_cmd

    settings = load_settings(repo)
    with plan_cmd.readable_provider(settings) as provider:
        assert isinstance(provider, SandboxProvider)
    remote = _Remote()
    monkeypatch.setattr(plan_cmd, "open_provider", lambda settings: remote)
    with plan_cmd.readable_provider(settings) as provider:
        assert provider is None and remote.closed  # opened again when planning, as before

    def unavailable(settings: object) -> Provider:
        raise SandboxError("no sandbox")

    monkeypatch.setattr(plan_cmd, "open_provider", unavailable)
    with plan_cmd.readable_provider(settings) as provider:
        assert provider is None
