"""A rewriting HTTP proxy on 127.0.0.1 in front of the emulator, for answers no world
serves: a rights GET answering 500, a list whose ``currentPage`` is always 2, a PATCH
swallowed with a success. Real HTTP on both sides (loopback only).

:func:`rewriting_proxy` forwards every request to the emulator's root and hands each
answer to ``rewrite(method, path, status, body) -> (status, body) | None`` (None: the
answer as it was). ``intercept(method, path) -> (status, body) | None`` answers a
request without forwarding it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Answer = tuple[int, Any]
Rewrite = Callable[[str, str, int, Any], "Answer | None"]
Intercept = Callable[[str, str], "Answer | None"]

_FORWARDED = ("Authorization", "Accept", "Content-Type")


@contextmanager
def rewriting_proxy(
    upstream_root: str,
    rewrite: Rewrite | None = None,
    intercept: Intercept | None = None,
) -> Iterator[str]:
    """The proxy's root URL (``http://127.0.0.1:PORT``) for the block."""
    client = httpx.Client(base_url=upstream_root, timeout=30.0)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            path = self.path.split("?", 1)[0]
            answer = intercept(self.command, path) if intercept else None
            if answer is None:
                headers = {k: v for k in _FORWARDED if (v := self.headers.get(k)) is not None}
                upstream = client.request(self.command, self.path, content=body, headers=headers)
                try:
                    data: Any = upstream.json() if upstream.content else None
                except ValueError:
                    data = None
                answer = (upstream.status_code, data)
                if rewrite is not None:
                    answer = rewrite(self.command, path, *answer) or answer
            status, data = answer
            payload = b"" if data is None else json.dumps(data).encode()
            self.send_response(status)
            if payload:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PATCH = do_POST = do_OPTIONS = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        client.close()
