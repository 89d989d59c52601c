"""OAuth 2.0 with Loket.nl: the token endpoint, refresh-token rotation, the code exchange.

Rotation (:meth:`TokenManager.access_token`): under the store's file lock, re-read the
store (another process may have rotated the token since), send the refresh token,
write the *new* refresh token to the store, and only then hand out the access token.
The access token lives in memory only, with its expiry. Within a process a thread
lock makes sure one thread refreshes while the others wait for its result.

Errors: ``invalid_grant`` (refresh token expired, revoked or already used), a
missing store, and a new refresh token that could not be saved (the old one is spent;
the manager then refuses to refresh again) ask the user to run
``mijnloket-gitops auth login`` again;
``invalid_client`` and missing credentials name the environment variables.
"""

from __future__ import annotations

import secrets as random_tokens
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from mijnloket_gitops.errors import AuthError, ProviderError
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.loket.secrets import Secrets
from mijnloket_gitops.loket.store import LOGIN_HINT, StoredToken, TokenStore

EXPIRY_MARGIN_SECONDS = 30.0
"""Refresh this long before the access token expires, so it never expires in flight."""

DEFAULT_LIFETIME_SECONDS = 300.0
"""Assumed lifetime when the token endpoint gives no ``expires_in`` (a 401 still renews)."""


@dataclass(frozen=True)
class ClientCredentials:
    """The OAuth client id and secret, read from the environment."""

    client_id: str
    client_secret: str = field(repr=False)
    id_env: str = "LOKET_CLIENT_ID"
    secret_env: str = "LOKET_CLIENT_SECRET"

    @classmethod
    def from_env(cls, env: Mapping[str, str], id_env: str, secret_env: str) -> ClientCredentials:
        missing = [name for name in (id_env, secret_env) if not env.get(name)]
        if missing:
            raise AuthError(
                f"the Loket.nl OAuth client credentials are missing: set {' and '.join(missing)} "
                "(names configured by provider.client_id_env / client_secret_env)"
            )
        return cls(env[id_env], env[secret_env], id_env, secret_env)


@dataclass(frozen=True)
class TokenAnswer:
    """A successful answer of the token endpoint. Tokens are kept out of ``repr``."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: float


class OAuthClient:
    """Loket.nl's OAuth server: the authorize URL and the token endpoint."""

    def __init__(self, http: LoketHttp, credentials: ClientCredentials, secrets: Secrets) -> None:
        self.http = http
        self.url = http.base_url
        self._credentials = credentials
        self._secrets = secrets
        secrets.add(credentials.client_secret)

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = {
            "client_id": self._credentials.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "all",
            "state": state,
        }
        return f"{self.url}/authorize?{urlencode(query)}"

    def exchange_code(self, code: str, redirect_uri: str) -> TokenAnswer:
        self._secrets.add(code)
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return self._token(form, "the authorization code")

    def refresh(self, refresh_token: str) -> TokenAnswer:
        self._secrets.add(refresh_token)
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._token(form, "the stored refresh token")

    def _token(self, form: dict[str, str], what: str) -> TokenAnswer:
        form = {
            **form,
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret,
        }
        response = self.http.request("POST", "token", form=form, allow=(400, 401))
        body = self.http.decode(response)
        error = body.get("error") if isinstance(body, dict) else None
        if error == "invalid_grant":
            raise AuthError(
                f"Loket.nl refused {what} (invalid_grant: expired, revoked or already used); "
                f"{LOGIN_HINT}"
            )
        if error == "invalid_client" or response.status_code == 401:
            creds = self._credentials
            raise AuthError(
                f"Loket.nl refused the OAuth client (invalid_client): check the client id "
                f"and secret in the environment variables {creds.id_env} and {creds.secret_env}"
            )
        if not response.is_success:
            raise ProviderError(
                f"POST {self.url}/token answered {response.status_code}"
                f"{f' ({error})' if isinstance(error, str) else ''}"
            )
        return self._answer(body)

    def _answer(self, body: Any) -> TokenAnswer:
        access = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(access, str) or not access:
            raise ProviderError(f"POST {self.url}/token answered 200 without an access_token")
        refresh = body.get("refresh_token")
        expires = body.get("expires_in")
        self._secrets.add(access)
        self._secrets.add(refresh if isinstance(refresh, str) else None)
        return TokenAnswer(
            access,
            refresh if isinstance(refresh, str) and refresh else None,
            float(expires) if isinstance(expires, int | float) else 0.0,
        )

    def close(self) -> None:
        self.http.close()


class TokenManager:
    """Access tokens for :class:`~.http.BearerAuth`, refreshing and rotating as needed."""

    def __init__(
        self,
        store: TokenStore,
        oauth: OAuthClient,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._oauth = oauth
        self._clock = clock
        self._lock = threading.Lock()
        self._access: str | None = None
        self._expires_at = 0.0
        self._unsaved: str | None = None
        """Why the last refresh failed after spending the stored refresh token."""
        self._failed: str | None = None
        """Why a refresh failed: the threads waiting behind it get this, no new refresh."""
        self.refreshes = 0
        """How many refreshes this manager did (for tests and diagnostics)."""

    def _fresh(self) -> bool:
        if self._unsaved is not None:
            return False
        return self._access is not None and self._clock() < self._expires_at

    def access_token(self) -> str:
        with self._lock:
            if self._fresh():
                assert self._access is not None
                return self._access
            return self._refresh()

    def renew(self, stale: str) -> str:
        with self._lock:
            if self._access is not None and self._access != stale and self._fresh():
                return self._access  # another thread renewed it meanwhile
            return self._refresh()

    def _refresh(self) -> str:
        if self._unsaved is not None:  # never send the spent refresh token again
            raise AuthError(self._unsaved)
        if self._failed is not None:  # one failed refresh answers every thread after it
            raise AuthError(self._failed)
        try:
            return self._refresh_once()
        except ProviderError as error:
            self._failed = str(error)
            raise

    def _refresh_once(self) -> str:
        with self._store.lock():
            stored = self._store.read()
            if stored.oauth_url.rstrip("/") != self._oauth.url:
                raise AuthError(
                    f"the token store {self._store.path} was made for {stored.oauth_url}, "
                    f"but the configuration uses {self._oauth.url}; {LOGIN_HINT}"
                )
            answer = self._oauth.refresh(stored.refresh_token)
            if answer.refresh_token is not None:
                try:
                    self._store.write(StoredToken.new(answer.refresh_token, self._oauth.url))
                except OSError as error:
                    # the new access token is not handed out: without the new refresh
                    # token saved, the next run could not authenticate at all
                    self._unsaved = (
                        f"Loket.nl rotated the refresh token, but the new one could not be "
                        f"saved to {self._store.path} ({error.strerror}); the old one is "
                        f"spent, so make the folder writable and {LOGIN_HINT}"
                    )
                    raise AuthError(self._unsaved) from None
        self.refreshes += 1
        self._access = answer.access_token
        expires_in = answer.expires_in if answer.expires_in > 0 else DEFAULT_LIFETIME_SECONDS
        lifetime = max(expires_in - EXPIRY_MARGIN_SECONDS, expires_in / 2)
        self._expires_at = self._clock() + lifetime
        return self._access


def new_state() -> str:
    """A random ``state`` for the authorize URL."""
    return random_tokens.token_urlsafe(24)


def code_from_answer(answer: str, state: str | None) -> str:
    """The code from what the user pasted: the bare code, or the whole redirect URL.

    A URL's ``state`` must equal ``state`` (the one in the authorize URL we printed).
    """
    answer = answer.strip()
    if "://" not in answer and not answer.startswith(("?", "/")):
        if not answer:
            raise AuthError("no authorization code given")
        return answer
    query = parse_qs(urlsplit(answer).query)
    if "error" in query:
        raise AuthError(f"Loket.nl did not authorize: {query['error'][0]}")
    codes, states = query.get("code"), query.get("state")
    if not codes:
        raise AuthError("the redirect URL has no `code` parameter")
    if state is None:
        raise AuthError(
            "a redirect URL given with --code needs --state (the state of the authorize "
            "URL it came from); or give the bare code"
        )
    if not states or states[0] != state:
        raise AuthError(
            "the redirect URL's state does not match the authorize URL printed by this "
            "`auth login`; start again and use the URL it prints"
        )
    return codes[0]


def login(store: TokenStore, oauth: OAuthClient, code: str, redirect_uri: str) -> StoredToken:
    """Exchange an authorization code and start the store with its refresh token."""
    answer = oauth.exchange_code(code, redirect_uri)
    if answer.refresh_token is None:
        raise ProviderError("Loket.nl answered the code exchange without a refresh_token")
    token = StoredToken.new(answer.refresh_token, oauth.url)
    with store.lock():
        try:
            store.write(token)
        except OSError as error:
            raise AuthError(
                f"cannot save the refresh token to {store.path}: {error.strerror}; make the "
                "folder writable and run `mijnloket-gitops auth login` again"
            ) from None
    return token
