"""The Loket HTTP client: retries and their bounds, Retry-After, pagination, http://
refusal, the request budget and bearer renewal (httpx.MockTransport, no sleeping)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mijnloket_gitops.errors import AuthError, ProviderError
from mijnloket_gitops.loket.budget import RequestBudget
from mijnloket_gitops.loket.http import (
    ACCEPT,
    BearerAuth,
    LoketHttp,
    env_proxy,
    require_safe_url,
)
from mijnloket_gitops.loket.retry import RetryPolicy, retry_after_seconds
from mijnloket_gitops.loket.secrets import Secrets

BASE = "https://api.loket.test/v2"
Handler = Callable[[httpx.Request], httpx.Response]


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make(sleeps: Sleeps) -> Iterator[Callable[..., LoketHttp]]:
    clients: list[LoketHttp] = []

    def build(handler: Handler, **kwargs: Any) -> LoketHttp:
        policy = RetryPolicy(
            max_retries=kwargs.pop("max_retries", 5),
            budget_seconds=kwargs.pop("budget", 120.0),
            sleep=sleeps,
        )
        budget = kwargs.pop("request_budget", RequestBudget(1e6))
        client = LoketHttp(
            BASE, policy=policy, budget=budget, transport=httpx.MockTransport(handler), **kwargs
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def sequence(*answers: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


OK = httpx.Response(200, json={"content": {"id": "x"}})


def test_transient_statuses_are_retried(make: Any, sleeps: Sleeps) -> None:
    handler, seen = sequence(
        httpx.Response(503), httpx.Response(502), httpx.Response(504), httpx.Response(500), OK
    )
    assert make(handler).get_content("providers/employers/x") == {"id": "x"}
    assert len(seen) == 5
    assert len(sleeps) == 4
    assert all(r.headers["Accept"] == ACCEPT for r in seen)


def test_backoff_grows_with_full_jitter(make: Any, sleeps: Sleeps) -> None:
    handler, _ = sequence(httpx.Response(503))
    with pytest.raises(ProviderError):
        make(handler, max_retries=6).get_content("x")
    caps = [0.5 * 2**i for i in range(6)]
    assert len(sleeps) == 6
    assert all(0 <= s <= cap for s, cap in zip(sleeps, caps, strict=True))


def test_retry_after_is_honoured(make: Any, sleeps: Sleeps) -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "7"}), OK)
    make(handler).get_content("x")
    assert len(seen) == 2
    assert sleeps[0] >= 7


def test_retry_after_as_http_date() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_retries_are_bounded_in_count(make: Any, sleeps: Sleeps) -> None:
    handler, seen = sequence(httpx.Response(503, text="busy"))
    with pytest.raises(ProviderError) as caught:
        make(handler, max_retries=3).get_content("providers/employers")
    assert len(seen) == 4
    message = str(caught.value)
    assert "GET https://api.loket.test/v2/providers/employers" in message
    assert "503" in message and "after 4 attempts" in message and "busy" in message


def test_retries_are_bounded_in_time(make: Any, sleeps: Sleeps) -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "40"}))
    with pytest.raises(ProviderError, match="429"):
        make(handler, max_retries=10, budget=100.0).get_content("x")
    assert sleeps == [40.0, 40.0]  # a third wait would pass 100 s: not started
    assert len(seen) == 3


def test_the_time_budget_counts_from_the_first_attempt(sleeps: Sleeps) -> None:
    """The client makes the first attempt itself; the controller counts from its start."""
    policy = RetryPolicy(max_retries=5, budget_seconds=100.0, sleep=sleeps)
    busy = httpx.Response(429, headers={"Retry-After": "1"})
    late = policy.retrying("GET x", started=time.monotonic() - 99.5)
    assert late(lambda: busy) is busy
    assert sleeps == []  # a wait of 1 s or more would end past the 100 s: not started
    fresh = policy.retrying("GET x", started=time.monotonic())
    assert fresh(lambda: busy) is busy
    assert len(sleeps) == 5


def test_connection_errors_are_retried_then_reported(make: Any, sleeps: Sleeps) -> None:
    handler, seen = sequence(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), OK)
    assert make(handler).get_content("x") == {"id": "x"}
    assert len(seen) == 3
    handler, seen = sequence(httpx.RemoteProtocolError("dropped"))
    with pytest.raises(ProviderError, match=r"broke off the connection after 3 attempts") as caught:
        make(handler, max_retries=2).get_content("x")
    assert "provider.api_url" in str(caught.value)
    assert "RemoteProtocolError" not in str(caught.value), "a sentence, not an exception class"


def test_client_errors_are_not_retried(make: Any, sleeps: Sleeps) -> None:
    handler, seen = sequence(httpx.Response(400, text="x" * 1000))
    with pytest.raises(ProviderError) as caught:
        make(handler).patch("providers/employers/e/users/u/authorizations", {"a": 1})
    assert len(seen) == 1 and not sleeps
    assert "PATCH" in str(caught.value) and "400 Bad Request" in str(caught.value)
    assert len(str(caught.value)) < 400  # an excerpt, not the body


def test_post_is_not_retried_on_500(make: Any) -> None:
    handler, seen = sequence(httpx.Response(500), OK)
    with pytest.raises(ProviderError, match="500"):
        make(handler).request("POST", "token", form={"a": "b"})
    assert len(seen) == 1


def test_pagination_follows_every_page(make: Any) -> None:
    items = [{"n": i} for i in range(600)]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        number, size = int(request.url.params["pageNumber"]), int(request.url.params["pageSize"])
        chunk = items[(number - 1) * size : number * size]
        body = {"_embedded": chunk, "currentPage": number, "totalPages": 3}
        return httpx.Response(200, json=body)

    assert make(handler).all_items("providers/employers") == items
    assert [r.url.params["pageNumber"] for r in seen] == ["1", "2", "3"]
    assert {r.url.params["pageSize"] for r in seen} == {"250"}


@pytest.mark.parametrize("total", [0, 1])
def test_empty_list(make: Any, total: int) -> None:
    body = {"_embedded": [], "currentPage": 1, "totalPages": total}
    handler, seen = sequence(httpx.Response(200, json=body))
    assert make(handler).all_items("x") == []
    assert len(seen) == 1


def test_allowed_status_is_returned(make: Any) -> None:
    handler, _ = sequence(httpx.Response(404))
    assert make(handler).get_content("x", allow=(404,)) is None
    assert make(handler).items("x", allow=(404,)) is None


def test_bad_envelopes_are_errors(make: Any) -> None:
    handler, _ = sequence(httpx.Response(200, json={"items": []}))
    with pytest.raises(ProviderError, match="_embedded"):
        make(handler).all_items("x")
    handler, _ = sequence(httpx.Response(200, text="<html>"))
    with pytest.raises(ProviderError, match="not JSON"):
        make(handler).get_content("x")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/v2",
        "http://127.9.0.1/v2",
        "http://[::1]:80/v2",
        "http://localhost/v2",
    ],
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert require_safe_url(url) == url


@pytest.mark.parametrize(
    "url", ["http://api.loket.nl/v2", "http://10.0.0.1/v2", "ftp://api.loket.nl", "http://"]
)
def test_plain_http_elsewhere_is_refused(url: str) -> None:
    with pytest.raises(ProviderError, match="https"):
        require_safe_url(url)
    with pytest.raises(ProviderError):
        LoketHttp(url, policy=RetryPolicy(), budget=RequestBudget(1))


def test_budget_spaces_requests() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    budget = RequestBudget(2.0, burst=1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        budget.acquire()
    assert waits == pytest.approx([0.5, 0.5, 0.5, 0.5])


def test_budget_is_shared_by_threads() -> None:
    """Four threads, ten requests each, one budget: the slots are handed out across the
    threads, 1/100 s apart (the clock stands still, so each wait is the distance to its
    slot; no wall-clock time is measured)."""
    waits: list[float] = []
    budget = RequestBudget(100.0, burst=1.0, clock=lambda: 0.0, sleep=waits.append)
    threads = [
        threading.Thread(target=lambda: [budget.acquire() for _ in range(10)]) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([slot / 100 for slot in range(1, 40)])


def test_every_attempt_spends_budget(make: Any) -> None:
    calls = []

    class Counting(RequestBudget):
        def acquire(self) -> float:
            calls.append(1)
            return 0.0

    handler, _ = sequence(httpx.Response(503), httpx.Response(429), OK)
    make(handler, request_budget=Counting(1.0)).get_content("x")
    assert len(calls) == 3


class Tokens:
    def __init__(self) -> None:
        self.current = "token-1"
        self.renewals: list[str] = []

    def access_token(self) -> str:
        return self.current

    def renew(self, stale: str) -> str:
        self.renewals.append(stale)
        self.current = f"token-{len(self.renewals) + 1}"
        return self.current


def test_401_renews_the_token_once(make: Any) -> None:
    tokens = Tokens()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer token-2":
            return OK
        return httpx.Response(401)

    assert make(handler, auth=BearerAuth(tokens)).get_content("x") == {"id": "x"}
    assert tokens.renewals == ["token-1"]


def test_401_after_renewal_is_an_auth_error(make: Any) -> None:
    tokens = Tokens()
    handler, seen = sequence(httpx.Response(401, text="Bearer token-2 refused"))
    secrets = Secrets()
    secrets.add("token-2")
    client = make(handler, auth=BearerAuth(tokens), secrets=secrets)
    with pytest.raises(AuthError) as caught:
        client.get_content("x")
    assert len(seen) == 2 and tokens.renewals == ["token-1"]
    assert "token-2" not in str(caught.value) and "[redacted]" in str(caught.value)


@pytest.mark.parametrize(
    ("env", "url", "proxy"),
    [
        ({}, "https://api.loket.nl/v2", None),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "https://api.loket.nl/v2", "http://proxy:3128"),
        ({"HTTPS_PROXY": "proxy:3128"}, "https://api.loket.nl/v2", "http://proxy:3128"),
        ({"HTTP_PROXY": "http://proxy:3128"}, "https://api.loket.nl/v2", None),
        ({"ALL_PROXY": "http://all:1"}, "https://api.loket.nl/v2", "http://all:1"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "loket.nl"}, "https://api.loket.nl/v2", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, "https://api.loket.nl/v2", None),
        ({"HTTP_PROXY": "http://p:1", "NO_PROXY": "127.0.0.1"}, "http://127.0.0.1:9/v2", None),
    ],
)
def test_the_proxy_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str, proxy: str | None
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert env_proxy(url) == proxy


def test_a_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain HTTP goes through ``HTTP_PROXY``, as with ``httpx.Client``."""
    seen: list[str] = []

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = b'{"content": {"id": "x"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy) as proxy:
        thread = threading.Thread(target=proxy.serve_forever)
        thread.start()
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = LoketHttp(
            "http://127.0.0.1:9/v2", policy=RetryPolicy(max_retries=0), budget=RequestBudget(1e6)
        )
        try:
            assert client.get_content("x") == {"id": "x"}
        finally:
            client.close()
            proxy.shutdown()
            thread.join()
    assert seen == ["http://127.0.0.1:9/v2/x"]
