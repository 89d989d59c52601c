"""Onboarding a portfolio end to end, on the sandbox and on the emulator: ``import --all``
into an empty repository, ``plan`` for one completed file while the others still have
pending evidence, ``import --missing`` for a new employer, and ``import --update`` round
trips that keep the evidence and the comments."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import seed_repo, start_emulator
from tests.loket_emulated import ENV, authorize, loket_config

pytest_plugins = ("tests.emulator_fixtures",)

PENDING = "  evidence: pending\n"
TICKET = 'ticket: "LKT-77001"'
NOTE = "# owner: payroll team Noord"
Run = Callable[..., Result]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def runner(repo: Path) -> Run:
    def run(*args: str) -> Result:
        result = CliRunner().invoke(cli, ["-C", str(repo), *args])
        assert "Traceback" not in result.output and "internal error" not in result.output
        return result

    return run


def configure(repo: Path, provider: list[str] | None = None) -> None:
    lines = ["version: 1", "employers_dir: imported", *(provider or [])]
    (repo / "mijnloket-gitops.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def by_id(directory: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("employer_id: "):
                found[line.split(": ", 1)[1]] = path
    return found


def complete(path: Path) -> None:
    """Fill in the evidence as a person would, and leave a comment of one's own."""
    text = path.read_text(encoding="utf-8")
    text = text.replace("signed_on: null", "signed_on: 2025-02-03")
    text = text.replace("ticket: null", TICKET).replace(PENDING, "")
    text = text.replace("\nname: ", f"\n{NOTE}\nname: ", 1)
    path.write_text(text, encoding="utf-8")


def toggle(db: Path, employer_id: str, product: str) -> None:
    """Drift, as a consultant clicking in Loket would."""
    with Store.open(db) as store:
        live = store.live([employer_id])[employer_id]
    with Store.open(db) as store, store.write("test") as tx:
        if product in live.products:
            tx.deactivate(employer_id, product)
        else:
            tx.activate(employer_id, product)


def steps_of(plan: Result) -> dict[str, list[dict[str, object]]]:
    data = json.loads(plan.stdout)
    return {e["employer_id"]: e["steps"] for e in data["employers"]}


def onboard(repo: Path, db: Path, *, applies_products: bool) -> None:
    run = runner(repo)
    imported = repo / "imported"
    first = run("import", "--all")
    assert first.exit_code == 0, first.output
    files = by_id(imported)
    pending = [i for i, p in files.items() if PENDING in p.read_text(encoding="utf-8")]
    assert len(pending) >= 2
    validated = run("validate", "--format", "json")
    assert validated.exit_code == 0, validated.output
    rules = [d["rule"] for d in json.loads(validated.stdout)["diagnostics"]]
    assert rules == ["evidence-pending"] * len(pending)

    done, waiting = pending[0], pending[1]
    complete(files[done])
    for employer_id in (done, waiting):
        toggle(db, employer_id, "MijnLoket - Salaris berekenen")
    plan = run("plan", "--detailed-exitcode", "--format", "json")
    assert plan.exit_code == ExitCode.CHANGES, plan.output
    steps = steps_of(plan)
    assert steps[done] and not any(s["blocked"] for s in steps[done])
    assert steps[waiting] and all("evidence" in str(s["blocked"]) for s in steps[waiting])
    if applies_products:
        # --force: undoing the drift may be one deactivation of a handful of products,
        # more than the default 10% guard allows.
        applied = run("apply", "--auto-approve", "--force", "--target", done)
        assert applied.exit_code == 0, applied.output

    # A new employer appears live: --missing writes its file and leaves the others alone.
    before = {p: p.read_bytes() for p in imported.glob("*.yaml")}
    with Store.open(db) as store, store.write("test") as tx:
        tx.add_employer(
            "6f1d2c3b-4a5e-4f60-8b7c-1d2e3f4a5b6c", "Nieuwe Werkgever B.V.", employer_number=90_001
        )
        tx.activate("6f1d2c3b-4a5e-4f60-8b7c-1d2e3f4a5b6c", "Verlofregistratie")
    missing = run("import", "--missing")
    assert missing.exit_code == 0, missing.output
    assert "1 written" in missing.output
    assert {p: p.read_bytes() for p in before} == before
    assert len(list(imported.glob("*.yaml"))) == len(before) + 1

    # --update accepts the drift into the files, keeping evidence and comments.
    updated = run("import", "--update")
    assert updated.exit_code == 0, updated.output
    assert "+++ " in updated.output, "the diff is shown"
    done_text = files[done].read_text(encoding="utf-8")
    assert TICKET in done_text and NOTE in done_text and PENDING not in done_text
    assert PENDING in files[waiting].read_text(encoding="utf-8")
    again = run("import", "--update")
    assert again.exit_code == 0 and "0 updated" in again.output, again.output
    settled = run("plan", "--detailed-exitcode")
    assert settled.exit_code == 0, settled.output

    # --force rewrites from scratch, but never drops the evidence.
    forced = run("import", "--employer", done, "--force")
    assert forced.exit_code == 0, forced.output
    assert TICKET in files[done].read_text(encoding="utf-8")
    assert run("validate").exit_code == 0


def test_onboarding_on_the_sandbox(tmp_path: Path) -> None:
    repo, db, _ = seed_repo(tmp_path, employers=12, seed=21)
    configure(repo)
    onboard(repo, db, applies_products=True)


def test_onboarding_on_the_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with start_emulator(tmp_path, employers=12, seed=22) as started:
        authorize(started.server, started.repo)
        config = loket_config(started.server)
        provider = ["provider:", "  type: loket", f"  api_url: {config.api_url}"]
        budget = ["  requests_per_second: 10000", "  concurrency: 8"]
        configure(started.repo, [*provider, f"  oauth_url: {config.oauth_url}", *budget])
        onboard(started.repo, started.db, applies_products=False)


def test_update_leaves_an_unreadable_file_alone_and_says_why(
    tmp_path: Path,
) -> None:
    repo, _, _ = seed_repo(tmp_path, employers=4, seed=23)
    configure(repo)
    run = runner(repo)
    assert run("import", "--all").exit_code == 0
    path = next(iter(by_id(repo / "imported").values()))
    path.write_text("version: [\n", encoding="utf-8")
    result = run("import", "--update")
    assert result.exit_code == ExitCode.ERROR
    assert f"{path.relative_to(repo)}" in result.stderr and "fix the file first" in result.stderr
    assert path.read_text(encoding="utf-8") == "version: [\n", "an unreadable file stays"


@pytest.mark.parametrize(
    ("addendum", "says"),
    [
        ("  status: signed\n  evidence: pending\n", "signed_on and ticket to fill in"),
        ("  status: signed\n  signed_on: 2025-01-02\n  evidence: pending\n", "ticket to fill in"),
        (
            '  status: signed\n  signed_on: 2025-01-02\n  ticket: "LKT-1"\n  evidence: pending\n',
            "filled in but still marked pending",
        ),
        ("  status: none\n  evidence: pending\n", "is for a signed addendum"),
    ],
)
def test_evidence_pending_is_one_warning_instead_of_the_evidence_errors(
    tmp_path: Path, addendum: str, says: str
) -> None:
    from mijnloket_gitops.catalog import builtin_catalog
    from mijnloket_gitops.validate.runner import validate_paths

    mijnloket = "tier: start\nproducts:\n  - MijnLoket\n" if "signed" in addendum else ""
    path = tmp_path / "werkgever.yaml"
    path.write_text(
        "version: 1\nemployer_id: 0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10\nname: W\n"
        f"addendum:\n{addendum}{mijnloket}",
        encoding="utf-8",
    )
    result = validate_paths([path], builtin_catalog())
    (only,) = result.diagnostics
    assert (only.rule, only.severity) == ("evidence-pending", "warning")
    assert says in only.message and only.line == addendum.count("\n") + 4


def test_an_import_that_wrote_nothing_asks_nothing(tmp_path: Path) -> None:
    repo, _, _ = seed_repo(tmp_path, employers=4, seed=24)
    configure(repo)
    run = runner(repo)
    first = run("import", "--all")
    assert "Fill in addendum.signed_on" in first.output
    again = run("import", "--all")
    assert again.exit_code == ExitCode.ERROR, "existing files without --force"
    assert "0 written" in again.output
    assert "Fill in" not in again.output and "0 evidence gaps" in again.output
    (repo / "afile").write_text("x", encoding="utf-8")
    failed = run("import", "--all", "--output-dir", str(repo / "afile" / "employers"))
    assert failed.exit_code == ExitCode.ERROR and "0 written" in failed.output
    assert "cannot write" in failed.stderr
    assert "Fill in" not in failed.output and "0 evidence gaps" in failed.output


def test_missing_and_update_name_only_what_they_touch(tmp_path: Path) -> None:
    """In a portfolio of hundreds, a line per untouched employer buries the one file
    --missing wrote; the summary counts the others. A named --employer is still said."""
    repo, _, _ = seed_repo(tmp_path, employers=5, seed=25)
    configure(repo)
    run = runner(repo)
    assert run("import", "--all").exit_code == 0
    files = by_id(repo / "imported")
    gone_id, kept_id = sorted(files)[:2]
    files[gone_id].unlink()
    missing = run("import", "--missing")
    assert missing.exit_code == 0, missing.output
    per_file = [line for line in missing.stdout.splitlines() if UUID.search(line)]
    assert len(per_file) == 1 and gone_id in per_file[0], missing.stdout
    assert "has a file, left alone" not in missing.stdout
    assert " left alone, " in missing.stdout, "counted in the summary"
    updated = run("import", "--update")
    assert updated.exit_code == 0, updated.output
    assert not [line for line in updated.stdout.splitlines() if UUID.search(line)]
    assert " unchanged, " in updated.stdout, updated.stdout
    named = run("import", "--missing", "--employer", kept_id)
    assert "has a file, left alone" in named.stdout, named.stdout


def test_import_says_how_to_get_the_schema_its_modeline_names(tmp_path: Path) -> None:
    repo, _, _ = seed_repo(tmp_path, employers=2, seed=26)
    configure(repo)
    run = runner(repo)
    first = run("import", "--all")
    assert first.exit_code == 0, first.output
    assert "schemas/employer.schema.json, which does not exist yet" in first.stdout
    assert "`mijnloket-gitops schema --output-dir schemas`" in first.stdout
    assert run("schema", "--output-dir", "schemas").exit_code == 0
    (repo / "imported" / sorted((repo / "imported").glob("*.yaml"))[0].name).unlink()
    again = run("import", "--missing")
    assert again.exit_code == 0 and "1 written" in again.stdout, again.output
    assert "does not exist yet" not in again.stdout


def test_import_says_when_live_state_breaks_a_rule(tmp_path: Path) -> None:
    """A MijnLoket product live without MijnLoket gives a file that blocks its own plan;
    import says so with the rule (exit 1) instead of leaving it for the next plan."""
    repo, db, _ = seed_repo(tmp_path, employers=4, seed=27)
    configure(repo)
    with Store.open(db) as store:
        ids = [e.employer_id for e in store.employers()]
        live = store.live(ids)
    without = next(i for i in ids if "MijnLoket" not in live[i].products)
    toggle(db, without, "MijnLoket - Verzekeringen vergelijken")
    imported = runner(repo)("import", "--all")
    assert imported.exit_code == ExitCode.ERROR, imported.output
    assert "[requires-mijnloket]" in imported.stderr
    assert "Live state breaks these rules" in imported.stderr
    assert "evidence-pending" not in imported.stderr, "warnings are validate's to list"


def test_apply_holds_back_pending_evidence_without_a_work_order(tmp_path: Path) -> None:
    """After an onboarding import, a change in a file with `evidence: pending` is held
    back by the file itself: not a task for a person in Loket.nl (no work order, no exit
    4, nothing for --wait), while the completed files are applied."""
    repo, db, _ = seed_repo(tmp_path, employers=12, seed=21)
    configure(repo)
    run = runner(repo)
    assert run("import", "--all").exit_code == 0
    files = by_id(repo / "imported")
    pending = [i for i, p in files.items() if PENDING in p.read_text(encoding="utf-8")]
    done, held = pending[0], pending[1]
    complete(files[done])
    for employer_id in (done, held):
        toggle(db, employer_id, "MijnLoket - Salaris berekenen")

    applied = run("apply", "--auto-approve", "--force")
    assert applied.exit_code == 0, applied.output
    assert "held back until the addendum's evidence is filled in" in applied.output
    assert "(held: the file says evidence: pending)" in applied.output
    assert not list(repo.rglob("work-order.*")), "no task for a person in Loket.nl"
    plan = run("plan", "--format", "json")
    steps = steps_of(plan)
    assert not steps.get(done), "the completed file was applied"
    assert steps[held] and all("evidence" in str(s["blocked"]) for s in steps[held])
