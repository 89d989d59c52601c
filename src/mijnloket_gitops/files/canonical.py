"""The canonical form of an employer file, written by ``fmt`` and ``import``.

- Keys in the order of the model's fields (:class:`EmployerFile`, :class:`Addendum`,
  :class:`User`); keys the model does not know keep their order after those.
- ``products`` in catalog order, ``users`` by login (case-insensitive), each user's
  ``rights`` in rights-catalog order; names the catalog does not know go last, in
  their own order (:mod:`.order`).
- Block style, two-space indentation, lists indented under their key (:mod:`.emitter`).
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
from collections.abc import Iterator, Mapping
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.comments import Comments, extract_comments
from mijnloket_gitops.files.emitter import Emitter
from mijnloket_gitops.files.loader import Document, load_text
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.files.order import (
    Shape,
    SortKey,
    canonical_order,
    item_order,
    key_order,
    sort_keys,
)
from mijnloket_gitops.files.positions import PathKey
from mijnloket_gitops.files.readback import reads_back_as

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
    emitter = Emitter(catalog, extract_comments(text, doc))
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
    return Emitter(catalog, comments).document(data)


def canonical_data(data: Any, catalog: Catalog) -> Any:
    """``data`` with its keys and lists in canonical order (what ``fmt`` writes)."""
    return canonical_order(data, (), sort_keys(catalog))


def check_same_data(
    data: Any, text: str, catalog: Catalog, orders: dict[int, list[Any]] | None = None
) -> None:
    """Raise :class:`FormatError` unless ``text`` reads back as ``data`` (list order aside).

    ``orders``: the order the emitter wrote each collection of ``data`` in (by id), so
    that the comparison need not sort them again; without it (or if that comparison
    fails) the read-back data is compared with ``data`` in canonical order.

    With ``orders``, the text is first compared with ``data`` as it is read
    (:func:`.readback.reads_back_as`, one walk); only if that cannot vouch for it is
    it read into values and compared as below, which also words the error."""
    if orders is not None and reads_back_as(text, data, orders):
        return
    doc = load_text(text, positions=False)
    if doc.problems:
        problem = doc.problems[0]
        raise FormatError(f"line {problem.mark.line}: {problem.message}")
    if orders is not None and _same_in_order(doc.data, data, orders):
        return
    if not _same_canonical(doc.data, data, (), sort_keys(catalog)):
        raise FormatError("a value differs")


def same_data(left: Any, right: Any) -> bool:
    """Equal, and of the same types (``1``, ``1.0`` and ``true`` differ; NaN equals NaN)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):  # by position: a NaN key is not found by another NaN
        return same_data(list(left), list(right)) and all(
            map(same_data, left.values(), right.values())
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
    if order is None or len(order) != len(data):  # not a permutation: do not trust it
        return False
    if isinstance(data, dict):
        # by position, not read[k]: a NaN key is not found by another NaN
        return same_data(list(read), order) and all(
            _same_in_order(value, data[k], orders)
            for value, k in zip(read.values(), order, strict=True)
        )
    return len(read) == len(order) and all(
        _same_in_order(item, data[i], orders) for item, i in zip(read, order, strict=True)
    )


def _same_canonical(read: Any, data: Any, shape: Shape, keys: Mapping[Shape, SortKey]) -> bool:
    """``same_data(read, canonical_data(data))``, without building the canonical copy."""
    if type(read) is not type(data):
        return False
    if isinstance(data, dict):
        order = key_order(data, shape)
        return same_data(list(read), order) and all(
            _same_canonical(value, data[k], (*shape, str(k)), keys)
            for value, k in zip(read.values(), order, strict=True)
        )
    if isinstance(data, list):
        inner = (*shape, "*")
        return len(read) == len(data) and all(
            _same_canonical(item, data[i], inner, keys)
            for item, i in zip(read, item_order(data, shape, keys), strict=True)
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
