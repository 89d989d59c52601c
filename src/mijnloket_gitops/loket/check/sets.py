"""``loket check``'s reads of rights' ids: the authorization-set list (A5) and, for sets
listed without their rights, each set's details (A14). Where the ids came from
(``nested``, ``details``, or the rights GET, ``rights_get``) goes to the profile as
the shape ``right_ids``; the ids themselves stay in memory, for ``--write``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.check.findings import Verdict
from mijnloket_gitops.loket.check.shapes import brief, id_format, shape_of
from mijnloket_gitops.loket.profile import RIGHT_IDS

if TYPE_CHECKING:
    from mijnloket_gitops.loket.check.reads import ReadCheck

SETS_READ = 10
"""At most this many authorization sets' details are read."""


def check_sets(check: ReadCheck) -> None:
    """A5, then A14 for the sets listed without their rights."""
    op = "GET /providers/{providerId}/authorizationsets"
    title = "sets are {id, description} (+ nested rights {id, description})"
    assert check.found.provider_id is not None
    answer = check.reader.page(op, paths.authorization_sets(check.found.provider_id))
    if not answer.ok:
        check._unanswered("A5", title, op, answer)
        return
    items = check._items("A5", title, op, answer)
    if items is None:
        return
    ids: dict[str, set[A.RightId]] = {}
    try:
        without = A.parse_authorization_sets(items, ids)
    except ProviderError:
        check.report.add("A5", title, op, Verdict.REFUTED, brief(shape_of(items[:3])))
        return
    if not items:
        check.report.add("A5", title, op, Verdict.NOT_TESTABLE, "the list is empty")
        return
    nested = "nested rights" if ids else "no nested rights: ids from the details (A14)"
    check.report.add("A5", title, op, Verdict.CONFIRMED, nested)
    remember_right_ids(check, ids, "nested")
    if without:
        _details(check, without)


def _details(check: ReadCheck, set_ids: list[A.RightId]) -> None:
    op = "GET /providers/authorizationsets/{authorizationSetId}"
    title = "a set's details are {content: {..., authorizations: [{id, description}]}}"
    found: dict[str, set[A.RightId]] = {}
    for set_id in set_ids[:SETS_READ]:
        answer = check.reader.get(op, paths.authorization_set(str(set_id)))
        content = answer.content
        if not answer.ok or content is None:
            seen = f"answered {answer.status}: {brief(shape_of(answer.body))}"
            check.report.add("A14", title, op, Verdict.REFUTED, seen)
            return
        try:
            A.parse_authorization_set_details(content, found)
        except ProviderError:
            check.report.add("A14", title, op, Verdict.REFUTED, brief(shape_of(content)))
            return
    check.report.add("A14", title, op, Verdict.CONFIRMED)
    remember_right_ids(check, found, "details")


def remember_rights(check: ReadCheck, items: list[Any]) -> None:
    """The ids of the rights a user's rights GET (A4) listed."""
    states = A.parse_right_states(items)
    remember_right_ids(check, {d: {i} for d, (i, _) in states.items()}, "rights_get")


def remember_right_ids(check: ReadCheck, ids: dict[str, set[A.RightId]], source: str) -> None:
    """Keep the ids for ``--write``; the first source that showed any is the shape."""
    shapes = check.report.shapes
    if ids and RIGHT_IDS not in shapes:
        shapes[RIGHT_IDS] = source
        shapes["right_id_format"] = "+".join(
            sorted({id_format(i) for v in ids.values() for i in v})
        )
    for description, values in ids.items():
        check.found.right_ids.setdefault(description, set()).update(values)
