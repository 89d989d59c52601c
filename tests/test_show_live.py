"""``show EMPLOYER --live``: one employer's live state in the file format (YAML) and as
JSON, for every provider: the sandbox and Loket.nl (its emulator) (issue 21)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import SeededEmulator
from tests.loket_emulated import ENV, authorize, loket_config
from tests.test_import import run

pytest_plugins = ("tests.emulator_fixtures",)

EXAMPLES = Path(__file__).resolve().parent.parent / "employers"
BAKKERIJ = "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "employers")
    (repo / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    assert run(repo, "sandbox", "seed", "--reset").exit_code == 0
    with Store.open(repo / ".mijnloket" / "sandbox.sqlite") as store, store.write("t") as tx:
        tx.activate(BAKKERIJ, "Verlofregistratie")  # drift: live differs from the file
    return repo


@pytest.mark.parametrize(
    "target",
    [BAKKERIJ, "employers/bakkerij-de-vries.yaml", "bakkerij-de-vries", "BAKKERIJ DE VRIES B.V."],
)
def test_sandbox_yaml_in_the_file_format(
    repo: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    result = run(repo, "show", target, "--live")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Live state of Bakkerij De Vries B.V. in ")
    employer = EmployerFile.model_validate(load_text(result.stdout).data)
    assert employer.employer_id == BAKKERIJ
    assert "Verlofregistratie" in employer.products
    assert employer.users and all(u.login for u in employer.users)
    assert (
        not (repo / "employers" / "bakkerij-de-vries.yaml").read_text().count("Verlofregistratie")
    ), "nothing is written"


def test_sandbox_json_and_errors(repo: Path) -> None:
    result = run(repo, "show", BAKKERIJ, "--live", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["provider"] == "sandbox"
    assert data["file"]["employer_id"] == BAKKERIJ
    assert "Verlofregistratie" in data["live"]["products"]
    unknown = run(repo, "show", "nobody", "--live")
    assert unknown.exit_code == 1 and "no employer 'nobody'" in unknown.output
    missing = run(repo, "show", "00000000-0000-4000-8000-000000000000", "--live")
    assert missing.exit_code == 1 and "no employer with id 00000000" in missing.output
    assert run(repo, "show", BAKKERIJ, "--live", "--format", "markdown").exit_code == 64


def test_loket_through_the_emulator(
    emulator: SeededEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    authorize(emulator.server, emulator.repo)
    config = loket_config(emulator.server)
    (emulator.repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\nprovider:\n  type: loket\n"
        f"  api_url: {config.api_url}\n  oauth_url: {config.oauth_url}\n",
        encoding="utf-8",
    )
    path, employer = emulator.employers[0]
    result = run(emulator.repo, "show", path, "--live")
    assert result.exit_code == 0, result.output
    shown = EmployerFile.model_validate(load_text(result.stdout).data)
    assert shown.employer_id == employer.employer_id
    assert set(shown.products) == set(employer.products)
    assert "(loket provider)" in result.stdout
    as_json = run(emulator.repo, "show", employer.employer_id, "--live", "--format", "json")
    assert json.loads(as_json.stdout)["provider"] == "loket"
