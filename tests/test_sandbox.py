"""The sandbox: store, provider, seed and the ``sandbox`` commands."""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.config import SafetyConfig, load_settings
from mijnloket_gitops.errors import ExitCode, ProviderError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.build import make_plan
from mijnloket_gitops.providers.base import Action, LiveUser, Step
from mijnloket_gitops.providers.registry import open_provider
from mijnloket_gitops.providers.sandbox import SandboxProvider
from mijnloket_gitops.sandbox.db import SCHEMA_VERSION, SandboxError
from mijnloket_gitops.sandbox.drift import consistent
from mijnloket_gitops.sandbox.seed import create_seeded, seed_state
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.sandbox.synthetic import write_employers
from mijnloket_gitops.validate.runner import validate_paths
from tests.sandbox_helpers import diff

CATALOG = builtin_catalog()
BUNDLED = Path(__file__).resolve().parents[1] / "employers"
EID = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"
OTHER = "7e1b4c58-92d0-4a3f-b6e7-3f8a0d5c2b19"
RIGHT = "Raadplegen MijnLoket e-mailadres"
AK = "j.jansen@kantoor.nl"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store with two employers: one whose portal is available, one without."""
    with Store.create(tmp_path / "sandbox.sqlite") as opened:
        with opened.write("test", record=False) as tx:
            tx.module_id("MijnLoket", "addendum")
            tx.add_employer(EID, "Bakkerij De Vries B.V.", portal_available=True)
            tx.add_employer(OTHER, "ICT Partners Utrecht B.V.")
            tx.add_user(EID, "P.Bakker@Bakkerij.nl", "werkgevergebruiker")
            tx.add_user(EID, AK, "ak-gebruiker")
        yield opened


@pytest.fixture
def provider(store: Store) -> SandboxProvider:
    return SandboxProvider(store, CATALOG)


def activate(product: str, employer_id: str = EID) -> Step:
    return Step(employer_id, Action.ACTIVATE, product=product)


def grant(login: str, employer_id: str = EID, action: Action = Action.GRANT) -> Step:
    return Step(employer_id, action, right=RIGHT, login=login, user_type="werkgevergebruiker")


def dump(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return list(conn.iterdump())


# --- the store ---------------------------------------------------------------------------


def test_round_trip(store: Store) -> None:
    with store.write("test") as tx:
        tx.activate(EID, "MijnLoket")
        tx.activate(EID, "Workflow editor")
        tx.grant(EID, "p.bakker@bakkerij.nl", RIGHT)
    asked = EID.upper()
    live = store.live([asked, OTHER, "00000000-0000-4000-8000-000000000000"])
    assert set(live) == {asked, OTHER}
    bakkerij = live[asked]
    assert bakkerij.employer_id == EID
    assert bakkerij.portal_available
    assert bakkerij.products == {"MijnLoket", "Workflow editor"}
    assert bakkerij.user("P.BAKKER@bakkerij.nl") == LiveUser(
        "P.Bakker@Bakkerij.nl", "werkgevergebruiker", frozenset({RIGHT})
    )
    assert bakkerij.user(AK) == LiveUser(AK, "ak-gebruiker", frozenset())
    assert live[OTHER].products == frozenset() and not live[OTHER].users
    assert [e.company_name for e in store.employers()] == [
        "Bakkerij De Vries B.V.",
        "ICT Partners Utrecht B.V.",
    ]
    assert store.find("ict")[0].employer_id == OTHER
    assert store.find(EID.upper())[0].company_name == "Bakkerij De Vries B.V."


def test_module_ids_are_stable(store: Store) -> None:
    with store.write("test") as tx:
        first = tx.module_id("Workflow editor")
        tx.activate(EID, "Workflow editor")
        tx.deactivate(EID, "Workflow editor")
        tx.activate(EID, "Workflow editor")
        assert tx.module_id("Workflow editor") == first
        assert tx.module_id("Iets nieuws") == first + 1
    assert [(m.id, m.name) for m in store.modules(EID)] == [(first, "Workflow editor")]
    assert store.modules()[0].gate == "addendum"


def test_revision_and_change_log_count_real_changes(store: Store) -> None:
    before = store.employer(EID)
    assert before is not None
    with store.write("test") as tx:
        assert tx.activate(EID, "Workflow editor")
        assert not tx.activate(EID, "Workflow editor")
    after = store.employer(EID)
    assert after is not None and after.revision == before.revision + 1
    assert [(c.origin, c.action, c.subject) for c in store.changes()] == [
        ("test", "activate", "Workflow editor")
    ]


def test_live_reads_in_chunks(tmp_path: Path) -> None:
    with Store.create(tmp_path / "many.sqlite") as many:
        ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(1200)]
        with many.write("test") as tx:
            for i, employer_id in enumerate(ids):
                tx.add_employer(employer_id, f"Werkgever {i}")
        assert len(many.live(ids)) == 1200


def test_missing_database_says_how_to_seed(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="sandbox seed"):
        Store.open(tmp_path / "nope.sqlite")
    settings = load_settings(tmp_path)
    with pytest.raises(ProviderError, match="mijnloket-gitops sandbox seed"):
        open_provider(settings)


def test_foreign_and_outdated_databases_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SandboxError, match="not a usable sandbox"):
        Store.open(junk)
    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE x (y)")
    with pytest.raises(SandboxError, match="not a mijnloket-gitops sandbox"):
        Store.open(other)
    old = tmp_path / "old.sqlite"
    Store.create(old).close()
    with closing(sqlite3.connect(old)) as conn, conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(SandboxError, match="--reset"):
        Store.open(old)


def test_wal_mode(store: Store) -> None:
    with closing(sqlite3.connect(store.path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- the provider ------------------------------------------------------------------------


def test_registry_opens_the_sandbox(tmp_path: Path) -> None:
    (tmp_path / "mijnloket-gitops.yaml").write_text(
        "version: 1\nprovider:\n  type: sandbox\n  path: live/db.sqlite\n"
    )
    Store.create(tmp_path / "live" / "db.sqlite").close()
    with open_provider(load_settings(tmp_path)) as opened:
        assert opened.name == "sandbox"
        assert opened.target.endswith("db.sqlite")
        assert opened.list_employers() == []


def test_perform_is_idempotent(provider: SandboxProvider, store: Store) -> None:
    steps = [
        activate("MijnLoket"),
        activate("Workflow editor"),
        grant("p.bakker@bakkerij.nl"),
        Step(EID, Action.GRANT, right=RIGHT, login=AK, user_type="ak-gebruiker"),
    ]
    assert all(provider.can_perform(s) for s in steps)
    for step in steps + steps:
        provider.perform(step)
    live = provider.read_employers([EID])[EID]
    assert live.products == {"MijnLoket", "Workflow editor"}
    assert all(u.rights == {RIGHT} for u in live.users.values())
    assert len(store.changes()) == len(steps)
    undo = [
        Step(EID, Action.DEACTIVATE, product="Workflow editor"),
        grant("p.bakker@bakkerij.nl", action=Action.REVOKE),
        Step(EID, Action.REVOKE, right=RIGHT, login="nobody@x.nl"),
    ]
    for step in undo + undo:
        provider.perform(step)
    live = provider.read_employers([EID])[EID]
    assert live.products == {"MijnLoket"}
    assert live.user("p.bakker@bakkerij.nl") == LiveUser(
        "P.Bakker@Bakkerij.nl", "werkgevergebruiker"
    )
    assert len(store.changes()) == len(steps) + 2


def test_portal_gate(provider: SandboxProvider, store: Store) -> None:
    with pytest.raises(ProviderError, match="addendum has been processed"):
        provider.perform(activate("MijnLoket", OTHER))
    assert provider.read_employers([OTHER])[OTHER].products == frozenset()
    assert store.changes() == []
    with store.write("test") as tx:
        tx.set_portal_available(OTHER, True)
    provider.perform(activate("MijnLoket", OTHER))
    assert provider.read_employers([OTHER])[OTHER].products == {"MijnLoket"}


def test_rights_need_existing_users(provider: SandboxProvider) -> None:
    with pytest.raises(ProviderError, match="does not exist"):
        provider.perform(grant("nobody@bakkerij.nl"))
    with pytest.raises(ProviderError, match="does not belong"):
        provider.perform(grant("p.bakker@bakkerij.nl", employer_id=OTHER))
    with pytest.raises(ProviderError, match="not a werkgevergebruiker"):
        provider.perform(grant(AK))
    with pytest.raises(ProviderError, match="does not exist in the sandbox"):
        provider.perform(activate("MijnLoket", "00000000-0000-4000-8000-000000000000"))
    # an ak-gebruiker serves every employer of the provider: a grant gives access
    provider.perform(Step(OTHER, Action.GRANT, right=RIGHT, login=AK, user_type="ak-gebruiker"))
    assert provider.read_employers([OTHER])[OTHER].user(AK) == LiveUser(
        AK, "ak-gebruiker", frozenset({RIGHT})
    )


def test_failed_transaction_writes_nothing(store: Store) -> None:
    before = dump(store.path)
    with pytest.raises(RuntimeError), store.write("test") as tx:
        tx.activate(EID, "Workflow editor")
        tx.grant(EID, AK, RIGHT)
        raise RuntimeError("crash")
    with pytest.raises(SandboxError), store.write("test") as tx:
        tx.activate(EID, "Preboarding")
        tx.activate(OTHER, "MijnLoket")  # refused: portal not available
    assert dump(store.path) == before
    assert store.live([EID])[EID].products == frozenset()


def test_killed_process_leaves_no_half_step(store: Store) -> None:
    code = (
        "import os\nfrom pathlib import Path\n"
        "from mijnloket_gitops.sandbox.store import Store\n"
        f"store = Store.open(Path({str(store.path)!r}))\n"
        "with store.write('apply') as tx:\n"
        f"    tx.activate({EID!r}, 'Workflow editor')\n"
        f"    tx.grant({EID!r}, {AK!r}, {RIGHT!r})\n"
        "    os._exit(9)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False)
    assert done.returncode == 9
    live = store.live([EID])[EID]
    assert live.products == frozenset() and live.user(AK) == LiveUser(AK, "ak-gebruiker")
    assert store.changes() == []
    with closing(sqlite3.connect(store.path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- the seed ----------------------------------------------------------------------------


def _employers(directory: Path) -> list[tuple[str, EmployerFile]]:
    result = validate_paths([directory], CATALOG)
    assert result.errors == 0, [d.message for d in result.diagnostics]
    return result.employers


def _repo(tmp_path: Path, count: int = 8, seed: int = 1) -> Path:
    """A configuration repository: the bundled examples, or generated files."""
    repo = tmp_path / "repo"
    if any(BUNDLED.glob("*.yaml")) and count == 8 and seed == 1:
        shutil.copytree(BUNDLED, repo / "employers")
    else:
        write_employers(repo / "employers", CATALOG, count, seed)
    return repo


SAFETIES = {
    "default": SafetyConfig(),
    "no-employer-limit": SafetyConfig(max_employer_share=None),
    "no-deactivations": SafetyConfig(max_deactivations=0),
    "strict": SafetyConfig(max_deactivation_share=0.01, max_employer_share=0.2),
}


@pytest.mark.parametrize("safety_name", sorted(SAFETIES))
@pytest.mark.parametrize(("count", "seed"), [(1, 3), (2, 4), (3, 5), (8, 1), (13, 6), (60, 7)])
def test_seed_stays_inside_the_guards(
    tmp_path: Path, count: int, seed: int, safety_name: str
) -> None:
    safety = SAFETIES[safety_name]
    employers = _employers(_repo(tmp_path, count, seed) / "employers")
    path = tmp_path / "sandbox.sqlite"
    state = seed_state(employers, CATALOG, safety)
    create_seeded(path, state, CATALOG, reset=False)
    with Store.open(path) as seeded:
        live = seeded.live([e.employer_id for _, e in employers])
        everyone = seeded.live([e.employer_id for e in seeded.employers()])
    files = [e for _, e in employers]
    found = diff(CATALOG, files, live)
    assert found.problems == []
    share = safety.max_employer_share
    assert share is None or found.touched <= math.floor(share * count + 1e-9)
    assert found.touched <= max(1, (count - 1) // 2), "most employers equal their files"
    assert found.deactivations <= 1
    if found.deactivations:
        assert found.deactivations / found.active <= safety.max_deactivation_share
        assert safety.max_deactivations is None or safety.max_deactivations >= 1
    for employer in everyone.values():
        assert consistent(CATALOG, employer.products), employer.name
    assert len(everyone) - len(live) == 3, "three unmanaged employers"


def test_seed_of_the_bundled_examples_is_interesting(tmp_path: Path) -> None:
    employers = _employers(_repo(tmp_path) / "employers")
    path = tmp_path / "sandbox.sqlite"
    create_seeded(path, seed_state(employers, CATALOG, SafetyConfig()), CATALOG, reset=False)
    with Store.open(path) as seeded:
        live = seeded.live([e.employer_id for _, e in employers])
    found = diff(CATALOG, [e for _, e in employers], live)
    assert found.problems == []
    assert found.activations and found.grants and found.revokes and found.upgrades
    assert found.deactivations == 1
    assert 0 < found.touched < len(employers) / 2


def test_first_plan_after_seed_passes_the_guards_and_converges(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    employers = _employers(repo / "employers")
    settings = load_settings(repo)
    state = seed_state(employers, CATALOG, settings.config.safety)
    create_seeded(repo / ".mijnloket" / "sandbox.sqlite", state, CATALOG, reset=False)
    with open_provider(settings) as opened:
        first = make_plan(settings, opened, employers)
        assert first.plan.violations == ()
        assert first.plan.changed
        for employer in first.plan.changed:
            for planned in employer.steps:
                opened.perform(planned.step)
        second = make_plan(settings, opened, employers)
        assert second.plan.changed == ()


def test_seed_is_deterministic(tmp_path: Path) -> None:
    employers = _employers(_repo(tmp_path, 25, 9) / "employers")
    for name in ("a.sqlite", "b.sqlite"):
        state = seed_state(employers, CATALOG, SafetyConfig())
        create_seeded(tmp_path / name, state, CATALOG, reset=False)
    assert dump(tmp_path / "a.sqlite") == dump(tmp_path / "b.sqlite")
    reordered = seed_state(list(reversed(employers)), CATALOG, SafetyConfig())
    original = seed_state(employers, CATALOG, SafetyConfig())
    assert sorted(reordered, key=lambda e: e.employer_id) == sorted(
        original, key=lambda e: e.employer_id
    )


def test_seed_shares_ak_gebruikers(tmp_path: Path) -> None:
    employers = _employers(_repo(tmp_path, 12, 2) / "employers")
    path = tmp_path / "sandbox.sqlite"
    create_seeded(path, seed_state(employers, CATALOG, SafetyConfig()), CATALOG, reset=False)
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT login_key, COUNT(*) FROM users GROUP BY login_key").fetchall()
    assert all(count == 1 for _, count in rows)
    logins = {u.login for _, e in employers for u in e.users if u.type == "ak-gebruiker"}
    assert logins <= {login for login, _ in rows}


# --- the commands ------------------------------------------------------------------------


def run(repo: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--repo", str(repo)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_seed_command(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, out, _ = run(repo, "sandbox", "seed")
    assert code == 0, out
    assert "unmanaged" in out and "differ live" in out
    assert (repo / ".mijnloket" / "sandbox.sqlite").is_file()
    code, _, err = run(repo, "sandbox", "seed")
    assert code == 1 and "--reset" in err
    code, _, _ = run(repo, "sandbox", "seed", "--reset")
    assert code == 0
    assert not list((repo / ".mijnloket").glob("*.seeding*"))


def test_seed_refuses_invalid_files(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 3, 1)
    (repo / "employers" / "broken.yaml").write_text("version: 1\nname: [\n")
    code, _, err = run(repo, "sandbox", "seed")
    assert code == 1
    assert "broken.yaml:" in err and "not seeding" in err
    assert not (repo / ".mijnloket" / "sandbox.sqlite").exists()


def test_show_command(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, out, err = run(repo, "sandbox", "show")
    assert code == 1 and "sandbox seed" in err
    run(repo, "sandbox", "seed")
    code, out, _ = run(repo, "sandbox", "show")
    assert code == 0 and "Garage Hoekstra B.V." in out
    code, out, _ = run(repo, "sandbox", "show", "bakkerij")
    assert code == 0 and "employer number" in out and "MijnLoket" in out
    code, out, _ = run(repo, "sandbox", "show", "--format", "json")
    data = json.loads(out)
    assert data["format_version"] == 1 and len(data["employers"]) == 11
    assert {"employer_id", "products", "users", "tier", "employer_number"} <= set(
        data["employers"][0]
    )
    code, _, err = run(repo, "sandbox", "show", "no such employer")
    assert code == 1 and "matches" in err


def test_set_command(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 3, 1)
    run(repo, "sandbox", "seed")
    with Store.open(repo / ".mijnloket" / "sandbox.sqlite") as seeded:
        eid = seeded.find("thuiszorg")[0].employer_id  # unmanaged, portal not available
    code, _, err = run(repo, "sandbox", "set", eid, "--activate", "MijnLoket - Assistnt")
    assert code == 1 and "did you mean 'MijnLoket - Assistent'" in err
    code, out, err = run(
        repo,
        "sandbox",
        "set",
        eid,
        "--portal-available",
        "--activate",
        "MijnLoket",
        "--activate",
        "MijnLoket - Documenten",
        "--add-user",
        "nieuw@werkgever.example:werkgevergebruiker",
        "--grant",
        f"{RIGHT}=nieuw@werkgever.example",
    )
    assert code == 0, err
    assert "~ MijnLoket available" in out and "+ MijnLoket - Documenten" in out
    assert "Documenten is active without one of Dossiervorming" in err  # allowed, but said
    code, out, _ = run(repo, "sandbox", "set", eid, "--activate", "MijnLoket")
    assert code == 0 and "(no change)" in out
    code, _, err = run(
        repo, "sandbox", "set", eid, "--no-portal-available", "--grant", f"{RIGHT}=nobody@x.nl"
    )
    assert code == 1 and "does not exist" in err
    with Store.open(repo / ".mijnloket" / "sandbox.sqlite") as seeded:
        live = seeded.live([eid])[eid]
        assert live.portal_available, "a failed set changes nothing"
        assert live.user("nieuw@werkgever.example") is not None
    code, _, err = run(repo, "sandbox", "set", "Werkgever", "--activate", "Preboarding")
    assert code == 1 and "use the id" in err
    code, _, err = run(repo, "sandbox", "set", eid, "--grant", "no-equals-sign")
    assert code == ExitCode.USAGE
    code, _, err = run(repo, "sandbox", "set", eid)
    assert code == ExitCode.USAGE and "nothing to change" in err
