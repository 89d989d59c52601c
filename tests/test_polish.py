"""Smaller findings of the operator's first week, each with its test."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.sandbox.drift import LiveDraft, grant, revoke

RunCli = Callable[..., Result]
EXAMPLES = Path(__file__).resolve().parent.parent / "employers"
RIGHT = "Raadplegen MijnLoket e-mailadres"


def test_seed_drift_never_grants_and_revokes_the_same_right_of_one_user(catalog: Catalog) -> None:
    employer = EmployerFile.model_validate(
        {
            "version": 1,
            "employer_id": "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10",
            "name": "Bakkerij",
            "addendum": {"status": "signed", "signed_on": "2025-01-01", "ticket": "LKT-1"},
            "tier": "start",
            "products": ["MijnLoket"],
            "users": [{"login": "hr@bakkerij.nl", "type": "werkgevergebruiker", "rights": [RIGHT]}],
        }
    )
    for seed in range(20):
        draft = LiveDraft.from_file(employer)
        granted = grant(catalog, draft, random.Random(seed))
        revoked = revoke(catalog, draft, random.Random(seed))
        assert granted and revoked
        assert "hr@bakkerij.nl" in granted and "hr@bakkerij.nl" not in revoked
        assert RIGHT not in draft.rights["hr@bakkerij.nl"], "the grant drift stands"


def test_a_corrupt_sandbox_names_the_way_out(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    (tmp_path / ".mijnloket").mkdir()
    (tmp_path / ".mijnloket" / "sandbox.sqlite").write_text("garbage", encoding="utf-8")
    planned = run_cli("-C", tmp_path, "plan")
    assert planned.exit_code == ExitCode.ERROR
    assert "`mijnloket-gitops sandbox seed --reset`" in planned.stderr
    assert run_cli("-C", tmp_path, "sandbox", "seed", "--reset").exit_code == 0
    assert run_cli("-C", tmp_path, "plan").exit_code == 0


def test_explain_says_requires(run_cli: RunCli) -> None:
    result = run_cli("explain", EXAMPLES / "bakkerij-de-vries.yaml")
    assert "requires: " in result.output and "pulls in" not in result.output
