"""Access to Exact Online: the OAuth2 code flow, rotating refresh tokens shared by all workers,
and the rate-limit headers (60 calls a minute, 5,000 a day per division)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from bookkeeping.connectors.base import (
    AuthError,
    Connector,
    QuotaExceeded,
    RateLimited,
)
from bookkeeping.connectors.errors import later, noop
from bookkeeping.connectors.registry import NOT_CONFIGURED_MESSAGE

if TYPE_CHECKING:
    from bookkeeping.models import Integration

RECONNECT_HINT = noop("Reconnect Exact Online in Integration settings.")
LIMIT_HINT = noop("The sync goes on by itself when the limit resets.")
# Renew the access token this long before it expires (it lives 10 minutes).
REFRESH_MARGIN_SECONDS = 30


class ExactOnlineAccess(Connector):
    """Tokens and rate limits; ExactOnlineConnector adds the bookkeeping."""

    def __init__(self, integration: Integration):
        super().__init__(integration)
        self.session.headers["Accept"] = "application/json"
        self._minutely: tuple[int, float] | None = None  # (remaining, reset epoch seconds)
        self._daily: tuple[int, float] | None = None

    # Interface: connecting -------------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        client_id, _ = self._client()
        query = urlencode(
            {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "state": state,
            }
        )
        return f"{self.base_url}/api/oauth2/auth?{query}"

    def complete_authorization(self, *, code: str, redirect_uri: str) -> None:
        tokens = self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )
        with self.locked_credentials() as credentials:
            credentials.update(tokens)

    # Plumbing hooks --------------------------------------------------------------------------

    def before_request(self) -> None:
        now = time.time()
        for window, error_class in ((self._daily, QuotaExceeded), (self._minutely, RateLimited)):
            if window is not None and window[0] <= 0 and window[1] > now:
                raise error_class(
                    later("Exact Online's call limit is used up for now."),
                    retry_after=window[1] - now,
                    hint=later(LIMIT_HINT),
                )
        credentials = self.credentials
        if not credentials.get("access_token") or (
            float(credentials.get("expires_at") or 0) - REFRESH_MARGIN_SECONDS <= now
        ):
            self._refresh()

    def prepare_request(self, kwargs: dict[str, Any]) -> None:
        headers = dict(kwargs.get("headers") or {})
        headers["Authorization"] = f"Bearer {self.credentials.get('access_token', '')}"
        kwargs["headers"] = headers

    def after_response(self, response: requests.Response) -> None:
        headers = response.headers
        for prefix, attribute in (
            ("X-RateLimit-Minutely-", "_minutely"),
            ("X-RateLimit-", "_daily"),
        ):
            try:
                remaining = int(headers[f"{prefix}Remaining"])
                reset = int(headers[f"{prefix}Reset"]) / 1000
            except (KeyError, ValueError):
                continue
            setattr(self, attribute, (remaining, reset))

    def reauthenticate(self) -> None:
        self._refresh(force=True)

    def check_response(self, response: requests.Response) -> None:
        if response.status_code == 429:
            minutely = response.headers.get("X-RateLimit-Minutely-Remaining")
            daily_out = minutely is None or minutely != "0"
            header = "X-RateLimit-Reset" if daily_out else "X-RateLimit-Minutely-Reset"
            try:
                wait = int(response.headers[header]) / 1000 - time.time()
            except (KeyError, ValueError):
                wait = self.retry_after(response)
            error_class = (
                QuotaExceeded
                if daily_out and "X-RateLimit-Reset" in response.headers
                else RateLimited
            )
            raise error_class(
                later("Exact Online asks us to slow down."),
                retry_after=max(wait, 1.0),
                hint=later(LIMIT_HINT),
                status=429,
                detail=response.text,
            )
        super().check_response(response)

    # Tokens ----------------------------------------------------------------------------------

    def _client(self) -> tuple[str, str]:
        client_id = getattr(settings, "EXACT_ONLINE_CLIENT_ID", "")
        secret = getattr(settings, "EXACT_ONLINE_CLIENT_SECRET", "")
        missing = [
            name
            for name, value in (
                ("EXACT_ONLINE_CLIENT_ID", client_id),
                ("EXACT_ONLINE_CLIENT_SECRET", secret),
            )
            if not value
        ]
        if missing:
            raise ImproperlyConfigured(
                later(NOT_CONFIGURED_MESSAGE, tool=self.label, setting=" and ".join(missing))
            )
        return client_id, secret

    def _refresh(self, *, force: bool = False) -> None:
        """New tokens, once for all workers: under the row lock, a refresh token that another
        worker already used is never sent again; its fresh tokens are taken instead."""
        held = self.credentials.get("refresh_token")
        held_access = self.credentials.get("access_token")
        with self.locked_credentials() as credentials:
            stored = credentials.get("refresh_token")
            if not stored:
                raise AuthError(later("Exact Online is not connected."), hint=later(RECONNECT_HINT))
            fresh = float(credentials.get("expires_at") or 0) - REFRESH_MARGIN_SECONDS > time.time()
            if fresh and (
                stored != held or credentials.get("access_token") != held_access or not force
            ):
                return
            credentials.update(
                self._token_request({"grant_type": "refresh_token", "refresh_token": stored})
            )

    def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        client_id, secret = self._client()
        with self.signing_in():
            response = self.request(
                "POST",
                "/api/oauth2/token",
                data={**form, "client_id": client_id, "client_secret": secret},
            )
        body = self.json(response)
        try:
            expires_in = int(str(body["expires_in"]).strip())
            tokens = {"access_token": body["access_token"], "refresh_token": body["refresh_token"]}
        except (KeyError, TypeError, ValueError) as exc:
            raise AuthError(
                later("Exact Online sent an unexpected token reply."),
                hint=later(RECONNECT_HINT),
                detail=response.text,
            ) from exc
        return {**tokens, "expires_at": time.time() + expires_in}
