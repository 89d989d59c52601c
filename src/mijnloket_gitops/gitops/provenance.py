"""Which run made a saved plan, for which pull request and commit.

The privileged plan job writes ``run.json`` next to the plan it saved; the apply
workflow checks it after downloading the artifact, so a plan is applied only for the
pull request and head commit it was reviewed for, made by the run that was found.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mijnloket_gitops.errors import RefusedError

FILE_NAME = "run.json"


class ProvenanceError(RefusedError):
    """The plan artifact was not made for this merge: nothing is applied (exit 3)."""


@dataclass(frozen=True)
class Provenance:
    """Where a plan comes from."""

    pull_request: int
    head_sha: str
    run_id: int
    base_sha: str

    def write(self, folder: Path) -> Path:
        path = folder / FILE_NAME
        folder.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, folder: Path) -> Provenance:
        path = folder / FILE_NAME
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                int(data["pull_request"]),
                str(data["head_sha"]),
                int(data["run_id"]),
                str(data["base_sha"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            raise ProvenanceError(
                f"{path}: the plan artifact does not say which run made it (missing or "
                "unreadable run.json); nothing is applied"
            ) from None


def check(folder: Path, *, pull_request: int, head_sha: str, run_id: int) -> Provenance:
    """The artifact's provenance, if it matches; else ProvenanceError."""
    found = Provenance.read(folder)
    expected = {"pull request": pull_request, "head commit": head_sha, "run": run_id}
    actual = {"pull request": found.pull_request, "head commit": found.head_sha,
              "run": found.run_id}  # fmt: skip
    wrong = [f"{k} {actual[k]} (expected {v})" for k, v in expected.items() if actual[k] != v]
    if wrong:
        raise ProvenanceError(
            f"the plan artifact was made for {'; '.join(wrong)}; it is not the plan reviewed "
            "for this merge, so nothing is applied"
        )
    return found
