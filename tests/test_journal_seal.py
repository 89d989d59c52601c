"""Apply journal sets are sealed (HMAC, keyed by a secret of the ``loket``
environment) before upload and checked when restored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from mijnloket_gitops.errors import ConfigError, RefusedError
from mijnloket_gitops.gitops import journal_seal
from mijnloket_gitops.gitops.scaffold import Source, rendered

KEY = b"k" * 32


def _journals(folder: Path) -> Path:
    folder.mkdir()
    (folder / "20261129T200000.000Z-1.jsonl").write_text('{"event": "plan-completed"}\n')
    (folder / "20261130T200000.000Z-2.jsonl").write_text('{"event": "started"}\n')
    return folder


def test_a_sealed_set_checks_out(tmp_path: Path) -> None:
    folder = _journals(tmp_path / "j")
    journal_seal.seal(folder, KEY)
    journal_seal.check(folder, KEY)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda f: (f / "20261129T200000.000Z-1.jsonl").unlink(),  # hide a completed plan
        lambda f: (f / "20261129T200000.000Z-1.jsonl").write_text("{}\n"),
        lambda f: (f / "extra.jsonl").write_text("{}\n"),
        lambda f: (f / journal_seal.SEAL).unlink(),
    ],
)
def test_a_changed_set_is_refused(tmp_path: Path, tamper: Callable[[Path], object]) -> None:
    """Restore trusted any artifact of the right run: one changed or uploaded in its
    place could hide a completed plan and get it applied a second time."""
    folder = _journals(tmp_path / "j")
    journal_seal.seal(folder, KEY)
    tamper(folder)
    with pytest.raises(RefusedError, match="not used and nothing was applied"):
        journal_seal.check(folder, KEY)


def test_another_key_is_refused(tmp_path: Path) -> None:
    folder = _journals(tmp_path / "j")
    journal_seal.seal(folder, KEY)
    with pytest.raises(RefusedError, match="does not match"):
        journal_seal.check(folder, b"x" * 32)


def test_the_key_must_be_set_and_long(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MIJNLOKET_JOURNAL_KEY is not set"):
        journal_seal.journal_key({})
    with pytest.raises(ConfigError, match="too short"):
        journal_seal.journal_key({"MIJNLOKET_JOURNAL_KEY": "short"})


def test_cli_seals_and_checks(
    tmp_path: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _journals(tmp_path / "j")
    monkeypatch.setenv("MIJNLOKET_JOURNAL_KEY", KEY.decode())
    assert run_cli("github", "seal-journals", "--dir", folder).exit_code == 0
    assert run_cli("github", "check-journals", "--dir", folder).exit_code == 0
    (folder / "20261129T200000.000Z-1.jsonl").unlink()
    refused = run_cli("github", "check-journals", "--dir", folder)
    assert refused.exit_code == 3 and "does not match" in refused.output


def test_the_apply_workflow_checks_before_use_and_seals_before_upload() -> None:
    steps = yaml.safe_load(rendered("mijnloket-apply.yml", Source()))["jobs"]["apply"]["steps"]
    names = [step.get("name", "") for step in steps]
    restore = names.index("Restore the journals of the previous apply")
    check = names.index("Check the seal of the restored journals")
    prune = names.index("Drop journals older than their retention")
    apply = names.index("Apply the plan")
    sealed = names.index("Seal the apply journals")
    upload = names.index("Keep the apply journals")
    assert restore < check < prune < apply < sealed < upload
    assert "secrets.MIJNLOKET_JOURNAL_KEY" in str(steps[check]["env"])
    assert "steps.seal.outcome == 'success'" in steps[upload]["if"]
