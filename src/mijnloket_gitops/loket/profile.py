"""The Loket profile: what ``mijnloket-gitops loket check`` proved about one Loket.nl.

``loket check`` runs every read the provider uses (and with ``--write`` reversible
round trips on a scratch employer) and writes what it *proved* to a small JSON file,
by default ``.mijnloket/loket-profile.json`` under the repository root. The provider
reads it back (:func:`load_profile`) and uses a write capability in ``auto`` only when
the profile proves it; discovery alone leaves such a write ``unproven``.

The file is one API URL's evidence::

    {
      "format_version": 1,
      "api_url": "https://api.loket-acc.nl/v2",
      "checked_at": "2026-12-08T04:00:00Z",
      "tool_version": "0.9.0",
      "capabilities": {"modules_write": true, "employer_user_rights_read": false},
      "shapes": {"rights_flag": "availableForEmployerUser", "right_ids": "details"}
    }

``capabilities`` maps a capability's value name (``provider.capabilities`` keys) to
whether it was proven available (``true``) or proven absent (``false``); a
capability that was not testable is left out. ``shapes`` maps a shape decision to
what was seen, for example ``rights_flag`` (``availableForEmployerUser`` or
``isEnabled``) and ``right_ids`` (``nested`` or ``details``). Nothing else is kept:
no ids, names, logins or tokens.

A profile for another API URL is ignored (None), never applied: the acceptance
environment's evidence does not silently become production's. A damaged file fails
loudly (:class:`~mijnloket_gitops.errors.ConfigError` naming the file and what to do)
rather than being read as "nothing proven", which would hide a broken setup.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mijnloket_gitops.errors import ConfigError

FORMAT_VERSION = 1
DEFAULT_PATH = ".mijnloket/loket-profile.json"
"""Where the profile lives, relative to the repository root."""

RIGHTS_FLAG = "rights_flag"
RIGHTS_FLAGS = ("availableForEmployerUser", "isEnabled")
"""The two readings of the rights PATCH item's flag (n8n's example vs the prose)."""

RIGHT_IDS = "right_ids"
RIGHT_ID_SOURCES = ("nested", "details", "rights_get", "user_set")
"""Where a right's id was found first: nested in the set list, the set's details, the
rights GET, a user's ``authorizationSet``."""


@dataclass(frozen=True)
class Profile:
    """What ``loket check`` proved about one API URL (see the module docstring)."""

    api_url: str
    checked_at: str
    """ISO 8601, UTC, seconds (``2026-12-08T04:00:00Z``)."""
    tool_version: str
    capabilities: dict[str, bool] = field(default_factory=dict)
    """Capability value name -> proven available (True) or proven absent (False)."""
    shapes: dict[str, str] = field(default_factory=dict)
    """Shape decision -> what was proven, e.g. ``{"rights_flag": "isEnabled"}``."""

    @property
    def data(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "api_url": self.api_url,
            "checked_at": self.checked_at,
            "tool_version": self.tool_version,
            "capabilities": dict(sorted(self.capabilities.items())),
            "shapes": dict(sorted(self.shapes.items())),
        }

    def proves(self, capability: str) -> bool | None:
        """True or False when the profile proved it one way; None when not tested."""
        return self.capabilities.get(capability)


def utc_now() -> str:
    """The current time as the profile writes it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def profile_path(root: Path, configured: str = DEFAULT_PATH) -> Path:
    """The profile's path for a repository root (``configured`` is relative to it)."""
    return root / configured


def same_api(a: str, b: str) -> bool:
    """Whether two API URLs name the same API (a trailing ``/`` does not matter)."""
    return a.rstrip("/") == b.rstrip("/")


def _damaged(path: Path, why: str) -> ConfigError:
    return ConfigError(
        f"{path}: the Loket profile is damaged ({why}); run `mijnloket-gitops loket check` "
        "again to rewrite it, or delete the file to go without one"
    )


def _parse(path: Path, data: object) -> Profile:
    if not isinstance(data, dict):
        raise _damaged(path, "not a JSON object")
    if data.get("format_version") != FORMAT_VERSION:
        raise _damaged(path, f"format_version is not {FORMAT_VERSION}")
    strings = {}
    for key in ("api_url", "checked_at", "tool_version"):
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise _damaged(path, f"{key!r} is not a non-empty string")
        strings[key] = value
    capabilities = data.get("capabilities")
    if not isinstance(capabilities, dict) or not all(
        isinstance(k, str) and isinstance(v, bool) for k, v in capabilities.items()
    ):
        raise _damaged(path, "'capabilities' is not an object of true/false values")
    shapes = data.get("shapes")
    if not isinstance(shapes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in shapes.items()
    ):
        raise _damaged(path, "'shapes' is not an object of strings")
    return Profile(
        strings["api_url"],
        strings["checked_at"],
        strings["tool_version"],
        dict(capabilities),
        dict(shapes),
    )


def load_profile(path: Path, api_url: str) -> Profile | None:
    """The profile at ``path`` if it is for ``api_url``; None when absent or for another
    API. A damaged file raises :class:`ConfigError` naming it and what to do."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ConfigError(
            f"{path}: cannot read the Loket profile ({error.strerror or error}); "
            "fix the file's permissions or delete it"
        ) from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise _damaged(path, f"not JSON: {error}") from None
    profile = _parse(path, data)
    return profile if same_api(profile.api_url, api_url) else None


def write_profile(path: Path, profile: Profile) -> None:
    """Write ``profile`` to ``path`` atomically (a temporary file, synced, renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(profile.data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
