"""A small GitHub REST client for the workflow scripts.

Configured from the environment a GitHub Actions step has: ``GITHUB_API_URL``
(default ``https://api.github.com``), ``GITHUB_REPOSITORY`` (``owner/name``) and a
token variable (``GITHUB_TOKEN`` unless told otherwise). The token goes only into
the ``Authorization`` header, never into a message; pagination follows ``Link``
headers but only to the same API host, so the token cannot leak to another one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from mijnloket_gitops import __version__
from mijnloket_gitops.errors import MijnloketError

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
PER_PAGE = 100
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_HINTS = {
    401: "the token is invalid or expired",
    403: "the token lacks a permission (see the workflow's `permissions:`)",
    404: "not found, or the token may not see it (see the workflow's `permissions:`)",
}


class GitHubError(MijnloketError):
    """The GitHub API refused or failed; the message never holds the token."""


@dataclass(frozen=True)
class GitHubEnv:
    """Where and as whom to call the API."""

    api_url: str
    repository: str
    token: str = field(repr=False)

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str],
        *,
        repository: str | None = None,
        token_var: str = "GITHUB_TOKEN",
    ) -> GitHubEnv:
        token = environ.get(token_var, "")
        if not token:
            raise GitHubError(
                f"{token_var} is not set; in a workflow step add "
                f"`env: {token_var}: ${{{{ github.token }}}}` (or the secret meant for it)"
            )
        repo = repository or environ.get("GITHUB_REPOSITORY", "")
        if not _REPOSITORY.fullmatch(repo):
            raise GitHubError(
                f"the GitHub repository must be given as owner/name (GITHUB_REPOSITORY), "
                f"not {repo!r}"
            )
        api = (environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        return cls(api, repo, token)


class GitHub:
    """Calls to one repository's REST API. Close it, or use it as a context manager."""

    def __init__(self, env: GitHubEnv, transport: httpx.BaseTransport | None = None) -> None:
        self.env = env
        self.repo = f"/repos/{env.repository}"
        self._client = httpx.Client(
            base_url=env.api_url,
            headers={
                "Authorization": f"Bearer {env.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"mijnloket-gitops/{__version__}",
            },
            transport=transport,
            timeout=30.0,
        )

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        """The decoded JSON answer (None when empty); GitHubError on any failure."""
        return _decode(self._send(method, path, json=json, params=params), method, path)

    def get_if_found(self, path: str) -> Any:
        """The decoded JSON answer of a GET, or None when GitHub answers 404."""
        response = self._send("GET", path)
        if response.status_code == 404:
            return None
        return _decode(response, "GET", path)

    def paginate(
        self, path: str, params: Mapping[str, str | int] | None = None, key: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, page after page (``key``: the list's field)."""
        url: str | None = path
        query: dict[str, str | int] | None = {**(params or {}), "per_page": PER_PAGE}
        while url is not None:
            response = self._send("GET", url, params=query)
            page = _decode(response, "GET", path)
            items = page.get(key, []) if key and isinstance(page, dict) else page
            if not isinstance(items, list):
                raise GitHubError(f"GitHub API GET {path}: expected a list, got {type(items)}")
            yield from items
            url, query = self._next(response, path), None

    def _next(self, response: httpx.Response, path: str) -> str | None:
        link = response.links.get("next", {}).get("url")
        if link is None:
            return None
        if not link.startswith(self.env.api_url + "/"):
            raise GitHubError(
                f"GitHub API GET {path}: the next page is on another host; refusing to "
                "send the token there"
            )
        return link

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
    ) -> httpx.Response:
        try:
            return self._client.request(method, path, json=json, params=params)
        except httpx.HTTPError as error:
            raise GitHubError(
                f"GitHub API {method} {_shown(path)}: {type(error).__name__}: {error}"
            ) from None


def _shown(path: str) -> str:
    return path.split("?", 1)[0]


def _decode(response: httpx.Response, method: str, path: str) -> Any:
    if response.status_code >= 400:
        raise GitHubError(
            f"GitHub API {method} {_shown(path)} answered {response.status_code}: "
            f"{_message(response)}"
            + (f" ({_HINTS[response.status_code]})" if response.status_code in _HINTS else "")
        )
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise GitHubError(f"GitHub API {method} {_shown(path)}: the answer is not JSON") from None


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])[:200]
    return response.reason_phrase
