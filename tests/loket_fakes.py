"""An in-process fake of Loket.nl for unit tests of the loket provider (httpx.MockTransport).

Small and strict: it serves the contract's shapes, rotates refresh tokens and counts
requests, so tests can run without the emulator. The end-to-end tests use the
emulator over real HTTP instead (tests/emulator_fixtures.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from mijnloket_gitops.config import LoketProviderConfig
from mijnloket_gitops.loket.session import Hooks
from mijnloket_gitops.loket.store import StoredToken, TokenStore

API = "https://api.loket.test/v2"
OAUTH = "https://oauth.loket.test"
CLIENT_ID = "client-id-0001"
CLIENT_SECRET = "client-secret-SUPERSECRET-7f3a"
ENV = {"LOKET_CLIENT_ID": CLIENT_ID, "LOKET_CLIENT_SECRET": CLIENT_SECRET}


def config(**overrides: Any) -> LoketProviderConfig:
    fields: dict[str, Any] = {
        "type": "loket",
        "api_url": API,
        "oauth_url": OAUTH,
        "requests_per_second": 10_000.0,
        "max_retries": 3,
        "retry_budget_seconds": 60.0,
        **overrides,
    }
    return LoketProviderConfig.model_validate(fields)


def seed_store(root: Path, refresh_token: str = "refresh-0", oauth_url: str = OAUTH) -> TokenStore:
    store = TokenStore(root / ".mijnloket" / "loket-token.json")
    store.write(StoredToken.new(refresh_token, oauth_url))
    return store


@dataclass
class FakeUser:
    user_id: str
    login: str
    rights: dict[str, bool] = field(default_factory=dict)


@dataclass
class FakeEmployer:
    employer_id: str
    name: str
    modules: list[str] = field(default_factory=list)
    users: list[FakeUser] = field(default_factory=list)


RIGHTS = {"Raadplegen MijnLoket e-mailadres": 101, "Salarisstroken inzien": 102}


class FakeLoket:
    """A MockTransport handler; ``before`` may answer instead (faults, checks)."""

    def __init__(self, employers: list[FakeEmployer] | None = None) -> None:
        self.employers = {e.employer_id: e for e in employers or []}
        self.refresh_tokens = {"refresh-0"}
        self.used_refresh_tokens: set[str] = set()
        self.access_tokens: set[str] = set()
        self.issued = 0
        self.requests: list[httpx.Request] = []
        self.patches: list[tuple[str, Any]] = []
        self.before: Callable[[httpx.Request], httpx.Response | None] | None = None
        self.authorizations_status = 200
        self.expires_in = 3600

    def hooks(self, sleep: Callable[[float], None] | None = None) -> Hooks:
        return Hooks(transport=httpx.MockTransport(self), sleep=sleep or (lambda s: None))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before is not None:
            answer = self.before(request)
            if answer is not None:
                return answer
        if request.url.host == httpx.URL(OAUTH).host:
            return self._token(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.access_tokens:
            return httpx.Response(401, json={"message": "token"})
        if request.headers.get("Accept") != "application/json;version=2018-01-01":
            return httpx.Response(406)
        path = request.url.path.removeprefix("/v2/").split("/")
        return self._api(request, path)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return httpx.Response(401, json={"error": "invalid_client"})
        if form["grant_type"] == "refresh_token":
            if form["refresh_token"] not in self.refresh_tokens:
                return httpx.Response(400, json={"error": "invalid_grant"})
            self.refresh_tokens.discard(form["refresh_token"])
            self.used_refresh_tokens.add(form["refresh_token"])
        elif form.get("code") != "the-code":
            return httpx.Response(400, json={"error": "invalid_grant"})
        self.issued += 1
        access, refresh = f"access-{self.issued}-tok", f"refresh-{self.issued}"
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        body = {"access_token": access, "refresh_token": refresh, "expires_in": self.expires_in}
        return httpx.Response(200, json={**body, "token_type": "bearer"})

    def _api(self, request: httpx.Request, path: list[str]) -> httpx.Response:
        if path == ["providers"]:
            return _page(request, [{"id": "prov-1", "name": "Kantoor"}])
        if path == ["providers", "prov-1", "authorizationsets"]:
            sets = [{"id": 1, "description": "Alles", "authorizations": _rights()}]
            return _page(request, sets)
        if path == ["providers", "employers"]:
            items = [
                {"id": e.employer_id, "companyName": e.name, "employerNumber": i}
                for i, e in enumerate(self.employers.values())
            ]
            return _page(request, items)
        employer = self.employers.get(path[2]) if len(path) > 2 else None
        if employer is None:
            return httpx.Response(404, json={"message": "no such employer"})
        rest = path[3:]
        if not rest:
            return httpx.Response(
                200, json={"content": {"id": employer.employer_id, "companyName": employer.name}}
            )
        if rest == ["modules"]:
            items = [{"id": i, "name": n} for i, n in enumerate(employer.modules)]
            return _page(request, items)
        if rest == ["users"]:
            return _page(request, [{"id": u.user_id, "userName": u.login} for u in employer.users])
        user = next((u for u in employer.users if rest[1:2] == [u.user_id]), None)
        if user is None or rest[2:] != ["authorizations"]:
            return httpx.Response(404)
        if request.method == "PATCH":
            body = json.loads(request.content)
            self.patches.append((user.user_id, body))
            for item in body["authorizations"]:
                user.rights[item["description"]] = item["isEnabled"]
            return httpx.Response(204)
        if self.authorizations_status != 200:
            return httpx.Response(self.authorizations_status)
        items = [
            {"id": RIGHTS.get(d, 0), "description": d, "isEnabled": on}
            for d, on in user.rights.items()
        ]
        return _page(request, items)


def _rights() -> list[dict[str, Any]]:
    return [{"id": i, "description": d} for d, i in RIGHTS.items()]


def _page(request: httpx.Request, items: list[Any]) -> httpx.Response:
    number = int(request.url.params.get("pageNumber", "1"))
    size = int(request.url.params.get("pageSize", "100"))
    total = math.ceil(len(items) / size)
    chunk = items[(number - 1) * size : number * size]
    body = {
        "_embedded": chunk,
        "currentPage": number,
        "totalPages": total,
        "pageSize": size,
        "totalSize": len(items),
    }
    return httpx.Response(200, json=body)
