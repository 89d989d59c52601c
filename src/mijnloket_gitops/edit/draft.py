"""An employer file being edited: its data plus its comments, kept in step.

Comments are attached to paths of the data (:mod:`mijnloket_gitops.files.comments`),
so removing a list item or a key must move the paths of what follows it. Additions
need nothing: a new list item gets the next index and a new key its own name, and
the canonical writer puts both in their place.

What a removal does to comments: the lines above a removed key or item move to the
next one (or close the collection if it was the last); a comment on the removed
line itself (``- Verlofregistratie  # for Verlofaanvragen``) is about what was
removed and goes with it, and is reported in :attr:`Draft.dropped`, never lost
silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from mijnloket_gitops.files.comments import Comments
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.files.positions import PathKey

V = TypeVar("V")
_KEY_ORDER = tuple(EmployerFile.model_fields)


@dataclass
class Draft:
    """Mutable data and comments of one file; ``notes`` say what changed."""

    data: dict[str, Any]
    comments: Comments
    notes: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def products(self) -> list[str]:
        products: list[str] = self.data.setdefault("products", [])
        return products

    def users(self) -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = self.data.get("users") or []
        return users

    def remove_item(self, list_path: PathKey, index: int) -> None:
        """Delete item ``index`` of the list at ``list_path``."""
        container: list[Any] = self._at(list_path)
        del container[index]
        removed = (*list_path, index)
        following = (*list_path, index) if index < len(container) else None
        self._rekey(removed, following, list_path, lambda p: _shift(p, list_path, index))

    def remove_key(self, parent: PathKey, key: str) -> None:
        """Delete ``key`` from the mapping at ``parent``."""
        mapping: dict[str, Any] = self._at(parent)
        del mapping[key]
        later = (
            [k for k in _KEY_ORDER[_KEY_ORDER.index(key) + 1 :] if k in mapping]
            if (not parent and key in _KEY_ORDER)
            else []
        )
        following = (*parent, later[0]) if later else None
        self._rekey((*parent, key), following, parent, lambda p: p)

    def _at(self, path: PathKey) -> Any:
        value: Any = self.data
        for step in path:
            value = value[step]
        return value

    def _rekey(
        self,
        removed: PathKey,
        following: PathKey | None,
        container: PathKey,
        move: Any,
    ) -> None:
        c = self.comments
        size = len(removed)
        above = c.before.pop(removed, [])
        for table in (c.before, c.eol, c.after):
            for path in [p for p in table if p[:size] == removed]:
                value = table.pop(path)
                self.dropped.extend(value if isinstance(value, list) else [value])
        for path in [p for p in c.columns if p[:size] == removed]:
            del c.columns[path]
        c.before = _moved(c.before, move)
        c.eol = _moved(c.eol, move)
        c.columns = _moved(c.columns, move)
        c.after = _moved(c.after, move)
        above = [line for line in above if line]  # a blank line does not need keeping
        if above:
            if following is not None:
                c.before[following] = [*above, *c.before.get(following, [])]
            else:
                c.after[container] = [*c.after.get(container, []), *above]
        self.dropped[:] = [line for line in self.dropped if line]


def _shift(path: PathKey, list_path: PathKey, index: int) -> PathKey:
    size = len(list_path)
    if len(path) > size and path[:size] == list_path:
        position = path[size]
        if isinstance(position, int) and position > index:
            return (*list_path, position - 1, *path[size + 1 :])
    return path


def _moved(table: dict[PathKey, V], move: Any) -> dict[PathKey, V]:
    return {move(path): value for path, value in table.items()}
