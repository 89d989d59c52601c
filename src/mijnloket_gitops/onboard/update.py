"""Refresh an existing employer file from live state (``import --update``), keeping
everything live state cannot know.

Live state says which products are on, the tier that follows, and which rights the
users the provider can see hold. Everything else in the file is a person's: the name
as written, the addendum with its evidence, the users the provider cannot see (the
ak-gebruikers on Loket.nl), users kept with no rights, and every comment, each staying
with the key or list item it is about (products by name, users by login, rights by
name). ``import --force`` rewrites a file from scratch but keeps the addendum's
evidence the same way (:func:`keep_evidence`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.comments import Comments, extract_comments
from mijnloket_gitops.files.loader import Document, load_text
from mijnloket_gitops.files.positions import PathKey
from mijnloket_gitops.onboard.draft import Draft

_EVIDENCE = ("signed_on", "ticket")

Remap = Callable[[PathKey], PathKey | None]


class UpdateError(Exception):
    """The existing file cannot be refreshed (it does not read); nothing is written."""


def read_existing(text: str) -> Document:
    """The existing file, which must read cleanly as a mapping."""
    if text.startswith("\ufeff"):
        text = text[1:]
    doc = load_text(text)
    if doc.problems:
        problem = doc.problems[0]
        raise UpdateError(
            f"line {problem.mark.line}: {problem.message}; fix the file first (validate)"
        )
    if not isinstance(doc.data, dict):
        raise UpdateError("not a mapping of keys; fix the file first (validate)")
    return doc


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _index_map(old: list[Any], new: list[Any], key: Callable[[Any], Any]) -> dict[int, int]:
    """Old index -> new index of the items that stay (matched by ``key``)."""
    where = {key(item): i for i, item in enumerate(new)}
    return {i: where[key(item)] for i, item in enumerate(old) if key(item) in where}


def _login(user: Any) -> Any:
    login = user.get("login") if isinstance(user, dict) else None
    return login.casefold() if isinstance(login, str) else id(user)


def _merge_list(old: list[Any], live: list[Any]) -> list[Any]:
    """The live items: those already listed in their old order, then the new ones."""
    kept = [item for item in old if item in live]
    return kept + [item for item in live if item not in kept]


def _users(old: list[Any], draft: Draft) -> tuple[list[Any], dict[int, int], dict[int, Remap]]:
    live = {u.login.casefold(): list(u.rights) for u in draft.employer.users}
    live_types = {u.login.casefold(): u.type for u in draft.employer.users}
    users: list[Any] = []
    index: dict[int, int] = {}
    rights_maps: dict[int, Remap] = {}
    seen: set[str] = set()
    for i, user in enumerate(old):
        if not isinstance(user, dict):
            continue
        index[i] = len(users)
        login = user.get("login")
        folded = login.casefold() if isinstance(login, str) else None
        if folded is None or user.get("type") in draft.unobserved:
            users.append(user)  # the provider cannot see this user: the file knows best
            continue
        seen.add(folded)
        old_rights = _list(user.get("rights"))
        rights = _merge_list(old_rights, live.get(folded, []))
        moved = _index_map(old_rights, rights, lambda r: r)
        rights_maps[i] = _list_remap(("rights",), moved)
        users.append({**user, "rights": rights})
    for folded, rights in live.items():
        if folded not in seen:
            login = next(u.login for u in draft.employer.users if u.login.casefold() == folded)
            users.append({"login": login, "type": live_types[folded], "rights": rights})
    return users, index, rights_maps


def _list_remap(prefix: PathKey, moved: dict[int, int]) -> Remap:
    def remap(path: PathKey) -> PathKey | None:
        if path[: len(prefix)] != prefix or len(path) == len(prefix):
            return path
        old = path[len(prefix)]
        if not isinstance(old, int) or old not in moved:
            return None
        return (*prefix, moved[old], *path[len(prefix) + 1 :])

    return remap


def _remap_comments(comments: Comments, remap: Remap) -> Comments:
    def move(table: dict[PathKey, Any]) -> dict[PathKey, Any]:
        result: dict[PathKey, Any] = {}
        for path, value in table.items():
            new = remap(path)
            if new is not None:
                result[new] = value
        return result

    return Comments(
        header=list(comments.header),
        before=move(comments.before),
        eol=move(comments.eol),
        columns=move(comments.columns),
        after=move(comments.after),
        footer=list(comments.footer),
    )


def _add_missing(
    comments: Comments, extra: Comments, data: dict[str, Any], old: dict[str, Any]
) -> None:
    """The draft's comments for the paths that are new in ``data`` (not in ``old``)."""
    for table, more in ((comments.before, extra.before), (comments.eol, extra.eol)):
        for path, value in more.items():
            if path not in table and _exists(data, path) and not _exists(old, path):
                table[path] = value  # type: ignore[assignment]


def _exists(data: Any, path: PathKey) -> bool:
    for part in path:
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_list or (isinstance(data, dict) and part in data)):
            return False
        data = data[part]
    return True


def refresh(doc: Document, text: str, draft: Draft, catalog: Catalog) -> tuple[Any, Comments]:
    """The data and comments of ``doc`` (read from ``text``) brought up to live state."""
    old: dict[str, Any] = doc.data
    data = copy.deepcopy(old)
    live_products = list(draft.employer.products)
    old_products = _list(old.get("products"))
    data["products"] = _merge_list(old_products, live_products)
    if draft.employer.tier is None:
        data.pop("tier", None)
    else:
        data["tier"] = draft.employer.tier
    old_users = _list(old.get("users"))
    data["users"], user_index, rights_maps = _users(old_users, draft)
    if not data["users"] and "users" not in old:
        data.pop("users")
    addendum = data.get("addendum")
    if (
        catalog.portal in live_products
        and isinstance(addendum, dict)
        and addendum.get("status") != "signed"
    ):
        # Live state shows MijnLoket on, so the addendum was signed; when is for a person.
        addendum["status"] = "signed"
        for field in _EVIDENCE:
            addendum.setdefault(field, None)
        if any(addendum[f] is None for f in _EVIDENCE):
            addendum["evidence"] = "pending"
    product_moves = _index_map(old_products, data["products"], lambda p: p)

    def remap(path: PathKey) -> PathKey | None:
        if path[:1] == ("tier",) and "tier" not in data:
            return None
        moved = _list_remap(("products",), product_moves)(path)
        if moved is None or moved[:1] != ("users",) or len(moved) == 1:
            return moved
        old_index = moved[1]
        if not isinstance(old_index, int) or old_index not in user_index:
            return None
        rest = moved[2:]
        rights = rights_maps.get(old_index)
        if rights is not None:
            mapped = rights(rest)
            if mapped is None:
                return None
            rest = mapped
        return ("users", user_index[old_index], *rest)

    comments = _remap_comments(extract_comments(text.removeprefix("\ufeff"), doc), remap)
    _add_missing(comments, draft.comments, data, old)
    return data, comments


def keep_evidence(doc: Document, draft: Draft) -> tuple[Any, Comments]:
    """The draft as data, with the addendum (status and evidence) of the existing file
    where that file records any evidence, and its labels: ``--force`` never drops a
    date, a ticket or a label."""
    old = doc.data.get("addendum") if isinstance(doc.data, dict) else None
    data: dict[str, Any] = draft.employer.model_dump(mode="json")
    labels = doc.data.get("labels") if isinstance(doc.data, dict) else None
    if isinstance(labels, dict) and labels:
        data["labels"] = dict(labels)  # the bureau's own: live state knows nothing of them
    comments = copy.deepcopy(draft.comments)
    if not isinstance(old, dict) or all(old.get(f) is None for f in _EVIDENCE):
        commented = {*comments.before, *comments.eol}
        data["addendum"] = {
            k: v
            for k, v in data["addendum"].items()
            if v is not None or ("addendum", k) in commented
        }
        return _without_none(data, comments), comments
    data["addendum"] = dict(old)
    for table in (comments.before, comments.eol):
        for path in [p for p in table if p[:1] == ("addendum",)]:
            if not _exists(data, path) or data["addendum"].get(path[1]) is not None:
                del table[path]
    return _without_none(data, comments), comments


def _without_none(data: dict[str, Any], comments: Comments) -> dict[str, Any]:
    """Top-level keys that are None and carry no comment are left out, as import does."""
    commented = {*comments.before, *comments.eol}
    return {k: v for k, v in data.items() if v is not None or (k,) in commented}
