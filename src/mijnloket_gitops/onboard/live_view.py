"""``show EMPLOYER --live``: one employer's live state, as an employer file or JSON.

What octoDNS users get from ``dump``: the products, users and rights live, read
through whichever provider is configured, written in the file format by the same
drafting ``import`` uses (with its comments for what live state cannot tell), so
that it can be compared with the file or copied into one. Nothing is written.

The employer is named by its id, its file (a path), or its file's name or company
name as the repository has them; :func:`find_employer` resolves that.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.files.canonical import render_new
from mijnloket_gitops.files.model import UUID_PATTERN, EmployerFile
from mijnloket_gitops.onboard.draft import Draft, draft_employer
from mijnloket_gitops.providers.base import LiveEmployer, Provider

_UUID = re.compile(UUID_PATTERN)


def find_employer(target: str, employers: Sequence[tuple[str, EmployerFile]]) -> str:
    """The employer id ``target`` names: an id as it is, else the one file whose path,
    file name (with or without its suffix) or company name is ``target`` (case aside).
    Raises MijnloketError when none or several match."""
    if _UUID.match(target):
        return target
    wanted = target.casefold()
    resolved = Path(target).resolve() if Path(target).is_file() else None
    found = {
        employer.employer_id
        for path, employer in employers
        if Path(path).resolve() == resolved
        or wanted in (Path(path).name.casefold(), Path(path).stem.casefold())
        or wanted == employer.name.casefold()
    }
    if len(found) == 1:
        return found.pop()
    if not found:
        raise MijnloketError(
            f"no employer {target!r}: give its employer id, its file, or its file's name or "
            "company name as the repository has them"
        )
    raise MijnloketError(
        f"{target!r} names {len(found)} employers ({', '.join(sorted(found))}); give the id"
    )


@dataclass(frozen=True)
class LiveView:
    provider: str
    target: str
    live: LiveEmployer
    draft: Draft


def read_view(provider: Provider, catalog: Catalog, employer_id: str) -> LiveView:
    """The live state of one employer; raises MijnloketError when it is not live."""
    found = provider.read_employers([employer_id])
    live = found.get(employer_id) or next(
        (v for k, v in found.items() if k.casefold() == employer_id.casefold()), None
    )
    if live is None:
        raise MijnloketError(f"no employer with id {employer_id} in {provider.target}")
    try:
        draft = draft_employer(live, catalog, provider.observes, provider.name)
    except ValueError as error:  # pydantic: an id that is no UUID
        raise MijnloketError(f"employer {employer_id} cannot be shown as a file: {error}") from None
    return LiveView(provider.name, provider.target, live, draft)


def as_yaml(view: LiveView, catalog: Catalog) -> str:
    """The employer file live state implies, with a header saying where it is from."""
    header = [
        f"Live state of {view.live.name or view.live.employer_id} in {view.target}",
        f"({view.provider} provider), read by `mijnloket-gitops show --live`: not a",
        "reviewed file. Compare it with the employer's file, or copy from it.",
    ]
    comments = dataclasses.replace(view.draft.comments, header=header)
    return render_new(view.draft.employer, catalog, comments=comments)


def as_json(view: LiveView) -> str:
    """The same, for tools: the file's data (as the YAML has it) and the live state."""
    document: dict[str, Any] = {
        "provider": view.provider,
        "target": view.target,
        "file": view.draft.employer.model_dump(mode="json", exclude_none=True),
        "live": view.live.data,
        "unknown_products": list(view.draft.unknown_products),
        "unobserved_user_types": list(view.draft.unobserved),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
