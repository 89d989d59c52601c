"""``emulator serve --employers N --seed S``: the emulator filled with a generated
portfolio from the project's one generator, for a demo or a rehearsal (issue 21)."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.config import SafetyConfig
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.sandbox.portfolio import fill_portfolio
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.sandbox.synthetic import write_employers
from tests.emulator_fixtures import CLIENT_ID, CLIENT_SECRET, api_headers, emulator_process
from tests.test_emulator import invoke


def test_the_same_seed_gives_the_same_portfolio(tmp_path: Path) -> None:
    catalog = builtin_catalog()
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert fill_portfolio(first, 25, 7, catalog, SafetyConfig()) == 28  # and 3 unmanaged
    fill_portfolio(second, 25, 7, catalog, SafetyConfig())
    with Store.open(first) as a, Store.open(second) as b:
        assert a.employers() == b.employers()
        ids = [e.employer_id for e in a.employers()]
        assert a.live(ids) == b.live(ids)
    generated = write_employers(tmp_path / "files", catalog, 25, 7)
    expected = {load_text(p.read_text()).data["employer_id"].lower() for p in generated}
    assert expected <= set(ids), "the portfolio is the generator's"


def test_an_existing_database_is_never_replaced(tmp_path: Path) -> None:
    db = tmp_path / "mine.sqlite"
    db.write_bytes(b"precious")
    code, out = invoke("--db", str(db), "--employers", "5", env={"LOKET_CLIENT_SECRET": "s"})
    assert code == 1 and "already exists" in out and "Traceback" not in out
    assert db.read_bytes() == b"precious"


def test_serve_a_generated_portfolio(tmp_path: Path) -> None:
    with emulator_process(
        None, "--employers", "30", "--seed", "5", "--repo", str(tmp_path)
    ) as served:
        database = Path(served.banner[0].split()[-1])
        assert database.name == "portfolio.sqlite" and database.is_file()
        assert not (tmp_path / ".mijnloket").exists(), "the repository's sandbox is untouched"
        redirect = "http://127.0.0.1/cb"
        code = httpx.get(
            f"{served.oauth_url}/authorize",
            headers={"Accept": "application/json"},
            params={"client_id": CLIENT_ID, "redirect_uri": redirect, "response_type": "code"},
        ).json()["code"]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
        secret = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        tokens = httpx.post(f"{served.oauth_url}/token", data={**form, **secret}).json()
        headers = api_headers(tokens["access_token"])
        employers = httpx.get(f"{served.base_url}/providers/employers", headers=headers)
        assert employers.json()["totalSize"] == 33
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=10) == 0
        assert served.process.stderr is not None
        assert "Filled " in served.process.stderr.read()
    assert not database.parent.exists(), "the rehearsal's database goes with the emulator"
