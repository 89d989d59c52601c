"""The third-party actions the scaffolded workflows use, pinned to commits.

A tag can be moved to other code; a commit cannot. ``init`` writes every ``uses:`` as
``OWNER/NAME@<40-hex commit> # vX.Y.Z``: the comment is what Dependabot's
``github-actions`` updates read and bump together with the commit. The commits are
the release tags' commits (``git ls-remote https://github.com/OWNER/NAME
refs/tags/vX.Y.Z^{}``); ``tests/test_pins.py`` keeps this table, the templates,
``action.yml`` and this repository's workflows consistent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pin:
    commit: str
    tag: str

    def uses(self, action: str) -> str:
        return f"{action}@{self.commit} # {self.tag}"


ACTIONS: dict[str, Pin] = {
    "actions/checkout": Pin("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": Pin("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/upload-artifact": Pin("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": Pin("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "actions/create-github-app-token": Pin("1b10c78c7865c340bc4f6099eb2f838309f1e8c3", "v3.1.1"),
    "github/codeql-action/upload-sarif": Pin("8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
}

PLACEHOLDER = re.compile(r"__PIN:(?P<action>[A-Za-z0-9_./-]+)__")
"""In a template: ``uses: __PIN:actions/checkout__`` (the rest of the line is the
pin's comment, so nothing may follow it)."""


def pin_placeholders(text: str) -> str:
    """``text`` with every ``__PIN:OWNER/NAME__`` replaced by its pinned reference."""
    return PLACEHOLDER.sub(lambda m: ACTIONS[m["action"]].uses(m["action"]), text)
