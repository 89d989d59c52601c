"""The canonical form of an employer file, written by ``fmt`` and ``import``.

- Keys in the order of the model's fields (:class:`EmployerFile`, :class:`Addendum`,
  :class:`User`); keys the model does not know keep their order after those.
- ``products`` in catalog order, ``users`` by login (case-insensitive), each user's
  ``rights`` in rights-catalog order; names the catalog does not know go last, in
  their own order.
- Block style, two-space indentation, lists indented under their key.
- A string is plain when both YAML 1.2 (the strict reader) and YAML 1.1 tools read it
  back as that string, double-quoted otherwise; ``addendum.ticket`` is always quoted
  (the schema asks for it). Other values are written in one spelling: ``null``,
  ``true``, ``12``, ``1.5``. Anchors and aliases are written out.
- Every comment stays with the key or item it is about (:mod:`.comments`); at most one
  blank line in a row, none at either end, no trailing whitespace, one final newline.

The data never changes: :func:`format_text` reads its own output back with the strict
reader and refuses (:class:`FormatError`) if anything but list order differs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.comments import Comments, extract_comments
from mijnloket_gitops.files.loader import Document, load_text
from mijnloket_gitops.files.model import Addendum, EmployerFile, User
from mijnloket_gitops.files.positions import PathKey
from mijnloket_gitops.files.scalars import plain_ok, write_quoted, write_scalar

__all__ = [
    "Comments",
    "FormatError",
    "canonical_data",
    "check_same_data",
    "format_text",
    "render",
    "render_new",
    "same_data",
]

Shape = tuple[str, ...]
"""A path with every list index replaced by ``*``: ``("users", "*", "rights")``."""

_KEY_ORDER: dict[Shape, tuple[str, ...]] = {
    (): tuple(EmployerFile.model_fields),
    ("addendum",): tuple(Addendum.model_fields),
    ("users", "*"): tuple(User.model_fields),
}
_KEY_NAMES = {shape: frozenset(names) for shape, names in _KEY_ORDER.items()}
_QUOTED_KEYS: dict[Shape, frozenset[str]] = {("addendum",): frozenset({"ticket"})}
"""Keys whose string value is always double-quoted, by the mapping they are in: the
schema asks for a quoted ``addendum.ticket``."""
_LINE_BREAKS = re.compile(r"[\r\n\x85\u2028\u2029]")


class FormatError(Exception):
    """The canonical form would not read back as the same data (a bug in ``fmt``)."""

    def __init__(self, detail: str, what: str = "the file's data") -> None:
        super().__init__(f"formatting would change {what} ({detail}); left untouched")


def format_text(text: str, doc: Document, catalog: Catalog) -> str:
    """The canonical form of ``text``, which the strict reader read into ``doc``.

    ``doc`` must have no problems (a file that does not read cleanly is not
    formatted). Raises :class:`FormatError` if the result would mean anything else.
    """
    assert doc.readable and not doc.problems, "format only files that read cleanly"
    if text.startswith("\ufeff"):  # token positions would be off by one
        text = text[1:]
        doc = load_text(text, spans=True)
    emitter = _Emitter(catalog, extract_comments(text, doc))
    result = emitter.document(doc.data)
    if result == text:  # already canonical (most files, most runs): nothing to check
        return result
    check_same_data(doc.data, result, catalog, emitter.orders)
    if result.count("#") != text.count("#"):
        # The data check cannot see comments. The data being equal, every "#" outside
        # it is a comment's: a comment fmt failed to find or place (as one on a block
        # scalar's header line) is refused here rather than silently dropped.
        raise FormatError("a comment would be lost", what="a comment")
    return result


def render_new(
    employer: EmployerFile | Mapping[str, Any],
    catalog: Catalog,
    *,
    comments: Comments | None = None,
) -> str:
    """A new employer file in canonical form, e.g. for ``import``.

    Comment lines may be given without the ``#``. Fields of an :class:`EmployerFile`
    that are ``None`` are left out unless a comment is attached to them: that writes
    an explicit, commented gap (``ticket: null  # ...``). A mapping is written as is.
    """
    comments = comments or Comments()
    commented = {*comments.before, *comments.eol, *comments.after}
    if isinstance(employer, EmployerFile):
        data: Any = _drop_none(employer.model_dump(mode="json"), (), commented)
    else:
        data = dict(employer)
    missing = commented - set(_paths(data, ()))
    if missing:
        raise ValueError(
            f"comments for paths that are not in the data: {sorted(map(str, missing))}"
        )
    result = render(data, catalog, comments)
    check_same_data(data, result, catalog)
    return result


def render(data: Any, catalog: Catalog, comments: Comments) -> str:
    """``data`` with ``comments`` in canonical form (no checks; see :func:`format_text`)."""
    return _Emitter(catalog, comments).document(data)


def canonical_data(data: Any, catalog: Catalog) -> Any:
    """``data`` with its keys and lists in canonical order (what ``fmt`` writes)."""
    return _canonical(data, (), _sort_keys(catalog))


def check_same_data(
    data: Any, text: str, catalog: Catalog, orders: dict[int, list[Any]] | None = None
) -> None:
    """Raise :class:`FormatError` unless ``text`` reads back as ``data`` (list order aside).

    ``orders``: the order the emitter wrote each collection of ``data`` in (by id), so
    that the comparison need not sort them again; without it (or if that comparison
    fails) the read-back data is compared with ``data`` in canonical order."""
    doc = load_text(text, positions=False)
    if doc.problems:
        problem = doc.problems[0]
        raise FormatError(f"line {problem.mark.line}: {problem.message}")
    if orders is not None and _same_in_order(doc.data, data, orders):
        return
    if not _same_canonical(doc.data, data, (), _sort_keys(catalog)):
        raise FormatError("a value differs")


def same_data(left: Any, right: Any) -> bool:
    """Equal, and of the same types (``1``, ``1.0`` and ``true`` differ; NaN equals NaN)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return same_data(list(left), list(right)) and all(
            same_data(left[k], right[k]) for k in left
        )
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_data, left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    equal: bool = left == right
    return equal


def _same_in_order(read: Any, data: Any, orders: dict[int, list[Any]]) -> bool:
    """``read`` is ``data`` with each mapping's keys and each list's items in the order
    recorded in ``orders`` (a permutation of them, by the collection's id)."""
    if type(read) is not type(data):
        return False
    if not isinstance(data, dict | list):
        return same_data(read, data)
    if not data:
        return not read
    order = orders.get(id(data))
    if order is None:
        return False
    if isinstance(data, dict):
        return same_data(list(read), order) and all(
            _same_in_order(read[k], data[k], orders) for k in order
        )
    return len(read) == len(order) and all(
        _same_in_order(item, data[i], orders) for item, i in zip(read, order, strict=True)
    )


def _same_canonical(read: Any, data: Any, shape: Shape, keys: Mapping[Shape, SortKey]) -> bool:
    """``same_data(read, canonical_data(data))``, without building the canonical copy."""
    if type(read) is not type(data):
        return False
    if isinstance(data, dict):
        order = _key_order(data, shape)
        return same_data(list(read), order) and all(
            _same_canonical(read[k], data[k], (*shape, str(k)), keys) for k in order
        )
    if isinstance(data, list):
        inner = (*shape, "*")
        return len(read) == len(data) and all(
            _same_canonical(item, data[i], inner, keys)
            for item, i in zip(read, _item_order(data, shape, keys), strict=True)
        )
    return same_data(read, data)


def _drop_none(value: Any, path: PathKey, keep: set[PathKey]) -> Any:
    if not isinstance(value, dict):
        return value
    return {
        k: _drop_none(v, (*path, k), keep)
        for k, v in value.items()
        if v is not None or (*path, k) in keep
    }


def _paths(value: Any, path: PathKey) -> Iterator[PathKey]:
    yield path
    if isinstance(value, dict | list):
        for key, child in value.items() if isinstance(value, dict) else enumerate(value):
            yield from _paths(child, (*path, key))


SortKey = Callable[[Any], Any]


def _sort_keys(catalog: Catalog) -> dict[Shape, SortKey]:
    products = catalog.order
    rights = {name: i for i, name in enumerate(catalog.rights)}

    def by_product(item: Any) -> int:
        return products.get(item, len(products)) if isinstance(item, str) else len(products)

    def by_right(item: Any) -> int:
        return rights.get(item, len(rights)) if isinstance(item, str) else len(rights)

    def by_login(item: Any) -> tuple[int, str, str]:
        login = item.get("login") if isinstance(item, dict) else None
        return (0, login.casefold(), login) if isinstance(login, str) else (1, "", "")

    return {("products",): by_product, ("users",): by_login, ("users", "*", "rights"): by_right}


def _key_order(mapping: dict[Any, Any], shape: Shape) -> list[Any]:
    known = _KEY_ORDER.get(shape)
    if known is None:
        return list(mapping)
    first = [k for k in known if k in mapping]
    if len(first) == len(mapping):
        return first
    names = _KEY_NAMES[shape]
    return first + [k for k in mapping if not (isinstance(k, str) and k in names)]


def _item_order(items: list[Any], shape: Shape, keys: Mapping[Shape, SortKey]) -> list[int]:
    key = keys.get(shape)
    indexes = list(range(len(items)))
    return indexes if key is None else sorted(indexes, key=[key(x) for x in items].__getitem__)


def _canonical(value: Any, shape: Shape, keys: Mapping[Shape, SortKey]) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(value[k], (*shape, str(k)), keys) for k in _key_order(value, shape)}
    if isinstance(value, list):
        return [_canonical(value[i], (*shape, "*"), keys) for i in _item_order(value, shape, keys)]
    return value


_IMPLICIT_KEY_LIMIT = 1024
_EXPLICIT = "\x00?"
"""A path part no comment is attached to (no key holds NUL): the ``: value`` line of an
explicit ``? key``, whose comments went with the ``?`` line."""


class _Emitter:
    """Writes data as lines, block style, looking up comments by original path.

    Each line is final when it is written: at most one blank line in a row, none at
    the start or right after a line that opens a block collection (``users:``)."""

    def __init__(self, catalog: Catalog, comments: Comments) -> None:
        self.keys = _sort_keys(catalog)
        self.comments = comments
        self.before, self.eol, self.after = comments.before, comments.eol, comments.after
        self.columns = comments.columns
        self.lines: list[str] = []
        self.no_blank = True
        """Whether a blank line here would be dropped (see the class docstring)."""
        self.orders: dict[int, list[Any]] = {}
        """The order each collection was written in (by id): keys, or list indexes."""
        self.dashes: list[tuple[int, PathKey]] = []
        """Block list items whose first line is still to come: ``- `` and the item's
        end-of-line comment go on that line, at the outermost item's indentation."""

    def document(self, data: Any) -> str:
        self._comments(self.comments.header, 0)
        if _is_block(data):
            self._block(data, (), (), 0)
        else:
            text = write_quoted(data) if isinstance(data, str) else write_scalar(data)
            self._content(0, text, (), False)
        self._comments(self.comments.footer, 0)
        lines = self.lines
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines) + "\n"

    def _block(self, value: Any, path: PathKey, shape: Shape, indent: int) -> None:
        before = self.before
        if isinstance(value, dict):
            quoted = _QUOTED_KEYS.get(shape, ())
            keys = self.orders[id(value)] = _key_order(value, shape)
            for key in keys:
                where = (*path, key)
                if where in before:
                    self._comments(before[where], indent)
                child = value[key]
                head = f"{key}:" if type(key) is str and plain_ok(key) else f"{write_scalar(key)}:"
                line_path = where
                if len(head) > _IMPLICIT_KEY_LIMIT:
                    # YAML caps an implicit key at 1024 characters: ``? key`` / ``: value``
                    self._content(indent, f"? {head[:-1]}", where, True)
                    head, line_path = ":", (*where, _EXPLICIT)
                if isinstance(child, _COLLECTIONS) and child:
                    self._content(indent, head, line_path, True)
                    self._block(child, where, (*shape, str(key)), indent + 2)
                elif isinstance(child, str) and not (key in quoted or not plain_ok(child)):
                    self._content(indent, f"{head} {child}", line_path, False)
                elif isinstance(child, str):
                    self._content(indent, f"{head} {write_quoted(child)}", line_path, False)
                else:
                    self._content(indent, f"{head} {write_scalar(child)}", line_path, False)
        else:
            inner = (*shape, "*")
            indexes = self.orders[id(value)] = _item_order(value, shape, self.keys)
            for index in indexes:
                where = (*path, index)
                if where in before:
                    self._comments(before[where], indent)
                child = value[index]
                if isinstance(child, _COLLECTIONS) and child:
                    # the item starts on its block's first line: ``- key: value``
                    self.dashes.append((indent, where))
                    self._block(child, where, inner, indent + 2)
                else:
                    self._content(indent, f"- {write_scalar(child)}", where, False)
        if path in self.after:
            self._comments(self.after[path], indent)

    def _content(self, indent: int, text: str, path: PathKey, opens: bool) -> None:
        eol = self.eol
        comments: list[PathKey] | None = [path] if path in eol else None
        own = indent
        dashes = self.dashes
        if dashes:  # the first line of one or more block list items
            indent = dashes[0][0]
            text = "- " * len(dashes) + text
            for _, item in reversed(dashes):
                if item in eol:
                    comments = comments or []
                    comments.append(item)
            dashes.clear()
        line = " " * indent + text
        if comments is not None:
            # Keep the comment's column (aligned comments stay aligned) if it leaves two
            # spaces; column 0 (not known) never does.
            gap = max(self.columns.get(comments[0], 0) - 1 - len(line), 2)
            line = line + " " * gap + " ".join(_comment(eol[p]) for p in comments)
        self.lines.append(line.rstrip())
        self.no_blank = opens
        if not opens and path in self.after:
            # comments closing an empty list (only render_new has them)
            self._comments(self.after[path], own)

    def _comments(self, texts: list[str], indent: int) -> None:
        if self.dashes:  # above a list item's first line: above its dash
            indent = self.dashes[0][0]
        for text in texts:
            if text:
                self.lines.append(" " * indent + _comment(text))
                self.no_blank = False
            elif not self.no_blank:
                self.lines.append("")
                self.no_blank = True


def _is_block(value: Any) -> bool:
    return isinstance(value, _COLLECTIONS) and bool(value)


_COLLECTIONS = (dict, list)


def _comment(text: str) -> str:
    text = _LINE_BREAKS.sub(" ", text).rstrip()
    return text if text.startswith("#") else f"# {text}".rstrip()
