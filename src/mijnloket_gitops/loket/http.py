"""The HTTP client for Loket.nl: headers, bearer auth, envelopes, pagination, errors.

One :class:`LoketHttp` wraps one ``httpx.Client`` for one base URL. Every request
goes through the request budget (:mod:`.budget`), is retried when transient
(:mod:`.retry`) and, with a :class:`BearerAuth`, carries an access token that is
refreshed once on a ``401``. The transport is injectable (``httpx.MockTransport`` in
unit tests); the end-to-end tests use the emulator over real HTTP.

What fails, as exceptions::

    ProviderError   a non-retryable status, retries exhausted, a body that is not the
                    documented envelope; the message has method, path, status and a
                    short excerpt of the body with every known secret removed
    └── AuthError   401 even after refreshing the access token
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Collection, Generator, Mapping
from typing import Any, Protocol

import httpx

from mijnloket_gitops.errors import AuthError, ProviderError
from mijnloket_gitops.loket.budget import RequestBudget
from mijnloket_gitops.loket.retry import RetryPolicy
from mijnloket_gitops.loket.secrets import Secrets

ACCEPT = "application/json;version=2018-01-01"
PAGE_SIZE = 250
EXCERPT_CHARS = 200
USER_AGENT = "mijnloket-gitops"


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_safe_url(url: str) -> str:
    """``url`` if it is https, or plain http to a loopback address (the emulator)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise ProviderError(f"{url!r} is not a valid URL: {error}") from None
    if parsed.scheme == "https" and parsed.host:
        return url
    if parsed.scheme == "http" and is_loopback(parsed.host):
        return url
    raise ProviderError(
        f"refusing {url}: Loket.nl is only reached over https:// "
        "(plain http:// is allowed for 127.0.0.1, ::1 and localhost, e.g. the emulator)"
    )


class TokenSource(Protocol):
    """Where :class:`BearerAuth` gets access tokens (see :class:`.oauth.TokenManager`)."""

    def access_token(self) -> str:
        """A valid access token, refreshed first if it expired."""

    def renew(self, stale: str) -> str:
        """A new access token after ``stale`` was answered with 401."""


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer``; on a 401, renew the token once and send again."""

    def __init__(self, tokens: TokenSource) -> None:
        self._tokens = tokens

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._tokens.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self._tokens.renew(token)}"
            yield request


class LoketHttp:
    """JSON requests to one base URL, with budget, retries and (optional) bearer auth."""

    def __init__(
        self,
        base_url: str,
        *,
        policy: RetryPolicy,
        budget: RequestBudget,
        auth: httpx.Auth | None = None,
        timeout: float = 30.0,
        connections: int = 10,
        secrets: Secrets | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = require_safe_url(base_url).rstrip("/")
        self._policy = policy
        self._secrets = secrets or Secrets()
        self._client = httpx.Client(
            base_url=self.base_url + "/",
            auth=auth,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            headers={"Accept": ACCEPT, "User-Agent": USER_AGENT},
            event_hooks={"request": [lambda _request: budget.acquire()]},
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        allow: Collection[int] = (),
    ) -> httpx.Response:
        """Send with retries; a 2xx answer, or one whose status is in ``allow``.

        Anything else raises :class:`ProviderError` (:class:`AuthError` for a 401).
        """
        describe = f"{method} {self.base_url}/{path.lstrip('/')}"
        retrying = self._policy.retrying(describe, idempotent=method != "POST")
        try:
            response: httpx.Response = retrying(
                self._client.request,
                method,
                path.lstrip("/"),
                params=params,
                json=json_body,
                data=form,
            )
        except httpx.TransportError as error:
            attempts = retrying.statistics.get("attempt_number", 1)
            raise ProviderError(
                f"{describe} failed after {attempts} attempt(s): "
                f"{type(error).__name__}: {self._secrets.scrub(str(error))}"
            ) from None
        if response.is_success or response.status_code in allow:
            return response
        raise self._status_error(describe, response, retrying.statistics.get("attempt_number", 1))

    def _status_error(
        self, describe: str, response: httpx.Response, attempts: int
    ) -> ProviderError:
        excerpt = " ".join(self._secrets.scrub(response.text).split())[:EXCERPT_CHARS]
        status = f"{response.status_code} {response.reason_phrase}".strip()
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        message = f"{describe} answered {status}{tries}: {excerpt or '(empty body)'}"
        if response.status_code == 401:
            return AuthError(
                f"{message}\nThe access token was refused even after a refresh; check that "
                "the Loket user behind `mijnloket-gitops auth login` may use the API."
            )
        return ProviderError(message)

    def decode(self, response: httpx.Response) -> Any:
        """The body as JSON; ProviderError if it is not."""
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            excerpt = " ".join(self._secrets.scrub(response.text).split())[:EXCERPT_CHARS]
            raise ProviderError(
                f"{response.request.method} {response.request.url.path} answered "
                f"{response.status_code} with a body that is not JSON: {excerpt}"
            ) from None

    def get_content(self, path: str, *, allow: Collection[int] = ()) -> dict[str, Any] | None:
        """A single resource's ``content``; None when the status is in ``allow``."""
        response = self.request("GET", path, allow=allow)
        if not response.is_success:
            return None
        body = self.decode(response)
        content = body.get("content") if isinstance(body, dict) else None
        if not isinstance(content, dict):
            raise ProviderError(f"GET {path}: expected a {{'content': {{...}}}} envelope")
        return content

    def items(self, path: str, *, allow: Collection[int] = ()) -> list[Any] | None:
        """Every item of a list, page by page (``pageSize`` 250) until the last page.

        None when the first page is answered with a status in ``allow``.
        """
        return self.items_or_status(path, allow=allow)[1]

    def items_or_status(
        self, path: str, *, allow: Collection[int] = ()
    ) -> tuple[int, list[Any] | None]:
        """Like :meth:`items`, with the status of the first page."""
        result: list[Any] = []
        page = 1
        while True:
            query = {"pageNumber": page, "pageSize": PAGE_SIZE}
            response = self.request("GET", path, params=query, allow=allow if page == 1 else ())
            if not response.is_success:
                return response.status_code, None
            items, current, total = _page(path, self.decode(response))
            result.extend(items)
            if current >= total or page >= total or not items:
                return 200, result
            page += 1

    def all_items(self, path: str) -> list[Any]:
        """Every item of a list (see :meth:`items`)."""
        return self.items(path) or []

    def patch(self, path: str, body: Any) -> None:
        """A JSON PATCH; 200 or 204 are success."""
        self.request("PATCH", path, json_body=body)


def _page(path: str, body: Any) -> tuple[list[Any], int, int]:
    if not isinstance(body, dict) or not isinstance(body.get("_embedded"), list):
        raise ProviderError(f"GET {path}: expected a list envelope with '_embedded'")
    current, total = body.get("currentPage"), body.get("totalPages")
    if not isinstance(current, int) or not isinstance(total, int):
        raise ProviderError(f"GET {path}: the list envelope lacks currentPage/totalPages")
    return body["_embedded"], current, total
