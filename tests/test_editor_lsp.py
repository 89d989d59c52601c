"""The employer schema in a real editor client: yaml-language-server (what VS Code's
YAML extension runs), driven over the Language Server Protocol on stdio.

Completing or hovering a product shows its tier effect and what it requires; hovering
a right says who may hold it; the tier's hover has one title. yaml-language-server
is installed from the npm registry into a cache folder on first use; the test skips,
saying why, where node or npm is missing or the registry cannot be reached.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.npm_cache import npm_file

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "employer.schema.json"
VERSION = "1.19.2"  # the server of VS Code's YAML extension 1.19

pytestmark = pytest.mark.slow

EMPTY_ITEM = "  - "  # where the completion is asked for
DOCUMENT = f"""\
# yaml-language-server: $schema={SCHEMA.as_uri()}
version: 1
employer_id: 0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10
name: Bakkerij De Vries B.V.
addendum:
  status: signed
  signed_on: 2025-03-14
  ticket: "LKT-48211"
tier: pro
products:
  - MijnLoket
  - MijnLoket - Preboarding
  - Preboarding
{EMPTY_ITEM}
users:
  - login: a@b.nl
    type: werkgevergebruiker
    rights:
      - Raadplegen MijnLoket e-mailadres
"""
LINES = DOCUMENT.splitlines()


def _line(prefix: str) -> int:
    return next(i for i, line in enumerate(LINES) if line.startswith(prefix))


def _server() -> Path:
    return npm_file("yaml-language-server", VERSION, "bin/yaml-language-server")


class Client:
    """A minimal LSP client: framed JSON-RPC over the server's stdin and stdout."""

    def __init__(self, server: Path) -> None:
        self.process = subprocess.Popen(
            [str(shutil.which("node")), str(server), "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            self._read_messages(stream)
        except (OSError, ValueError):  # the stream was closed at shutdown
            return

    def _read_messages(self, stream: IO[bytes]) -> None:
        while True:
            length = 0
            while (header := stream.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            if not header:
                return
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self.send({"id": wanted, "method": method, "params": params})
        while True:
            message = self.messages.get(timeout=60)
            if message.get("id") == wanted and "method" not in message:
                assert "error" not in message, message
                return message.get("result")
            if "method" in message and "id" in message:  # a request from the server
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [_SETTINGS["yaml"] for _ in message["params"]["items"]]
                self.send({"id": message["id"], "result": result})

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()


_SETTINGS = {"yaml": {"validate": True, "hover": True, "completion": True, "schemas": {}}}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, str]]:
    started = Client(_server())
    folder = tmp_path_factory.mktemp("editor")
    uri = (folder / "bakkerij.yaml").as_uri()
    try:
        markdown = {"documentationFormat": ["markdown", "plaintext"]}
        started.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": folder.as_uri(),
                "capabilities": {
                    "textDocument": {
                        "completion": {"completionItem": markdown},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                    }
                },
            },
        )
        started.notify("initialized", {})
        started.notify("workspace/didChangeConfiguration", {"settings": _SETTINGS})
        document = {"uri": uri, "languageId": "yaml", "version": 1, "text": DOCUMENT}
        started.notify("textDocument/didOpen", {"textDocument": document})
        yield started, uri
    finally:
        started.close()


def _hover(client: tuple[Client, str], line: int, character: int) -> str:
    lsp, uri = client
    result = lsp.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
    )
    assert result is not None, "no hover"
    contents = result["contents"]
    return str(contents["value"] if isinstance(contents, dict) else contents)


def test_completing_a_product_shows_its_tier_effect_and_requirements(
    client: tuple[Client, str],
) -> None:
    lsp, uri = client
    line = LINES.index(EMPTY_ITEM)
    result = lsp.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": 4}},
    )
    items = result["items"] if isinstance(result, dict) else result
    by_label = {item["label"]: item for item in items}
    assert len([label for label in by_label if label.startswith("MijnLoket")]) >= 12
    item = by_label["MijnLoket - Verlofaanvragen"]
    documentation = item["documentation"]
    text = documentation["value"] if isinstance(documentation, dict) else documentation
    assert "Tier: Plus" in text
    assert "Requires: `MijnLoket`, `Verlofregistratie`, `Verlofregeling`" in text


def test_hovering_a_product_shows_its_tier_effect_and_requirements(
    client: tuple[Client, str],
) -> None:
    text = _hover(client, _line("  - MijnLoket - Preboarding"), 8)
    first = text.split("* `", 2)[1]  # the hovered value comes first under Allowed Values
    assert first.startswith("MijnLoket - Preboarding`"), text
    assert "Tier: Pro" in first and "Requires: `MijnLoket`, `Preboarding`" in first


def test_hovering_a_right_says_who_may_hold_it(client: tuple[Client, str]) -> None:
    text = _hover(client, _line("      - Raadplegen"), 12)
    assert "Can be held by: ak-gebruikers and werkgevergebruikers" in text
    assert "personal data" in text


def test_the_tier_hover_has_one_title(client: tuple[Client, str]) -> None:
    text = _hover(client, _line("tier: pro"), 7)
    assert "||" not in text, text
    assert "**Pro** as soon as any of" in text
