"""Authorization codes, access tokens and rotating refresh tokens; no HTTP here.

Rules (those of the contract):

- a code is valid once, for ``code_lifetime`` seconds, with the redirect URI it was
  issued for;
- a refresh token is valid once: using it issues a new pair and invalidates it;
- an access token expires ``access_lifetime`` seconds after it was issued; refreshing
  does not end the old access token early;
- :meth:`TokenRegistry.expire` ends tokens now (tests); :meth:`TokenRegistry.revoke`
  ends every token and refresh token, as when the user withdraws consent.

Every failure is an :class:`OAuthError` carrying the OAuth error code and status.
Thread-safe; ``clock`` is injectable so tests can move time on.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]
monotonic: Clock = time.monotonic


class OAuthError(Exception):
    """An OAuth error answer: ``error`` is the OAuth code, ``status`` the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class TokenPair:
    access_token: str = ""
    refresh_token: str = ""
    expires_in: int = 0

    @property
    def data(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": self.expires_in,
            "token_type": "bearer",
        }

    def __repr__(self) -> str:  # never show tokens, not even in a failing test
        return f"TokenPair(expires_in={self.expires_in})"


@dataclass
class _Grant:
    expires_at: float
    redirect_uri: str = ""
    used: bool = False
    revoked: bool = False


class TokenRegistry:
    """The OAuth server's memory: which codes and tokens exist and are still valid."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        access_lifetime: int,
        refresh_lifetime: int,
        code_lifetime: int,
        clock: Clock = monotonic,
    ) -> None:
        self._client = (client_id, client_secret)
        self._lifetimes = (access_lifetime, refresh_lifetime, code_lifetime)
        self._clock = clock
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def check_client(self, client_id: str, client_secret: str | None = None) -> None:
        """The client id (and secret, when given) are the configured ones."""
        good_id, good_secret = self._client
        ok = hmac.compare_digest(client_id.encode(), good_id.encode())
        if client_secret is not None:
            ok = hmac.compare_digest(client_secret.encode(), good_secret.encode()) and ok
        if not ok:
            raise OAuthError("invalid_client", "unknown client id or wrong client secret", 401)

    def issue_code(self, client_id: str, redirect_uri: str) -> str:
        """A new authorization code, as if the user logged in and consented."""
        self.check_client(client_id)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(self._clock() + self._lifetimes[2], redirect_uri)
        return code

    def exchange_code(
        self, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> TokenPair:
        self.check_client(client_id, client_secret)
        with self._lock:
            grant = self._use(self._codes.get(code), "authorization code")
            if grant.redirect_uri != redirect_uri:
                raise OAuthError("invalid_grant", "redirect_uri differs from the authorize call")
            return self._issue()

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> TokenPair:
        self.check_client(client_id, client_secret)
        with self._lock:
            self._use(self._refresh.get(refresh_token), "refresh token")
            return self._issue()

    def _use(self, grant: _Grant | None, what: str) -> _Grant:
        if grant is None:
            raise OAuthError("invalid_grant", f"unknown {what}")
        if grant.revoked:
            raise OAuthError("invalid_grant", f"the {what} was revoked")
        if grant.used:
            raise OAuthError("invalid_grant", f"the {what} was already used")
        if grant.expires_at <= self._clock():
            raise OAuthError("invalid_grant", f"the {what} expired")
        grant.used = True
        return grant

    def _issue(self) -> TokenPair:
        access_lifetime, refresh_lifetime, _ = self._lifetimes
        now = self._clock()
        pair = TokenPair(secrets.token_urlsafe(32), secrets.token_urlsafe(32), access_lifetime)
        self._access[pair.access_token] = _Grant(now + access_lifetime)
        self._refresh[pair.refresh_token] = _Grant(now + refresh_lifetime)
        return pair

    def access_problem(self, token: str) -> str | None:
        """Why ``token`` may not be used (unknown, expired or revoked), or None."""
        with self._lock:
            grant = self._access.get(token)
            if grant is None:
                return "unknown access token"
            if grant.revoked:
                return "the access token was revoked"
            if grant.expires_at <= self._clock():
                return "the access token expired"
            return None

    def expire(self, *, refresh: bool = False) -> int:
        """End every access token now (and every refresh token too when ``refresh``).

        Returns how many tokens ended.
        """
        now = self._clock()
        with self._lock:
            grants = list(self._access.values())
            if refresh:
                grants += self._refresh.values()
            live = [g for g in grants if not (g.used or g.revoked) and g.expires_at > now]
            for grant in live:
                grant.expires_at = now
            return len(live)

    def revoke(self) -> int:
        """Withdraw consent: no token or refresh token issued so far works any more.

        Returns how many were still valid.
        """
        now = self._clock()
        with self._lock:
            grants = [g for g in (*self._access.values(), *self._refresh.values()) if not g.used]
            live = sum(1 for g in grants if not g.revoked and g.expires_at > now)
            for grant in grants:
                grant.revoked = True
            return live
