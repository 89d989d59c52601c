"""import writes the whole live state: every user of every employer, with or without
rights, so that a later ``edit --to werkgevergebruiker`` finds them all (issue 21)."""

from __future__ import annotations

from pathlib import Path

from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import seed_repo
from tests.test_import import files_in, live_ids, run

RIGHT = "Raadplegen MijnLoket e-mailadres"


def live_users(db: Path) -> set[tuple[str, str, str]]:
    """(employer id, login, type) of every user live."""
    with Store.open(db) as store:
        live = store.live(live_ids(db))
    return {(e.employer_id, u.login, u.type) for e in live.values() for u in e.users.values()}


def file_users(directory: Path) -> set[tuple[str, str, str]]:
    found = set()
    for text in files_in(directory).values():
        data = load_text(text).data
        found |= {(data["employer_id"], u["login"], u["type"]) for u in data.get("users", [])}
    return found


def test_import_writes_users_without_rights(tmp_path: Path) -> None:
    repo, db, _ = seed_repo(tmp_path, employers=12, seed=3)
    live = live_users(db)
    with Store.open(db) as store:
        bare = [
            u for e in store.live(live_ids(db)).values() for u in e.users.values() if not u.rights
        ]
    assert bare, "the seed has users without rights"
    out = repo / "imported"
    result = run(repo, "import", "--all", "--output-dir", out)
    assert result.exit_code == 0, result.output
    assert file_users(out) == live
    # A campaign selects every werkgevergebruiker, not only those who hold a right.
    (repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\nemployers_dir: imported\n", encoding="utf-8"
    )
    granted = run(
        repo,
        "edit",
        "--grant",
        RIGHT,
        "--to",
        "werkgevergebruiker",
        "--where",
        "product = MijnLoket",
    )
    assert granted.exit_code == 0, granted.output
    portal = {
        load_text(t).data["employer_id"]
        for t in files_in(out).values()
        if "MijnLoket" in load_text(t).data.get("products", [])
    }
    wanted = {(e, login) for e, login, kind in live if kind == "werkgevergebruiker" and e in portal}
    holding = set()
    for text in files_in(out).values():
        data = load_text(text).data
        holding |= {
            (data["employer_id"], u["login"])
            for u in data.get("users", [])
            if u["type"] == "werkgevergebruiker" and RIGHT in u["rights"]
        }
    assert holding == wanted


def test_import_update_adds_users_who_appeared(tmp_path: Path) -> None:
    repo, db, _ = seed_repo(tmp_path, employers=4, seed=3)
    out = repo / "imported"
    assert run(repo, "import", "--all", "--output-dir", out).exit_code == 0
    employer_id = live_ids(db)[0]
    with Store.open(db) as store, store.write("test") as tx:
        tx.add_user(employer_id, "nieuw@werkgever.example", "werkgevergebruiker")
    (repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\nemployers_dir: imported\n", encoding="utf-8"
    )
    updated = run(repo, "import", "--update")
    assert updated.exit_code == 0, updated.output
    assert "+  - login: nieuw@werkgever.example" in updated.stdout
    assert (employer_id, "nieuw@werkgever.example", "werkgevergebruiker") in file_users(out)
    assert "1 updated" in updated.stdout


def test_unknown_addendum_status_is_said_per_file_and_in_the_summary(tmp_path: Path) -> None:
    repo, _, _ = seed_repo(tmp_path, employers=12, seed=3)
    out = repo / "imported"
    result = run(repo, "import", "--all", "--output-dir", out)
    assert result.exit_code == 0, result.output
    unsigned = [name for name, text in files_in(out).items() if "status: none" in text]
    assert unsigned
    for name in unsigned:
        assert f"note: {out / name}: MijnLoket is off live" in result.stdout
    assert f"{len(unsigned)} addendum statuses unknown (MijnLoket off live)" in result.stdout


def test_users_whose_rights_cannot_be_read_are_listed_in_a_comment() -> None:
    """Listed with ``rights: []`` they would be planned as revocations on every run."""
    from mijnloket_gitops.catalog import builtin_catalog
    from mijnloket_gitops.onboard.draft import draft_employer
    from mijnloket_gitops.providers.base import LiveEmployer, LiveUser

    live = LiveEmployer(
        "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10",
        "Bakkerij B.V.",
        portal_available=True,
        products=frozenset({"MijnLoket"}),
        users={"hr@b.example": LiveUser("hr@b.example", "werkgevergebruiker")},
        rights_unread=frozenset({"werkgevergebruiker"}),
    )
    draft = draft_employer(live, builtin_catalog(), lambda kind: True, "loket")
    assert draft.employer.users == []
    assert "werkgevergebruiker" in draft.unobserved
    assert "  - hr@b.example" in draft.comments.before[("users",)]
    assert not draft.addendum_unknown
