"""The loket provider pointed at a running emulator (tests/emulator_fixtures.py).

- :func:`loket_config`: a :class:`LoketProviderConfig` for the emulator's URLs;
- :func:`authorize`: the token store started as ``auth login`` would (a code exchange
  done by the emulator's helper);
- :func:`open_loket`: a :class:`LoketProvider` on the emulator, sleeping for real
  unless told otherwise;
- :func:`write_repo_config`: ``mijnloket-gitops.yaml`` selecting the loket provider,
  for tests that go through the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mijnloket_gitops.config import LoketProviderConfig
from mijnloket_gitops.emulator.server import EmulatorHandle
from mijnloket_gitops.loket.provider import LoketProvider
from mijnloket_gitops.loket.session import Hooks
from mijnloket_gitops.loket.store import StoredToken, TokenStore
from tests.emulator_fixtures import CLIENT_ID, CLIENT_SECRET, SeededEmulator

ENV = {"LOKET_CLIENT_ID": CLIENT_ID, "LOKET_CLIENT_SECRET": CLIENT_SECRET}
TOKEN_STORE = ".mijnloket/loket-token.json"


def loket_config(server: EmulatorHandle, **fields: Any) -> LoketProviderConfig:
    values: dict[str, Any] = {
        "type": "loket",
        "api_url": server.base_url,
        "oauth_url": server.oauth_url,
        "requests_per_second": 10_000.0,
        "concurrency": 4,
        "max_retries": 6,
        "retry_budget_seconds": 30.0,
        **fields,
    }
    return LoketProviderConfig.model_validate(values)


def authorize(server: EmulatorHandle, root: Path) -> TokenStore:
    """Start ``root``'s token store with a fresh refresh token of the emulator."""
    store = TokenStore(root / TOKEN_STORE)
    store.write(StoredToken.new(server.issue_tokens().refresh_token, server.oauth_url))
    return store


def open_loket(started: SeededEmulator, hooks: Hooks | None = None, **fields: Any) -> LoketProvider:
    if not (started.repo / TOKEN_STORE).exists():
        authorize(started.server, started.repo)
    config = loket_config(started.server, **fields)
    return LoketProvider.open(config, started.repo, env=ENV, hooks=hooks)


def write_repo_config(started: SeededEmulator, **fields: Any) -> Path:
    """``mijnloket-gitops.yaml`` in the emulator's repository, selecting the loket provider."""
    config = loket_config(started.server, **fields)
    lines = ["version: 1", "provider:", "  type: loket"]
    for name in ("api_url", "oauth_url", "requests_per_second", "concurrency", "max_retries"):
        lines.append(f"  {name}: {getattr(config, name)}")
    path = started.repo / "mijnloket-gitops.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
