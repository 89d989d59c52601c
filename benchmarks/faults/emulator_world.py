"""The loket provider's world (the emulator on 127.0.0.1), and reaching the end."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from mijnloket_gitops.emulator.server import EmulatorHandle, running_emulator
from mijnloket_gitops.emulator.state import API_ORIGIN, EmulatorConfig
from mijnloket_gitops.emulator.tokens import TokenPair
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.loket.store import StoredToken, TokenStore
from mijnloket_gitops.sandbox.writer import Writer

from .scenario import (
    CLIENT_ID,
    CLIENT_SECRET,
    LIVE_DB,
    STATE,
    TOKENS,
    CaseFailed,
    Key,
    write_scenario,
)
from .worlds import Trigger, World


class EmulatorWorld(World):
    """The loket provider against an emulator on 127.0.0.1, in a thread of this process.

    Products are manual steps here: :meth:`person` does them through the emulator's
    admin endpoint, reading the work order as a person would.
    """

    provider = "loket"

    def __init__(
        self, root: Path, required: set[Key], server: EmulatorHandle, config: dict[str, object]
    ) -> None:
        self.server = server
        self.config = config
        self.issued: set[str] = set()
        self.after_refresh: Callable[[], None] | None = None
        self.after_commit: Callable[[], None] | None = None
        tokens = server.state.tokens
        # wrap the emulator's token registry to learn every token it issues (for the
        # secrets check) and to act at the moment a refresh token is spent, and its
        # store to act the moment a change through the API is committed
        setattr(tokens, "exchange_code", self._remembering(tokens.exchange_code, False))  # noqa: B010
        setattr(tokens, "refresh", self._remembering(tokens.refresh, True))  # noqa: B010
        setattr(server.state.store, "write", self._committing(server.state.store.write))  # noqa: B010
        super().__init__(root, required)
        self.login()

    def _remembering(
        self, method: Callable[..., TokenPair], refresh: bool
    ) -> Callable[..., TokenPair]:
        def issue(*args: Any) -> TokenPair:
            pair = method(*args)
            self.issued |= {pair.access_token, pair.refresh_token}
            if refresh and self.after_refresh is not None:
                self.after_refresh()
            return pair

        return issue

    def _committing(
        self, write: Callable[..., contextlib.AbstractContextManager[Writer]]
    ) -> Callable[..., contextlib.AbstractContextManager[Writer]]:
        @contextlib.contextmanager
        def committed(origin: str, **kwargs: Any) -> Iterator[Writer]:
            with write(origin, **kwargs) as tx:
                yield tx
            if origin == API_ORIGIN and self.after_commit is not None:
                self.after_commit()

        return committed

    def provider_config(self) -> dict[str, object]:
        return {
            "api_url": self.server.base_url,
            "oauth_url": self.server.oauth_url,
            "token_store": TOKENS,
            "requests_per_second": 1000,
            "concurrency": 4,
            "max_retries": 6,
            "retry_budget_seconds": 60,
            **self.config,
        }

    def login(self) -> None:
        """What ``auth login`` does: a fresh refresh token in the store."""
        store = TokenStore(self.repo / TOKENS)
        token = self.server.issue_tokens().refresh_token
        self.issued.add(token)
        with store.lock():
            store.write(StoredToken.new(token, self.server.oauth_url))

    def changes(self) -> list[tuple[str, Key]]:
        return [(c.origin, (c.employer_id, c.action, c.subject)) for c in self.server.changes()]

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.server.admin_url}/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def person(self) -> int:
        order = json.loads((self.repo / STATE / "work-order" / "work-order.json").read_text())
        done = 0
        for employer in order["employers"]:
            for task in employer["tasks"]:
                if task["product"] and not task["blocked"]:
                    body = {"name": task["product"], "active": task["action"] == "activate"}
                    self.admin(f"employers/{employer['employer_id']}/modules", body)
                    done += 1
        return done

    def secrets(self) -> set[str]:
        return {CLIENT_SECRET, *self.issued}

    def injected(self) -> int:
        return self.faults + sum(1 for r in self.server.requests() if r.fault)

    def token_requests(self, since: int = 0) -> int:
        return sum(1 for r in self.server.requests(since) if r.path.endswith("/oauth/token"))


MATRIX_WORLD: dict[str, Any] = {
    "world": "current",
    "disabled": frozenset(
        {
            Capability.MODULES_WRITE,
            Capability.PROVIDER_USERS_READ,
            Capability.PROVIDER_USER_RIGHTS_READ,
            Capability.PROVIDER_USER_RIGHTS_WRITE,
        }
    ),
}
"""The emulated Loket.nl of the matrix: rights of werkgevergebruikers readable (so every
rights step is verified and a repeat is a duplicate), products switched by a person
(the emulator's admin endpoint), ak-gebruikers invisible."""


@contextlib.contextmanager
def world(
    kind: str,
    root: Path,
    employers: int,
    emulator: dict[str, Any] | None = None,
    **config: object,
) -> Iterator[World]:
    """A fresh world of ``kind`` ("sandbox" or "loket") under ``root``.

    ``emulator``: :class:`EmulatorConfig` fields; ``config``: loket provider settings.
    """
    required = write_scenario(root / "repo", employers)
    if kind == "sandbox":
        yield World(root, required)
        return
    settings = EmulatorConfig(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **{**MATRIX_WORLD, **(emulator or {})}
    )
    with running_emulator(root / "repo" / LIVE_DB, settings) as server:
        yield EmulatorWorld(root, required, server, config)


def converge(world: World, *, trigger: Trigger | None = None, saved: bool = False) -> None:
    """Apply until it finishes (doing manual steps in between), then verify with ``plan``."""
    plan = None
    if saved:
        plan = world.root / "plan.json"
        world.cli("plan", "--out", str(plan)).expect(0)
    for _ in range(8):
        run = world.apply(trigger=trigger, plan=plan)
        if run.interrupted == "killed":
            continue
        if run.code == 0:
            break
        if run.code == 4 and world.person():
            continue
        run.expect(0)
    else:
        raise CaseFailed("apply did not finish in 8 runs")
    world.cli("plan", "--detailed-exitcode").expect(0)
