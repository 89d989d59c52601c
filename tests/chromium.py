"""Load a page in real headless Chromium (Debian's ``chromium``) over the DevTools protocol.

Returns what a test needs to know about the page: console errors and uncaught
exceptions, every URL the page requested, and a PNG screenshot decoded to pixels.
The protocol is spoken with aiohttp's websocket client (a test dependency already),
so no browser-automation package is needed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


@dataclass
class PageLoad:
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    png: bytes = b""
    value: Any = None
    """What ``evaluate`` gave (a promise is awaited), as JSON values."""


def load_page(
    browser: str, url: str, width: int = 1200, height: int = 900, evaluate: str | None = None
) -> PageLoad:
    # Chromium's helper processes can still write to the profile for a moment after
    # the browser ends; they are in its session (killed together), and a file they
    # leave behind must not fail the test at clean-up.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [
                browser, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--hide-scrollbars",
                "--remote-debugging-port=0", f"--user-data-dir={profile}",
                f"--window-size={width},{height}", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            port = _devtools_port(process)
            return asyncio.run(asyncio.wait_for(_drive(port, url, evaluate), timeout=60))
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            if process.stderr is not None:
                process.stderr.close()


def _devtools_port(process: subprocess.Popen[str]) -> int:
    assert process.stderr is not None
    for line in process.stderr:
        match = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if match:
            return int(match.group(1))
    raise RuntimeError(f"chromium exited ({process.wait()}) without a DevTools port")


async def _drive(port: int, url: str, evaluate: str | None) -> PageLoad:
    result = PageLoad()
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/json/list") as answer:
            targets = await answer.json()
        page = next(t for t in targets if t["type"] == "page")
        async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            calls = iter(range(1, 1_000_000))

            async def call(method: str, **params: Any) -> dict[str, Any]:
                ident = next(calls)
                await ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))
                while True:
                    message = json.loads((await ws.receive()).data)
                    if message.get("id") == ident:
                        if "error" in message:
                            raise RuntimeError(f"{method}: {message['error']}")
                        reply: dict[str, Any] = message.get("result", {})
                        return reply
                    _event(message, result)

            for domain in ("Page", "Runtime", "Log", "Network"):
                await call(f"{domain}.enable")
            await call("Page.navigate", url=url)
            while True:  # until the page has loaded
                message = json.loads((await ws.receive()).data)
                _event(message, result)
                if message.get("method") == "Page.loadEventFired":
                    break
            if evaluate is not None:
                evaluated = await call(
                    "Runtime.evaluate", expression=evaluate, awaitPromise=True, returnByValue=True
                )
                result.value = evaluated["result"].get("value")
            shot = await call("Page.captureScreenshot", format="png")
            result.png = base64.b64decode(shot["data"])
    return result


def _event(message: dict[str, Any], result: PageLoad) -> None:
    method, params = message.get("method"), message.get("params", {})
    if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
        result.errors.append(json.dumps(params["args"]))
    elif method == "Runtime.exceptionThrown":
        result.errors.append(json.dumps(params["exceptionDetails"]))
    elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
        result.errors.append(params["entry"]["text"])
    elif method == "Network.requestWillBeSent":
        result.requests.append(params["request"]["url"])


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGBA pixels of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, b""
    width = height = channels = 0
    while position < len(data):
        (size,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + size]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour)
            channels = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            chunks += body
        position += 12 + size
    raw = zlib.decompress(chunks)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if filter_type == 1:
                line[x] = (line[x] + left) & 0xFF
            elif filter_type == 2:
                line[x] = (line[x] + up) & 0xFF
            elif filter_type == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + guess) & 0xFF
        previous = line
        if channels == 3:
            rows.append(b"".join(bytes(line[i : i + 3]) + b"\xff" for i in range(0, stride, 3)))
        else:
            rows.append(bytes(line))
    return width, height, rows


def file_url(path: Path) -> str:
    return path.resolve().as_uri()
