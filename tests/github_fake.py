"""A fake GitHub REST API on 127.0.0.1 (stdlib http.server), just the endpoints the
workflow scripts call, with GitHub's pagination (``Link`` headers), its 65,536
character limit on bodies, and bearer-token checks."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPO = "acme/loket-config"
TOKEN = "ghs_fake-token-0123456789"
BOT = "github-actions[bot]"
"""The login of what the token writes (GitHub's for GITHUB_TOKEN)."""
LIMIT = 65_536


@dataclass
class FakeGitHub:
    """The server's state; tests read and change it directly."""

    url: str = ""
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    pulls_for_commit: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    """Every artifact of the repository (``workflow_run.id`` names its run)."""
    pulls: list[dict[str, Any]] = field(default_factory=list)
    branches: dict[str, str] = field(default_factory=lambda: {"main": "m3rge"})
    """Branch → its tip commit; the first is the default branch."""
    history: list[str] = field(default_factory=list)
    """The default branch's commits, oldest first (for ``compare``)."""
    private: bool | None = True
    """The repository's visibility as ``GET /repos/{repo}`` says it (None: not said)."""
    fail: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Path prefix → (status, message) to answer instead."""
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """Pull request number → its reviews, oldest first (issue 23)."""
    teams: dict[str, set[str]] = field(default_factory=dict)
    """``org/team-slug`` → the logins of its active members (issue 23)."""
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Commit → the commit statuses set on it, oldest first (issue 23)."""
    log: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 1000

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def comment(self, pr: int, body: str, user: str = "someone") -> dict[str, Any]:
        item = {"id": self.new_id(), "body": body, "user": {"login": user}}
        item["html_url"] = f"https://github.test/{REPO}/pull/{pr}#issuecomment-{item['id']}"
        self.comments.setdefault(pr, []).append(item)
        return item

    def review(self, pr: int, login: str, state: str, commit_id: str) -> dict[str, Any]:
        """Submit a review (``APPROVED``, ``CHANGES_REQUESTED``, ``COMMENTED``, ...)."""
        item = {
            "id": self.new_id(),
            "user": {"login": login},
            "state": state,
            "commit_id": commit_id,
            "submitted_at": f"2026-12-08T10:{len(self.reviews.get(pr, [])):02d}:00Z",
        }
        self.reviews.setdefault(pr, []).append(item)
        return item

    def issue(
        self,
        body: str,
        *,
        pull_request: bool = False,
        state: str = "open",
        user: str = "someone",
        labels: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        number = self.new_id()
        item: dict[str, Any] = {"number": number, "title": "t", "body": body, "state": state}
        item["user"] = {"login": user}
        item["labels"] = [{"name": name} for name in labels]
        item["html_url"] = f"https://github.test/{REPO}/issues/{number}"
        if pull_request:
            item["pull_request"] = {"url": "x"}
        self.issues.append(item)
        return item


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, data: Any = None, headers: dict[str, str] | None = None) -> None:
        body = b"" if data is None else json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _page(
        self, items: list[dict[str, Any]], query: dict[str, list[str]], key: str | None
    ) -> None:
        per_page = int(query.get("per_page", ["30"])[0])
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            path = urlsplit(self.path).path
            headers["Link"] = (
                f'<{self.fake.url}{path}?per_page={per_page}&page={page + 1}>; rel="next"'
            )
        data: Any = {"total_count": len(items), key: chunk} if key else chunk
        self._send(200, data, headers)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return dict(json.loads(self.rfile.read(length) or b"{}"))

    def _handle(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        fake.log.append((method, self.path))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, {"message": "Bad credentials"})
        for prefix, (status, message) in fake.fail.items():
            if path.startswith(prefix):
                return self._send(status, {"message": message})
        body = self._body() if method in ("POST", "PATCH") else {}
        if len(str(body.get("body", ""))) > LIMIT:
            return self._send(422, {"message": "Validation Failed: body is too long"})
        base = f"/repos/{REPO}"
        if path == base:
            about: dict[str, Any] = {
                "full_name": REPO,
                "default_branch": next(iter(fake.branches)),
            }
            if fake.private is not None:
                about["private"] = fake.private
            return self._send(200, about)
        if m := re.fullmatch(r"/orgs/([\w.-]+)/teams/([\w.-]+)/memberships/([\w.-]+)", path):
            if m[3] in fake.teams.get(f"{m[1]}/{m[2]}", set()):
                return self._send(200, {"state": "active", "role": "member"})
            return self._send(404, {"message": "Not Found"})
        route = path[len(base) :] if path.startswith(base) else None
        if route is None:
            return self._send(404, {"message": "Not Found"})
        self._route(method, route, query, body)

    def _route(
        self, method: str, route: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> None:
        fake = self.fake
        if m := re.fullmatch(r"/issues/(\d+)/comments", route):
            number = int(m[1])
            if method == "GET":
                return self._page(fake.comments.get(number, []), query, None)
            return self._send(201, fake.comment(number, body["body"], BOT))
        if m := re.fullmatch(r"/issues/comments/(\d+)", route):
            for items in fake.comments.values():
                for item in items:
                    if item["id"] == int(m[1]):
                        if method == "DELETE":
                            items.remove(item)
                            return self._send(204)
                        item["body"] = body["body"]
                        return self._send(200, item)
            return self._send(404, {"message": "Not Found"})
        if route == "/issues":
            if method == "GET":
                state = query.get("state", ["open"])[0]
                wanted = set(filter(None, query.get("labels", [""])[0].split(",")))
                creator = query.get("creator", [""])[0]
                found = [
                    i
                    for i in fake.issues
                    if i["state"] == state
                    and wanted <= {label["name"] for label in i["labels"]}
                    and creator in ("", i["user"]["login"])
                ]
                return self._page(found, query, None)
            item = fake.issue(body["body"], user=BOT, labels=tuple(body.get("labels", ())))
            item["title"] = body["title"]
            return self._send(201, item)
        if m := re.fullmatch(r"/issues/(\d+)", route):
            for item in fake.issues:
                if item["number"] == int(m[1]):
                    item.update(body)
                    return self._send(200, item)
            return self._send(404, {"message": "Not Found"})
        if m := re.fullmatch(r"/commits/(\w+)/pulls", route):
            return self._send(200, fake.pulls_for_commit.get(m[1], []))
        if m := re.fullmatch(r"/actions/runs/(\d+)", route):
            for run in fake.runs:
                if run["id"] == int(m[1]):
                    return self._send(200, run)
            return self._send(404, {"message": "Not Found"})
        if (m := re.fullmatch(r"/branches/([\w.-]+)", route)) and m[1] in fake.branches:
            return self._send(200, {"name": m[1], "commit": {"sha": fake.branches[m[1]]}})
        if m := re.fullmatch(r"/compare/(\w+)\.\.\.(\w+)", route):
            older, newer = m[1], m[2]
            if older == newer:
                return self._send(200, {"status": "identical"})
            known = older in fake.history and newer in fake.history
            ahead = known and fake.history.index(older) < fake.history.index(newer)
            return self._send(200, {"status": "ahead" if ahead else "diverged"})
        if route == "/actions/artifacts":
            name = query.get("name", [""])[0]
            return self._page([a for a in fake.artifacts if a["name"] == name], query, "artifacts")
        if (m := re.fullmatch(r"/statuses/(\w+)", route)) and method == "POST":
            fake.statuses.setdefault(m[1], []).append(body)
            return self._send(201, body)
        if m := re.fullmatch(r"/pulls/(\d+)/reviews", route):
            return self._page(fake.reviews.get(int(m[1]), []), query, None)
        if m := re.fullmatch(r"/pulls/(\d+)", route):
            for pull in fake.pulls:
                if pull.get("number") == int(m[1]):
                    return self._send(200, pull)
            return self._send(404, {"message": "Not Found"})
        if route == "/pulls":
            head = query.get("head", [""])[0]
            state = query.get("state", ["open"])[0]
            found = [p for p in fake.pulls if p["head"]["label"] == head and p["state"] == state]
            return self._page(found, query, None)
        return self._send(404, {"message": "Not Found"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


def serve() -> Iterator[FakeGitHub]:
    """Run a fake on a free port for as long as the generator is open."""
    fake = FakeGitHub()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
