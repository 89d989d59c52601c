"""``init``: the files of a new configuration repository.

Everything comes from the package's templates (``templates/``, placeholders
``__ACTION__``, ``__SOURCE_URL__``, ``__REF__`` and ``__PIN:OWNER/NAME__`` for the
third-party actions of :mod:`.pins`) and the schema generators. The action itself is
written as ``OWNER/NAME@<commit> # <tag>`` when its commit is known (``--source
OWNER/NAME@<commit>``, or the tag resolved with ``git ls-remote``).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from mijnloket_gitops import __version__
from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.gitops.pins import pin_placeholders
from mijnloket_gitops.plan.render.plan_schema import plan_schema
from mijnloket_gitops.schema import SCHEMA_FILES, config_schema, employer_schema, render

DEFAULT_REPOSITORY = "mijnloket-gitops/mijnloket-gitops"
"""Where the action and the pre-commit hooks come from unless ``--source`` says."""

TEMPLATES = {
    "employers/example.yaml": "example-employer.yaml",
    "mijnloket-gitops.yaml": "mijnloket-gitops.yaml",
    ".github/workflows/mijnloket-pr.yml": "mijnloket-pr.yml",
    ".github/workflows/mijnloket-pr-plan.yml": "mijnloket-pr-plan.yml",
    ".github/workflows/mijnloket-apply.yml": "mijnloket-apply.yml",
    ".github/workflows/mijnloket-drift.yml": "mijnloket-drift.yml",
    # issue 23: the required check "mijnloket approvals", set again after each review
    ".github/workflows/mijnloket-review.yml": "mijnloket-review.yml",
    ".github/workflows/mijnloket-approvals.yml": "mijnloket-approvals.yml",
    ".github/dependabot.yml": "dependabot.yml",
    ".github/CODEOWNERS": "CODEOWNERS",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    ".vscode/settings.json": "vscode-settings.json",
    ".gitignore": "gitignore",
    "README.md": "README.md",
}
"""Destination in the new repository → template file (dot-less: package data globs
skip dot files)."""

_SOURCE = re.compile(r"(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:@(?P<ref>[A-Za-z0-9_./-]+))?")


_COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Source:
    """The GitHub repository (and ref) of mijnloket-gitops the new repository uses;
    ``commit`` is the ref's commit when known (the workflows then pin it)."""

    repository: str = DEFAULT_REPOSITORY
    ref: str = f"v{__version__}"
    commit: str | None = None

    @property
    def action(self) -> str:
        """The ``uses:`` value of the action (with the tag as a comment when pinned)."""
        if _COMMIT.fullmatch(self.ref):
            return f"{self.repository}@{self.ref}"
        if self.commit:
            return f"{self.repository}@{self.commit} # {self.ref}"
        return f"{self.repository}@{self.ref}"

    @property
    def pinned(self) -> bool:
        return bool(self.commit) or bool(_COMMIT.fullmatch(self.ref))

    @classmethod
    def parse(cls, text: str) -> Source:
        """``OWNER/NAME`` or ``OWNER/NAME@REF``."""
        match = _SOURCE.fullmatch(text.strip())
        if match is None:
            raise MijnloketError(f"--source must be OWNER/NAME or OWNER/NAME@REF, not {text!r}")
        return cls(match["repo"], match["ref"] or cls.ref)


RELEASE_COMMIT = "RELEASE_COMMIT"
"""A file in the package holding the commit its release was built from (the release
writes it before building: ``git rev-parse HEAD > src/mijnloket_gitops/RELEASE_COMMIT``),
so that ``init`` pins the default source without asking GitHub."""


def release_commit() -> str | None:
    """The commit this package was released from, if its metadata carries one."""
    try:
        text = (resources.files("mijnloket_gitops") / RELEASE_COMMIT).read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None
    commit = text.strip()
    return commit if _COMMIT.fullmatch(commit) else None


def resolve(source: Source, timeout: float = 20.0, base_url: str = "https://github.com") -> Source:
    """``source`` with the commit of its tag: this release's own for the default source
    when the package carries it (:func:`release_commit`), else asked of GitHub with
    ``git ls-remote``; unchanged when it is pinned already or the commit cannot be found
    (offline)."""
    if source.pinned:
        return source
    if source == Source() and (own := release_commit()) is not None:
        return replace(source, commit=own)
    url = f"{base_url}/{source.repository}"
    refs = [f"refs/tags/{source.ref}", f"refs/tags/{source.ref}^{{}}"]
    try:
        done = subprocess.run(
            ["git", "ls-remote", url, *refs],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return source
    found: dict[str, str] = {}
    for line in done.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        found[ref.strip()] = sha.strip()
    commit = found.get(refs[1]) or found.get(refs[0]) or ""
    return replace(source, commit=commit) if _COMMIT.fullmatch(commit) else source


GUARDED_PATHS = ("/.github/", "/.mijnloket/", "/mijnloket-gitops.yaml")
"""What ``.github/CODEOWNERS`` makes a code owner review: the workflows, the apply
state and the configuration."""


def codeowners(owners: tuple[str, ...]) -> str:
    """The CODEOWNERS lines for :data:`GUARDED_PATHS`: owned by ``owners``, or written
    commented out (with a placeholder to replace) when none were given."""
    if owners:
        return "\n".join(f"{path} {' '.join(owners)}" for path in GUARDED_PATHS)
    return "\n".join(f"# {path} @OWNER" for path in GUARDED_PATHS)


def template(name: str) -> str:
    """A template's text as shipped in the package."""
    return (resources.files("mijnloket_gitops.gitops") / "templates" / name).read_text("utf-8")


def rendered(name: str, source: Source, owners: tuple[str, ...] = ()) -> str:
    """A template with its placeholders filled in."""
    text = (
        template(name)
        .replace("__CODEOWNERS__", codeowners(owners))
        .replace("__ACTION__", source.action)
        .replace("__SOURCE_URL__", f"https://github.com/{source.repository}")
        .replace("__REF__", source.ref)
    )
    return pin_placeholders(text)


def scaffold_files(source: Source, owners: tuple[str, ...] = ()) -> dict[str, str]:
    """Every file ``init`` writes: relative path → content."""
    files = {path: rendered(name, source, owners) for path, name in TEMPLATES.items()}
    schemas = {
        "employer": employer_schema(builtin_catalog()),
        "config": config_schema(),
        "plan": plan_schema(),
    }
    for which, schema in schemas.items():
        files[f"schemas/{SCHEMA_FILES[which]}"] = render(schema)
    return files


MERGED = (".gitignore",)
"""Files whose missing lines ``init`` adds to an existing copy instead of skipping it."""


@dataclass(frozen=True)
class Writes:
    """What ``init`` does in a folder: write, merge into an existing file, or skip."""

    write: dict[str, str]
    merged: dict[str, str]
    skipped: tuple[str, ...]


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def merge_lines(existing: str, ours: str) -> str | None:
    """``existing`` with the entries of ``ours`` it lacks appended (with their comment
    lines); None when nothing is missing."""
    have = {line.strip() for line in existing.splitlines()}
    missing = [
        line for line in ours.splitlines() if line.strip() and not line.startswith("#")
        and line.strip() not in have
    ]  # fmt: skip
    if not missing:
        return None
    comments = [line for line in ours.splitlines() if line.startswith("#")]
    head = existing if existing.endswith("\n") or not existing else existing + "\n"
    return head + "\n" + "\n".join([*comments, *missing]) + "\n"


def plan_writes(root: Path, files: dict[str, str], force: bool = False) -> Writes:
    """Decide per file: new files are written; with ``force`` existing ones are
    overwritten, else .gitignore gets the missing lines and the rest is skipped."""
    write, merged, skipped = {}, {}, []
    for relative, content in sorted(files.items()):
        path = root / relative
        if not _exists(path) or (force and not path.is_symlink()):
            write[relative] = content
        elif relative in MERGED and path.is_file() and not path.is_symlink():
            combined = merge_lines(path.read_text(encoding="utf-8"), content)
            if combined is not None:
                merged[relative] = combined
        else:
            skipped.append(relative)
    return Writes(write, merged, tuple(skipped))


def write_files(root: Path, files: dict[str, str], *, overwrite: bool = False) -> None:
    """Write ``files`` under ``root`` (never through a symlink)."""
    for relative, content in sorted(files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w" if overwrite else "x", encoding="utf-8", newline="\n") as handle:
            handle.write(content)


def inside_git(directory: Path) -> bool:
    """Whether ``directory`` (or the nearest existing parent) is in a git work tree."""
    probe = directory
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"],
            cwd=probe,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return False
    return done.stdout.strip() == "true"
