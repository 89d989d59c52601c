"""``init``: the files of a new configuration repository.

Everything comes from the package's templates (``templates/``, placeholders
``__ACTION__``, ``__SOURCE_URL__``, ``__REF__``) and the schema generators. Nothing
is written when any of the files already exists: :func:`conflicts` lists them first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mijnloket_gitops import __version__
from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.plan.render.plan_schema import plan_schema
from mijnloket_gitops.schema import SCHEMA_FILES, config_schema, employer_schema, render

DEFAULT_REPOSITORY = "mijnloket-gitops/mijnloket-gitops"
"""Where the action and the pre-commit hooks come from unless ``--source`` says."""

TEMPLATES = {
    "employers/example.yaml": "example-employer.yaml",
    "mijnloket-gitops.yaml": "mijnloket-gitops.yaml",
    ".github/workflows/mijnloket-pr.yml": "mijnloket-pr.yml",
    ".github/workflows/mijnloket-apply.yml": "mijnloket-apply.yml",
    ".github/workflows/mijnloket-drift.yml": "mijnloket-drift.yml",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    ".vscode/settings.json": "vscode-settings.json",
    ".gitignore": "gitignore",
    "README.md": "README.md",
}
"""Destination in the new repository → template file (dot-less: package data globs
skip dot files)."""

_SOURCE = re.compile(r"(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:@(?P<ref>[A-Za-z0-9_./-]+))?")


@dataclass(frozen=True)
class Source:
    """The GitHub repository (and ref) of mijnloket-gitops the new repository uses."""

    repository: str = DEFAULT_REPOSITORY
    ref: str = f"v{__version__}"

    @classmethod
    def parse(cls, text: str) -> Source:
        """``OWNER/NAME`` or ``OWNER/NAME@REF``."""
        match = _SOURCE.fullmatch(text.strip())
        if match is None:
            raise MijnloketError(f"--source must be OWNER/NAME or OWNER/NAME@REF, not {text!r}")
        return cls(match["repo"], match["ref"] or cls.ref)


def template(name: str) -> str:
    """A template's text as shipped in the package."""
    return (resources.files("mijnloket_gitops.gitops") / "templates" / name).read_text("utf-8")


def rendered(name: str, source: Source) -> str:
    """A template with its placeholders filled in."""
    return (
        template(name)
        .replace("__ACTION__", f"{source.repository}@{source.ref}")
        .replace("__SOURCE_URL__", f"https://github.com/{source.repository}")
        .replace("__REF__", source.ref)
    )


def scaffold_files(source: Source) -> dict[str, str]:
    """Every file ``init`` writes: relative path → content."""
    files = {path: rendered(name, source) for path, name in TEMPLATES.items()}
    schemas = {
        "employer": employer_schema(builtin_catalog()),
        "config": config_schema(),
        "plan": plan_schema(),
    }
    for which, schema in schemas.items():
        files[f"schemas/{SCHEMA_FILES[which]}"] = render(schema)
    return files


def conflicts(root: Path, files: dict[str, str]) -> list[str]:
    """The files that already exist (or are in the way) under ``root``, sorted."""
    return sorted(p for p in files if (root / p).exists() or (root / p).is_symlink())


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` under ``root``; the caller checked :func:`conflicts` first."""
    for relative, content in sorted(files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
