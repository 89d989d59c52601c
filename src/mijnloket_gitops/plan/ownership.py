"""Who manages which employer: files now, files at the base ref, live employers.

A live employer without a file is *unmanaged* and never touched. Deleting a file
therefore stops managing an employer without changing anything live, which a
reviewer could mistake for an offboarding; so the plan compares the files with those
at a base ref (``--base``, else ``--changed-since``, else the pull request's base
branch in GitHub Actions, else ``HEAD``) and lists employers *newly unmanaged since
BASE* prominently, and a file that takes over an employer nobody managed at BASE.
The repository's ``ownership`` policy decides whether either is only shown or refused.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_ID_LINES = re.compile(
    r"""^employer_id:[ \t]*["']?([0-9a-fA-F-]{36})["']?[ \t]*(?:#[^\n]*)?\r?$""", re.M
)
_ID_LINE = re.compile(r"""^employer_id:\s*["']?([0-9a-fA-F-]{36})["']?\s*(#.*)?$""")


@dataclass(frozen=True)
class Base:
    """The employer files at the base ref: employer id (lower case) to path; with
    ``last_apply`` (issue 22) also those the last completed full apply managed."""

    ref: str | None
    managed: dict[str, str]
    last_apply: str | None = None
    """When the last completed full apply ran, where its employers are included."""


def since(meta: Mapping[str, Any]) -> str:
    """What a plan's ownership was compared with, in words: the base ref, the last
    apply, or both."""
    parts = []
    if meta.get("base_ref"):
        parts.append(str(meta["base_ref"]))
    if meta.get("last_apply"):
        parts.append(f"the last apply ({meta['last_apply']})")
    return " and ".join(parts) or "the base ref"


def with_last_apply(base: Base | None, last: Mapping[str, str] | None, when: str) -> Base | None:
    """``base`` plus the employers the last completed full apply managed (``last``:
    employer id to path), so a file removed since then counts as removed even once
    its removal is committed."""
    if last is None:
        return base
    managed = {employer_id.lower(): path for employer_id, path in last.items()}
    if base is None:
        return Base(None, managed, when)
    return Base(base.ref, {**managed, **base.managed}, when)


def default_base_ref(changed_since: str | None) -> str:
    """``--changed-since``, else the pull request's base branch in CI, else HEAD."""
    if changed_since:
        return changed_since
    pull_request_base = os.environ.get("GITHUB_BASE_REF")
    if pull_request_base:
        return f"origin/{pull_request_base}"
    return "HEAD"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None


def read_base(root: Path, employers_dir: str, ref: str) -> Base | None:
    """The employer ids the files at ``ref`` manage, or None when there is no such ref
    (not a git repository, a shallow clone without it, a typo)."""
    resolved = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if resolved is None or resolved.returncode != 0:
        return None
    commit = resolved.stdout.strip()
    found = _git(root, "grep", "-z", "-I", "-E", "^employer_id:", commit, "--", employers_dir)
    if found is None or found.returncode not in (0, 1):  # 1: no match
        return None
    managed: dict[str, str] = {}
    for line in found.stdout.splitlines():
        where, _, text = line.partition("\0")
        match = _ID_LINE.match(text.strip())
        if match:
            path = where.removeprefix(f"{commit}:")
            managed.setdefault(match.group(1).lower(), path)
    return Base(ref, managed)


def ids_in_text(text: str) -> set[str]:
    """The employer ids a file's text names on an ``employer_id:`` line (lower case);
    for files too broken to load, so their employer is not taken as unmanaged."""
    return {found.lower() for found in _ID_LINES.findall(text)}
