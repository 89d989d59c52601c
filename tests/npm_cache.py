"""npm packages that a test needs, installed from the npm registry into a cache folder
on first use; the test skips, saying why, where node or npm is missing or the registry
cannot be reached (the project's own files install what its tests need)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.tools import need

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mijnloket-gitops-tests"


def npm_file(package: str, version: str, inside: str) -> Path:
    """``inside`` (a path below the package's folder) of ``package@version``."""
    npm = shutil.which("npm")
    need(
        shutil.which("node") and npm,
        f"node and npm (for {package}; Debian: apt-get install -y nodejs npm)",
    )
    assert npm is not None
    folder = CACHE / f"{package}-{version}"
    wanted = folder / "node_modules" / package / inside
    if not wanted.exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run(
                [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                 f"{package}@{version}"],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm install {package} timed out (no registry access?)")
        if done.returncode != 0 or not wanted.exists():
            pytest.skip(f"npm install {package} failed: {done.stderr.strip()[-300:]}")
    return wanted
