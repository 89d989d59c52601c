"""Which provider a repository uses: one factory per ``provider.type`` of the config.

A new provider adds its config model to :mod:`mijnloket_gitops.config` and one entry
to :data:`PROVIDERS`; nothing else needs to know it exists.
"""

from __future__ import annotations

from collections.abc import Callable

from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import ConfigError
from mijnloket_gitops.providers.base import Provider
from mijnloket_gitops.providers.sandbox import SandboxProvider, sandbox_path

ProviderFactory = Callable[[Settings], Provider]


def _sandbox(settings: Settings) -> Provider:
    return SandboxProvider.open(sandbox_path(settings), settings.catalog)


def _loket(settings: Settings) -> Provider:
    from mijnloket_gitops.loket.provider import LoketProvider  # imports httpx: only when used

    return LoketProvider.from_settings(settings)


PROVIDERS: dict[str, ProviderFactory] = {
    "sandbox": _sandbox,
    "loket": _loket,
}


def open_provider(settings: Settings) -> Provider:
    """The provider the repository's configuration selects, opened.

    Raises :class:`ProviderError` when it cannot be opened (for the sandbox: the
    database does not exist yet, with the command that creates it).
    """
    kind = settings.config.provider.type
    factory = PROVIDERS.get(kind)
    if factory is None:  # pragma: no cover - the config model only admits known types
        raise ConfigError(f"unknown provider type {kind!r}; known: {', '.join(sorted(PROVIDERS))}")
    return factory(settings)
