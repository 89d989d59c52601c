"""Wiring: from a :class:`LoketProviderConfig` to the HTTP clients, OAuth and token store.

The only place that reads the environment and turns configuration into objects; the
provider and the ``auth`` commands both start here. ``transport``, ``sleep`` and
``clock`` are for tests (``httpx.MockTransport``, a fake sleep).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import httpx

from mijnloket_gitops.config import LoketProviderConfig
from mijnloket_gitops.loket.budget import RequestBudget
from mijnloket_gitops.loket.http import BearerAuth, LoketHttp
from mijnloket_gitops.loket.oauth import ClientCredentials, OAuthClient, TokenManager
from mijnloket_gitops.loket.retry import RetryPolicy
from mijnloket_gitops.loket.secrets import Secrets
from mijnloket_gitops.loket.store import TokenStore


@dataclass(frozen=True)
class Hooks:
    """Test seams: an httpx transport, and the functions that sleep and tell time."""

    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


TOKEN_STORE_PATH_ENV = "MIJNLOKET_TOKEN_STORE_PATH"
"""Set by the GitHub action: the token store lives under $RUNNER_TEMP, never in a
checkout (whose ``token_store`` setting a pull request could point anywhere)."""


def token_store_path(
    config: LoketProviderConfig, root: Path, env: Mapping[str, str] | None = None
) -> Path:
    """``$MIJNLOKET_TOKEN_STORE_PATH`` when set, else ``token_store`` under ``root``."""
    override = (os.environ if env is None else env).get(TOKEN_STORE_PATH_ENV, "")
    return Path(override) if override else root / config.token_store


def token_store(
    config: LoketProviderConfig, root: Path, env: Mapping[str, str] | None = None
) -> TokenStore:
    """The token store of a repository (see :func:`token_store_path`)."""
    return TokenStore(token_store_path(config, root, env))


class OAuthSession:
    """The OAuth client and token store of one configuration (used by ``auth``)."""

    def __init__(
        self,
        config: LoketProviderConfig,
        root: Path,
        *,
        env: Mapping[str, str] | None = None,
        hooks: Hooks | None = None,
        budget: RequestBudget | None = None,
        secrets: Secrets | None = None,
    ) -> None:
        environment = os.environ if env is None else env
        hooks = hooks or Hooks()
        self.secrets = secrets or Secrets()
        self.policy = RetryPolicy(
            max_retries=config.max_retries,
            budget_seconds=config.retry_budget_seconds,
            sleep=hooks.sleep,
        )
        self.budget = budget or RequestBudget(
            config.requests_per_second, clock=hooks.clock, sleep=hooks.sleep
        )
        credentials = ClientCredentials.from_env(
            environment, config.client_id_env, config.client_secret_env
        )
        self.store = token_store(config, root, environment)
        _, oauth_url = config.urls
        http = LoketHttp(
            oauth_url,
            policy=self.policy,
            budget=self.budget,
            timeout=config.timeout_seconds,
            connections=2,
            secrets=self.secrets,
            transport=hooks.transport,
            setting="provider.oauth_url",
        )
        self.oauth = OAuthClient(http, credentials, self.secrets)

    def close(self) -> None:
        self.oauth.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ApiSession:
    """Everything the provider talks through: the API client with rotating tokens."""

    def __init__(
        self,
        config: LoketProviderConfig,
        root: Path,
        *,
        env: Mapping[str, str] | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        hooks = hooks or Hooks()
        self.auth = OAuthSession(config, root, env=env, hooks=hooks)
        self.tokens = TokenManager(self.auth.store, self.auth.oauth, clock=hooks.clock)
        api_url, _ = config.urls
        try:
            self.api = LoketHttp(
                api_url,
                policy=self.auth.policy,
                budget=self.auth.budget,
                auth=BearerAuth(self.tokens),
                timeout=config.timeout_seconds,
                connections=config.concurrency + 2,
                secrets=self.auth.secrets,
                transport=hooks.transport,
            )
        except BaseException:
            self.auth.close()
            raise

    def close(self) -> None:
        try:
            self.api.close()
        finally:
            self.auth.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
