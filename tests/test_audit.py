"""Plans an auditor can trust, end to end on the sandbox: the right employer,
single-use saved plans, explicit ownership, one lock per target, a journal for every
apply attempt, scoped plans that say what they compared (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mijnloket_gitops.apply.lock import ApplyLock
from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.config import load_settings
from mijnloket_gitops.providers.registry import open_provider
from mijnloket_gitops.sandbox.store import Store
from tests.repo_helpers import git, run

ROOT = Path(__file__).resolve().parent.parent
DB = ".mijnloket/sandbox.sqlite"
LINDE = "employers/zorggroep-de-linde.yaml"
LINDE_ID = "c4e7a912-6b3d-4e8f-a0c5-91d2f7b3e856"
HOEKSTRA_ID = "d4e4ea8b-ca51-5e62-bbce-daf88cc7527c"
BAKKERIJ = "employers/bakkerij-de-vries.yaml"
BAKKERIJ_ID = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The bundled examples, applied to a seeded sandbox, committed to git."""
    shutil.copytree(ROOT / "employers", tmp_path / "employers")
    (tmp_path / ".gitignore").write_text(".mijnloket/\n")
    assert run(tmp_path, "sandbox", "seed").exit_code == 0
    assert run(tmp_path, "apply", "--auto-approve").exit_code == 0
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "employers")
    return tmp_path


def journals(repo: Path) -> list[list[dict[str, Any]]]:
    return [
        [json.loads(line) for line in path.read_text().splitlines() if line.startswith('{"')]
        for path in sorted((repo / ".mijnloket" / "journal").glob("*.jsonl"))
    ]


def applied(repo: Path) -> int:
    with Store.open(repo / DB) as store:
        return sum(1 for c in store.changes() if c.origin == "apply")


# identity --------------------------------------------------------------------------


def test_a_file_pointing_at_another_company_is_refused_with_both_names(repo: Path) -> None:
    path = repo / LINDE
    path.write_text(path.read_text().replace(LINDE_ID, HOEKSTRA_ID))
    before = applied(repo)
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = run(repo, *command)
        assert result.exit_code == 1, result.output
        assert "'Zorggroep De Linde'" in result.output
        assert "'Garage Hoekstra B.V.'" in result.output
        assert "loket_name: Garage Hoekstra B.V." in result.output
    assert applied(repo) == before


def test_loket_name_acknowledges_a_difference_and_takeover_is_flagged(repo: Path) -> None:
    path = repo / LINDE
    text = path.read_text().replace(LINDE_ID, HOEKSTRA_ID)
    path.write_text(
        text.replace(
            "name: Zorggroep De Linde\n",
            "name: Zorggroep De Linde\nloket_name: Garage Hoekstra BV\n",
        )
    )
    result = run(repo, "plan", "--allow-employer-share")
    assert "takes over management of Garage Hoekstra B.V." in result.output, result.output
    assert "# Garage Hoekstra B.V. (" in result.output
    assert '(file: "Zorggroep De Linde")' in result.output
    document = json.loads(run(repo, "plan", "--format", "json").output)
    (hoekstra,) = [e for e in document["employers"] if e["employer_id"] == HOEKSTRA_ID]
    assert hoekstra["name"] == "Garage Hoekstra B.V."
    assert hoekstra["file_name"] == "Zorggroep De Linde"
    assert hoekstra["takes_over_management"] is True
    # and Zorggroep De Linde, whose file now points elsewhere, is newly unmanaged
    assert [r["employer_id"] for r in document["removed"]] == [LINDE_ID]


def test_names_match_ignoring_case_spacing_and_legal_form(repo: Path) -> None:
    path = repo / BAKKERIJ
    path.write_text(
        path.read_text().replace("name: Bakkerij De Vries B.V.", "name: bakkerij  de vries BV")
    )
    result = run(repo, "plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output


# ownership ---------------------------------------------------------------------------


def test_a_removed_file_shows_in_plan_comment_and_detailed_exitcode(repo: Path) -> None:
    (repo / BAKKERIJ).unlink()
    text = run(repo, "plan", "--detailed-exitcode")
    assert text.exit_code == 2, text.output
    assert "Newly unmanaged since HEAD" in text.output
    assert f"Bakkerij De Vries B.V. ({BAKKERIJ_ID}): {BAKKERIJ} was removed" in text.output
    assert "No changes" not in text.output
    comment = run(repo, "plan", "--format", "markdown").output
    assert "Newly unmanaged since HEAD" in comment and "No changes" not in comment
    assert "| Newly unmanaged (file removed) | 1 |" in comment
    (repo / "mijnloket-gitops.yaml").write_text("ownership:\n  removed: refuse\n")
    refused = run(repo, "plan")
    assert refused.exit_code == 3 and "[removed-files]" in refused.output


def test_unmanaged_policy_error_refuses_and_ignore_hides(repo: Path) -> None:
    (repo / "mijnloket-gitops.yaml").write_text("ownership:\n  unmanaged: error\n")
    refused = run(repo, "plan")
    assert refused.exit_code == 3 and "[unmanaged-employers]" in refused.output
    (repo / "mijnloket-gitops.yaml").write_text("ownership:\n  unmanaged: ignore\n")
    quiet = run(repo, "plan")
    assert quiet.exit_code == 0 and "no file" not in quiet.output, quiet.output


# scope ---------------------------------------------------------------------------------


def test_scoped_plan_never_calls_managed_employers_unmanaged(repo: Path) -> None:
    result = run(repo, "plan", "--target", BAKKERIJ_ID, "--format", "json")
    document = json.loads(result.output)
    names = {u["name"] for u in document["unmanaged"]}
    assert names == {
        "Drukkerij Van der Meer B.V.",
        "Garage Hoekstra B.V.",
        "Stichting Thuiszorg Oostrand",
    }
    assert document["meta"]["scope"] == {
        "kind": "target",
        "targets": [BAKKERIJ_ID],
        "employers_in_scope": 1,
        "employers_managed": 8,
    }
    text = run(repo, "plan", "--target", BAKKERIJ_ID).output
    assert "Scope: --target " + BAKKERIJ_ID + " (1 of 8 managed employers in scope" in text


def test_scoped_plan_with_nothing_in_scope_says_so(repo: Path) -> None:
    result = run(repo, "plan", "--changed-since", "HEAD")
    assert result.exit_code == 0
    assert "Nothing in scope" in result.output and "No changes" not in result.output


def test_an_invalid_file_blocks_only_itself(repo: Path) -> None:
    path = repo / LINDE
    path.write_text(path.read_text().replace("tier: pro", "tier: start"))
    run(repo, "sandbox", "set", BAKKERIJ_ID, "--deactivate", "MijnLoket - Documenten")
    result = run(repo, "plan")
    assert result.exit_code == 1
    assert result.output.index("[tier-mismatch]") < result.output.index("activate MijnLoket")
    assert "zorggroep-de-linde.yaml" in result.output
    document = json.loads(run(repo, "plan", "--format", "json").stdout)
    assert LINDE_ID not in {u["employer_id"] for u in document["unmanaged"]}
    assert LINDE_ID not in {e["employer_id"] for e in document["employers"]}
    refused = run(repo, "apply", "--auto-approve")
    assert refused.exit_code == 1 and "nothing was applied" in refused.output
    targeted = run(repo, "apply", "--auto-approve", "--target", BAKKERIJ_ID)
    assert targeted.exit_code == 0, targeted.output


# saved plans ---------------------------------------------------------------------------


@pytest.fixture
def saved(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run(repo, "sandbox", "set", BAKKERIJ_ID, "--deactivate", "MijnLoket - Documenten")
    path = tmp_path_factory.mktemp("plans") / "plan.json"
    assert run(repo, "plan", "--out", str(path)).exit_code == 0
    return path


def test_a_completed_plan_is_refused_the_second_time(repo: Path, saved: Path) -> None:
    assert run(repo, "apply", str(saved)).exit_code == 0
    run(repo, "sandbox", "set", BAKKERIJ_ID, "--deactivate", "MijnLoket - Documenten")
    again = run(repo, "apply", str(saved))
    assert again.exit_code == 3, again.output
    assert "already applied completely" in again.output
    with Store.open(repo / DB) as store:
        assert "MijnLoket - Documenten" not in store.live([BAKKERIJ_ID])[BAKKERIJ_ID].products


def edit(path: Path, **meta: object) -> None:
    document = json.loads(path.read_text())
    document["meta"].update(meta)
    path.write_text(json.dumps(document))


def test_an_old_plan_is_refused(repo: Path, saved: Path) -> None:
    edit(saved, created_at="2020-01-01T00:00:00+00:00")
    result = run(repo, "apply", str(saved))
    assert result.exit_code == 3 and "safety.max_plan_age_hours" in result.output


def test_a_plan_for_another_target_catalog_or_version_is_refused(repo: Path, saved: Path) -> None:
    edit(
        saved,
        provider_target="/elsewhere/sandbox.sqlite",
        catalog_fingerprint="x",
        tool_version="0.0.1",
    )
    result = run(repo, "apply", str(saved))
    assert result.exit_code == 3
    assert "made against '/elsewhere/sandbox.sqlite'" in result.output
    assert "another product catalog" in result.output and "0.0.1" in result.output


def test_a_saved_plan_is_checked_against_the_schema_first(repo: Path, saved: Path) -> None:
    document = json.loads(saved.read_text())
    document["employers"][0]["steps"] = [{"action": "explode"}]
    saved.write_text(json.dumps(document))
    result = run(repo, "apply", str(saved))
    assert result.exit_code == 1 and "not a valid plan" in result.output
    assert "schemas/plan.schema.json" in result.output


# lock --------------------------------------------------------------------------------


def test_relative_and_absolute_repo_paths_share_one_lock(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    with open_provider(load_settings(Path("."))) as provider:
        target = provider.target
    with ApplyLock(Path(".mijnloket") / "locks", target):
        result = run(repo.resolve(), "apply", "--auto-approve")
    assert result.exit_code == 3 and "another apply is running" in result.output


# journal ------------------------------------------------------------------------------


def test_refused_and_no_op_applies_leave_a_journal(repo: Path) -> None:
    count = len(journals(repo))
    assert run(repo, "apply", "--auto-approve").exit_code == 0  # nothing to do
    (repo / BAKKERIJ).write_text(
        f"version: 1\nemployer_id: {BAKKERIJ_ID}\nname: Bakkerij De Vries B.V.\n"
        "addendum:\n  status: signed\n  signed_on: 2026-03-14\n  ticket: LKT-48211\n"
    )
    assert run(repo, "apply", "--auto-approve").exit_code == 3
    no_op, refused = journals(repo)[count:]
    assert no_op[0]["event"] == "attempt" and no_op[-1]["result"] == "ok"
    assert {"plan", "plan-completed"} <= {e["event"] for e in no_op}
    assert no_op[0]["tool_version"] and no_op[0]["commit"] and no_op[0]["dirty"] is False
    assert refused[-1]["event"] == "finished" and refused[-1]["result"] == "refused"
    (guards,) = [e for e in refused if e["event"] == "guards-refused"]
    assert [v["guard"] for v in guards["violations"]] == ["mijnloket-removal"]
    assert refused[0]["dirty"] is True
    assert all(e.get("provider_target") for e in refused[2:])


def test_overrides_are_journaled_with_the_violations_they_overrode(repo: Path) -> None:
    path = repo / "employers" / "kinderopvang-het-zonnetje.yaml"
    text = path.read_text().replace("tier: plus", "tier: start")
    path.write_text(
        text.replace("  - MijnLoket - Verlofaanvragen\n", "").replace(
            "  - MijnLoket - Verlofkalender\n", ""
        )
    )
    result = run(repo, "apply", "--auto-approve", "--force")
    assert "overridden by --force" in result.output, result.output
    last = journals(repo)[-1]
    (event,) = [e for e in last if e["event"] == "guards-overridden"]
    assert event["overridden"][0]["guard"] == "tier-downgrade"
    assert event["overridden"][0]["overridden_by"] == "--force"
    listing = run(repo, "journal", "--format", "json")
    assert json.loads(listing.output)[-1]["result"] == "ok"
    shown = run(repo, "journal", last[0]["run_id"])
    assert "guards-overridden" in shown.output


def test_a_step_a_killed_apply_left_open_is_reconciled(repo: Path) -> None:
    with open_provider(load_settings(repo)) as provider:
        target = provider.target
    crashed = repo / ".mijnloket" / "journal" / "20200101T000000.000Z-deadbeef0000.jsonl"
    started = {
        "time": "2020-01-01T00:00:00.000+00:00",
        "run_id": "deadbeef0000",
        "event": "started",
        "provider_target": target,
        "employer_id": BAKKERIJ_ID,
        "action": "activate",
        "product": "MijnLoket - Documenten",
        "right": None,
        "login": None,
        "user_type": None,
        "key": f"{BAKKERIJ_ID}|activate|MijnLoket - Documenten||",
    }
    crashed.write_text(json.dumps(started) + "\n{torn")
    result = run(repo, "apply", "--auto-approve")
    assert "Reconciled a step" in result.output and ": done" in result.output
    (event,) = [e for e in journals(repo)[-1] if e["event"] == "reconciled"]
    assert event["found"] == "done" and event["crashed_run"] == "deadbeef0000"
    again = run(repo, "apply", "--auto-approve")
    assert "Reconciled" not in again.output


def _hold_sandbox(repo: Path, pid: int) -> None:
    import socket
    import sqlite3

    conn = sqlite3.connect(repo / DB)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS apply_lock"
        " (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL, holder TEXT NOT NULL)"
    )
    holder = {"pid": pid, "host": socket.gethostname(), "since": "2026-01-01T00:00:00+00:00"}
    conn.execute("INSERT OR REPLACE INTO apply_lock VALUES (1, 'other', ?)", (json.dumps(holder),))
    conn.commit()
    conn.close()


def test_the_sandbox_holds_its_own_lock_across_repositories(repo: Path, tmp_path: Path) -> None:
    alive = subprocess.Popen(["sleep", "30"])
    try:
        _hold_sandbox(repo, alive.pid)
        result = run(repo, "apply", "--auto-approve")
        assert result.exit_code == 3, result.output
        assert "another apply holds the sandbox" in result.output
        assert f"pid {alive.pid}" in result.output
    finally:
        alive.kill()
        alive.wait()
    # the holder died (SIGKILL): its row is taken over on this host
    assert run(repo, "apply", "--auto-approve").exit_code == 0


# scoped plans and the whole portfolio -------------------------------------------------


def test_a_scoped_plan_judges_shares_against_the_whole_portfolio(repo: Path) -> None:
    path = repo / BAKKERIJ
    path.write_text(path.read_text().replace("  - MijnLoket - Verzekeringen vergelijken\n", ""))
    full = run(repo, "plan", "--detailed-exitcode")
    assert full.exit_code == 2, full.output
    scoped = run(repo, "plan", "--detailed-exitcode", "--target", BAKKERIJ_ID)
    assert scoped.exit_code == 2, scoped.output  # 1 of the portfolio's activations, not 1 of 5


def test_a_scoped_plan_models_only_the_files_in_scope(repo: Path) -> None:
    from mijnloket_gitops.plan.scope import load_repository

    repository = load_repository(load_settings(repo), targets=[BAKKERIJ_ID])
    assert [f.path for f in repository.validation.files] == [str(repo / BAKKERIJ)]
    assert len(repository.managed.ids) == 8
    full = load_repository(load_settings(repo))
    assert repository.managed.outside.activations == sum(
        len(e.products) for _, e in full.in_scope if e.employer_id != BAKKERIJ_ID
    )


def test_loading_the_files_runs_without_the_cyclic_collector(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 50,000 files the collector re-walked the growing heap of models (issue 12)."""
    import gc

    from mijnloket_gitops.plan import scope

    seen: list[bool] = []
    models = scope._models

    def spy(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return models(*args)

    monkeypatch.setattr(scope, "_models", spy)
    assert gc.isenabled()
    scope.load_repository(load_settings(repo))
    scope.load_repository(load_settings(repo), targets=[BAKKERIJ_ID])
    assert seen == [False, False]
    assert gc.isenabled()  # and it is on again afterwards


def test_a_duplicate_id_is_found_under_changed_since(repo: Path) -> None:
    text = (repo / LINDE).read_text()
    (repo / "employers" / "kopie.yaml").write_text(text)
    result = run(repo, "plan", "--changed-since", "HEAD")
    assert result.exit_code == 1
    assert "[duplicate-employer]" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("products: []\nusers: []\n", (0, 0)),
        ("products: [A, B]\nusers:\n  - login: x\n    rights: [R, S]\n", (2, 2)),
        (
            "products:\n  - A  # note\n  # - commented\n  - B\nusers:\n  - login: x\n"
            "    type: werkgevergebruiker\n    rights:\n      - R\n  - login: y\n    rights: []\n",
            (2, 1),
        ),
        ("products:\n- A\nusers:\n- login: x\n  rights:\n  - R\n  - S\n", (1, 2)),
    ],
)
def test_text_counts_reads_the_lists(text: str, expected: tuple[int, int]) -> None:
    from mijnloket_gitops.plan.managed import text_counts

    assert text_counts(text) == expected


def test_text_counts_matches_the_models_of_the_examples() -> None:
    from mijnloket_gitops.plan.managed import text_counts
    from mijnloket_gitops.validate.runner import check_file

    for path in sorted((ROOT / "employers").glob("*.yaml")):
        model = check_file(path, builtin_catalog(), True, dt.date(2026, 6, 1)).employer
        assert model is not None
        expected = (len(model.products), sum(len(u.rights) for u in model.users))
        assert text_counts(path.read_text()) == expected, path


def test_a_saved_plan_whose_file_was_deleted_is_stale_not_a_target_error(
    repo: Path, saved: Path
) -> None:
    (repo / BAKKERIJ).unlink()
    result = run(repo, "apply", str(saved))
    assert result.exit_code == 3, result.output
    assert "saved plan is stale" in result.output and "--target" not in result.output
    assert journals(repo)[-1][-1]["result"] == "stale"


def test_the_base_ref_defaults_to_the_pull_requests_base_branch(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "branch", "-M", "main")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "-qb", "offboard")
    (repo / BAKKERIJ).unlink()
    git(repo, "commit", "-qam", "remove a file")
    # HEAD has no such file either, but the fixture's apply managed it (issue 22)
    assert "Newly unmanaged since HEAD and the last apply" in run(repo, "plan").output
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    shown = run(repo, "plan", "--detailed-exitcode")
    assert shown.exit_code == 2 and "Newly unmanaged since origin/main" in shown.output
    monkeypatch.delenv("GITHUB_BASE_REF")
    explicit = run(repo, "plan", "--base", "main", "--format", "json")
    assert json.loads(explicit.stdout)["meta"]["base_ref"] == "main"
    wrong = run(repo, "plan", "--base", "no-such-ref")
    assert wrong.exit_code == 1 and "cannot read the employer files at no-such-ref" in wrong.output
