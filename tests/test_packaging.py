"""A package people can depend on: SPDX license with its file, classifiers, project
URLs, a changelog entry for this version, a README that renders on a package index,
and sdist and wheel (built as a release would be) holding catalog, schemas, templates."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
VERSION = PROJECT["version"]
PACKAGE_DATA = [
    "mijnloket_gitops/catalog/builtin.yaml",
    "mijnloket_gitops/py.typed",
    *(f"mijnloket_gitops/schemas/{n}.schema.json" for n in ("employer", "config", "plan")),
    *(
        f"mijnloket_gitops/gitops/templates/{p.name}"
        for p in (ROOT / "src" / "mijnloket_gitops" / "gitops" / "templates").iterdir()
    ),
]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)")


def test_metadata_is_complete() -> None:
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    classifiers = PROJECT["classifiers"]
    assert not any(c.startswith("License ::") for c in classifiers), "SPDX replaces these"
    assert "Typing :: Typed" in classifiers
    assert {"Homepage", "Repository", "Issues", "Changelog"} <= set(PROJECT["urls"])
    assert all(url.startswith("https://") for url in PROJECT["urls"].values())


def test_changelog_has_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(VERSION)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)


def test_readme_links_are_absolute() -> None:
    """A package index shows the README out of the repository: relative links break."""
    links = LINK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert links, "the README links somewhere"
    relative = [link for link in links if not link.startswith(("https://", "#"))]
    assert not relative


@pytest.mark.slow
def test_sdist_and_wheel_hold_catalog_schemas_and_templates(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (wheel,) = tmp_path.glob("*.whl")
    (sdist,) = tmp_path.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(
            archive.read(f"mijnloket_gitops-{VERSION}.dist-info/METADATA").decode()
        )
        for name in ("employer", "config", "plan"):
            shipped = archive.read(f"mijnloket_gitops/schemas/{name}.schema.json")
            assert shipped == (ROOT / "schemas" / f"{name}.schema.json").read_bytes()
    assert set(PACKAGE_DATA) <= names, sorted(set(PACKAGE_DATA) - names)
    assert f"mijnloket_gitops-{VERSION}.dist-info/licenses/LICENSE" in names
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "Changelog, https://" in " ".join(metadata.get_all("Project-URL") or [])
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1]: m for m in archive.getmembers() if "/" in m.name}
    for name in ("LICENSE", "CHANGELOG.md", "schemas/employer.schema.json"):
        assert name in members, name
    for name in PACKAGE_DATA:
        member = members[f"src/{name}"]
        assert member.isfile(), f"{name} must be a file in the sdist, not a link"
