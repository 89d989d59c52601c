"""The HTTP client for Loket.nl: headers, bearer auth, envelopes, pagination, errors.

One :class:`LoketHttp` talks to one base URL through one pooled httpx transport
(``httpx.HTTPTransport``, keep-alive connections shared by every thread). Every
request goes through the request budget (:mod:`.budget`), is retried when transient
(:mod:`.retry`) and, with a :class:`BearerAuth`, carries an access token that is
refreshed once on a ``401``. The transport is injectable (``httpx.MockTransport`` in
unit tests); the end-to-end tests use the emulator over real HTTP.

Requests are built as ``httpx.Request`` and handed to the transport directly rather
than through ``httpx.Client``: the client's per-request work (merging the base URL,
headers, cookies and query parameters, the redirect loop, event hooks, the cookie
jar) is a third of the CPU time of a request and none of it is needed here. What
the client did that matters is done here instead: the base URL, default headers,
the timeout, the auth flow, no redirects followed, and the proxy from
``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY`` (:func:`env_proxy`).
Speed matters because reading a portfolio is thousands of small requests from a
thread pool that shares one interpreter lock (``benchmarks/plan.py``).

What fails, as exceptions::

    ProviderError   a non-retryable status, retries exhausted, a body that is not the
                    documented envelope; the message has method, path, status and a
                    short excerpt of the body with every known secret removed
    └── AuthError   401 even after refreshing the access token
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.request
from collections.abc import Collection, Generator, Mapping
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from mijnloket_gitops.errors import AuthError, ProviderError
from mijnloket_gitops.loket.budget import RequestBudget
from mijnloket_gitops.loket.paging import Page, check_total, parse_page
from mijnloket_gitops.loket.retry import (
    RETRY_STATUSES,
    TRANSIENT_ERRORS,
    RetryPolicy,
    retry_after_seconds,
)
from mijnloket_gitops.loket.secrets import Secrets

ACCEPT = "application/json;version=2018-01-01"
PAGE_SIZE = 250
EXCERPT_CHARS = 200
USER_AGENT = "mijnloket-gitops"
# Answers to OPTIONS that only mean "no Allow to read here": client errors but 401, and
# 501 (OPTIONS not implemented). Other 5xx are an outage, raised, never a decision.
_NO_ALLOW_ANSWERS = (frozenset(range(400, 500)) - {401}) | {501}


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


def env_proxy(url: str) -> str | None:
    """The proxy for ``url`` from the environment, as ``httpx.Client`` would pick it.

    ``HTTPS_PROXY`` / ``HTTP_PROXY`` by scheme, else ``ALL_PROXY``; none when
    ``NO_PROXY`` names the host (``*`` for every host).
    """
    parsed = httpx.URL(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parsed.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parsed.host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


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
        setting: str = "provider.api_url",
    ) -> None:
        self.base_url = require_safe_url(base_url).rstrip("/")
        self._setting = setting
        """The configuration key that names ``base_url``, for messages."""
        self._prefix = self.base_url + "/"
        parsed = httpx.URL(self.base_url)
        # Loket has paths outside /v2 (the bulk read of modules under /provider/...):
        # a path starting with "/" is taken from the host's root, any other from the base.
        self._root = str(parsed.copy_with(path="/", query=None, fragment=None)).rstrip("/")
        self._policy = policy
        self._budget = budget
        self._auth = auth
        self._secrets = secrets or Secrets()
        self._headers = (
            ("Accept", ACCEPT),
            ("Accept-Encoding", "gzip, deflate"),
            ("User-Agent", USER_AGENT),
        )
        self._extensions = {"timeout": httpx.Timeout(timeout).as_dict()}
        self._transport = transport or httpx.HTTPTransport(
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            proxy=env_proxy(self.base_url),
        )

    def close(self) -> None:
        self._transport.close()

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
        The first attempt is sent directly; only a transient failure brings in the
        retry controller (:meth:`.RetryPolicy.retrying`), which takes that failure as
        its first attempt, so counting and the time budget are as if it ran them all.
        """
        url = self._url(path)
        if params:
            url += "?" + urlencode(params)
        idempotent = method != "POST"
        started = time.monotonic()
        try:
            response = self._send(method, url, json_body, form)
        except httpx.TransportError as error:
            if not isinstance(error, TRANSIENT_ERRORS):
                raise self._transport_error(self._describe(method, path), error, 1) from None
            first: httpx.Response | httpx.TransportError = error
        else:
            if not self._policy.retryable(response, idempotent=idempotent):
                return self._checked(method, path, response, 1, allow)
            first = response
        return self._retried(method, path, url, json_body, form, allow, first, started)

    def _retried(
        self,
        method: str,
        path: str,
        url: str,
        json_body: Any,
        form: Mapping[str, str] | None,
        allow: Collection[int],
        first: httpx.Response | httpx.TransportError,
        started: float,
    ) -> httpx.Response:
        describe = self._describe(method, path)
        retrying = self._policy.retrying(describe, idempotent=method != "POST", started=started)
        outcomes: list[httpx.Response | httpx.TransportError] = [first]

        def attempt() -> httpx.Response:
            if outcomes:
                outcome = outcomes.pop()
                if isinstance(outcome, httpx.TransportError):
                    raise outcome
                return outcome
            return self._send(method, url, json_body, form)

        try:
            response: httpx.Response = retrying(attempt)
        except httpx.TransportError as error:
            attempts = retrying.statistics.get("attempt_number", 1)
            raise self._transport_error(describe, error, attempts) from None
        attempts = retrying.statistics.get("attempt_number", 1)
        return self._checked(method, path, response, attempts, allow)

    def _url(self, path: str) -> str:
        return self._root + path if path.startswith("/") else self._prefix + path

    def _describe(self, method: str, path: str) -> str:
        return f"{method} {self._url(path)}"

    def allowed_methods(self, path: str) -> frozenset[str] | None:
        """The methods an ``OPTIONS`` answer's ``Allow`` header names; None when the
        server does not answer OPTIONS with a success and an ``Allow`` header. A server
        error (but 501) raises :class:`ProviderError` after the retries."""
        response = self.request("OPTIONS", path, allow=_NO_ALLOW_ANSWERS)
        header = response.headers.get("Allow")
        if not response.is_success or header is None:
            return None
        return frozenset(m.strip().upper() for m in header.split(",") if m.strip())

    def _transport_error(
        self, describe: str, error: httpx.TransportError, attempts: int
    ) -> ProviderError:
        """A sentence for a host that cannot be reached: which URL, what happened, which
        setting names it; never an exception class or a traceback."""
        if isinstance(error, httpx.TimeoutException):
            what = "did not answer in time"
        elif isinstance(error, httpx.ConnectError):
            what = "could not be reached (connection refused, or no such host)"
        else:
            what = "broke off the connection"
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return ProviderError(
            f"Loket.nl at {self.base_url} {what}{tries} ({describe}). Check {self._setting}"
            " in mijnloket-gitops.yaml and the network (a proxy, a firewall, DNS)."
        )

    def _checked(
        self,
        method: str,
        path: str,
        response: httpx.Response,
        attempts: int,
        allow: Collection[int],
    ) -> httpx.Response:
        if response.is_success or response.status_code in allow:
            return response
        raise self._status_error(self._describe(method, path), response, attempts)

    def _send(
        self, method: str, url: str, json_body: Any, form: Mapping[str, str] | None
    ) -> httpx.Response:
        """One attempt: the request, and again once if the auth flow asks (a 401)."""
        request = httpx.Request(
            method,
            url,
            headers=self._headers,
            json=json_body,
            data=form,
            extensions=self._extensions,
        )
        if self._auth is None:
            return self._exchange(request)
        flow = self._auth.sync_auth_flow(request)
        try:
            request = next(flow)
            while True:
                response = self._exchange(request)
                try:
                    request = flow.send(response)
                except StopIteration:
                    return response
        finally:
            flow.close()

    def _exchange(self, request: httpx.Request) -> httpx.Response:
        """Send one request on the transport (after the budget allows it); read the answer."""
        self._budget.acquire()
        response = self._transport.handle_request(request)
        response.request = request
        try:
            response.read()
        finally:
            response.close()
        return response

    def _status_error(
        self, describe: str, response: httpx.Response, attempts: int
    ) -> ProviderError:
        excerpt = " ".join(self._secrets.scrub(response.text).split())[:EXCERPT_CHARS]
        status = f"{response.status_code} {response.reason_phrase}".strip()
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        message = f"{describe} answered {status}{tries}: {excerpt or '(empty body)'}"
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        budget = self._policy.budget_seconds
        if response.status_code in RETRY_STATUSES and asked is not None and asked > budget:
            message += (
                f"\nLoket.nl asked to wait {asked:.0f} s (Retry-After), longer than the retry "
                f"budget of {budget:.0f} s (retry_budget_seconds), so the tool gave up "
                "instead of waiting; try again later or raise retry_budget_seconds"
            )
        if response.status_code == 401:
            return AuthError(
                f"{message}\nThe access token was refused even after a refresh; check that "
                "the Loket user behind `mijnloket-gitops auth login` may use the API."
            )
        return ProviderError(message)

    def excerpt(self, response: httpx.Response) -> str:
        """The start of an answer's body for a message, every known secret removed."""
        text = " ".join(self._secrets.scrub(response.text).split())[:EXCERPT_CHARS]
        return text or "(empty body)"

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
        status, first = self.page(path, 1, allow=allow)
        if first is None:
            return status, None
        result = list(first.items)
        page = first
        while not page.last:
            _, following = self.page(path, page.number + 1)
            assert following is not None  # without ``allow`` anything but 2xx raises
            page = following
            check_total(path, first, page)
            result.extend(page.items)
        return 200, result

    def page(
        self, path: str, number: int, *, allow: Collection[int] = ()
    ) -> tuple[int, Page | None]:
        """One page of a list; None (with the status) when that status is in ``allow``."""
        query = {"pageNumber": number, "pageSize": PAGE_SIZE}
        response = self.request("GET", path, params=query, allow=allow)
        if not response.is_success:
            return response.status_code, None
        return response.status_code, parse_page(path, number, self.decode(response))

    def all_items(self, path: str) -> list[Any]:
        """Every item of a list (see :meth:`items`)."""
        return self.items(path) or []

    def patch(self, path: str, body: Any) -> None:
        """A JSON PATCH; 200 or 204 are success."""
        self.request("PATCH", path, json_body=body)
