"""The OAuth2 side of the Exact Online simulator: the consent page, the token endpoint with
single-use rotating refresh tokens that die after 30 days unused, and bearer checks
(bookkeeping-apis.md §1.2)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from bookkeeping.simulators.base import SimRequest, SimResponse

CHAIN_ERROR = "Token is not allowed, because of invalid or empty chainId"
# A refresh token left unused this long is dead [V websmurf #19, invantive forum]; older sources
# say 180 days (uncertainty register 10).
REFRESH_TOKEN_DAYS = 30
EXPIRED_ERROR = "The refresh token expired at {expired} and it is now {now}."
CONSENT_PAGE = """<!doctype html><html><head><title>Exact Online - Grant access</title></head>
<body><h1>Exact Online</h1><p>The app <strong>{client}</strong> asks for access to your
Exact Online administrations.</p>
<form method="post" action="/api/oauth2/auth">
<input type="hidden" name="client_id" value="{client}">
<input type="hidden" name="redirect_uri" value="{redirect}">
<input type="hidden" name="state" value="{state}">
<button type="submit" name="action" value="grant">Grant access</button>
<button type="submit" name="action" value="deny">Deny</button>
</form></body></html>"""


def exact_time(epoch: float) -> str:
    """Exact's wording of a moment: `10/11/2022 9:18:20 PM` (UTC)."""
    moment = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    return f"{moment.month}/{moment.day}/{moment.year} {moment.strftime('%I:%M:%S %p').lstrip('0')}"


class OAuthMixin:
    """Mixed into ExactOnlineSimulator: its clients, codes and tokens, under its lock."""

    clients: dict[str, str]
    clock: Callable[[], float]
    codes: dict[str, tuple[str, str, float]]
    access_tokens: dict[str, float]
    refresh_tokens: set[str]
    refresh_issued: dict[str, float]
    token_errors: int
    access_token_seconds: int
    code_seconds: int
    lock: Any

    def _consent(self, request: SimRequest) -> SimResponse:
        form = request.query
        if request.method == "POST":
            form = {k: v[-1] for k, v in parse_qs(request.text, keep_blank_values=True).items()}
        client, redirect = form.get("client_id", ""), form.get("redirect_uri", "")
        state = form.get("state", "")
        if client not in self.clients or not redirect.startswith("http"):
            return SimResponse.text("<h1>Invalid client_id or redirect_uri</h1>", 400, "text/html")
        if request.method == "GET":
            page = CONSENT_PAGE.format(
                client=html.escape(client), redirect=html.escape(redirect), state=html.escape(state)
            )
            return SimResponse.text(page, content_type="text/html")
        if form.get("action") == "deny":
            params = {"error": "access_denied", "state": state}
        else:
            code = secrets.token_urlsafe(32)
            with self.lock:
                self.codes[code] = (client, redirect, self.clock() + self.code_seconds)
            params = {"code": code, "state": state}
        separator = "&" if "?" in redirect else "?"
        location = f"{redirect}{separator}{urlencode(params)}"
        return SimResponse(302, b"", {"Location": location})

    def _token(self, request: SimRequest) -> SimResponse:
        form = {k: v[-1] for k, v in parse_qs(request.text, keep_blank_values=True).items()}
        client, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = request.header("authorization")
        if not client and basic.lower().startswith("basic "):
            decoded = base64.b64decode(basic[6:]).decode(errors="replace")
            client, _, secret = decoded.partition(":")
        with self.lock:
            if self.clients.get(client) != secret or not client:
                return self._token_error("invalid_request", "")
            grant = form.get("grant_type", "")
            if grant == "authorization_code":
                issued = self.codes.pop(form.get("code", ""), None)
                if issued is None or issued[2] < self.clock() or issued[0] != client:
                    return self._token_error("invalid_grant", "The authorization code is invalid.")
                if issued[1] != form.get("redirect_uri", ""):
                    return self._token_error("invalid_grant", "The redirect_uri does not match.")
            elif grant == "refresh_token":
                token = form.get("refresh_token", "")
                if token not in self.refresh_tokens:
                    return self._token_error("invalid_grant", CHAIN_ERROR)
                expired = self._refresh_expiry(token)
                if expired is not None:
                    return self._token_error("invalid_request", expired)
                self.refresh_tokens.discard(token)
                self.refresh_issued.pop(token, None)
            else:
                return self._token_error("unsupported_grant_type", "")
            access, refresh = secrets.token_urlsafe(96), secrets.token_urlsafe(48)
            self.access_tokens[access] = self.clock() + self.access_token_seconds
            self.refresh_tokens.add(refresh)
            self.refresh_issued[refresh] = self.clock()
        return SimResponse.json(
            {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": str(self.access_token_seconds),
                "refresh_token": refresh,
            }
        )

    def _refresh_expiry(self, token: str) -> str | None:
        """Exact's text when `token` was issued over 30 days ago, else None. A token added
        from outside (the benchmarks) has no issue time and does not expire."""
        issued = self.refresh_issued.get(token)
        if issued is None:
            return None
        expires = issued + REFRESH_TOKEN_DAYS * 86400
        now = self.clock()
        if now < expires:
            return None
        return EXPIRED_ERROR.format(expired=exact_time(expires), now=exact_time(now))

    def _token_error(self, error: str, description: str) -> SimResponse:
        self.token_errors += 1
        body = {"error": error, **({"error_description": description} if description else {})}
        return SimResponse.json(body, 400)

    def _authorized(self, request: SimRequest) -> bool:
        header = request.header("authorization")
        if not header.lower().startswith("bearer "):
            return False
        with self.lock:
            expires = self.access_tokens.get(header[7:].strip())
        return expires is not None and expires > self.clock()

    @staticmethod
    def _object_moved() -> SimResponse:
        page = '<html><body><h2>Object moved to <a href="/docs/Login.aspx?ReturnUrl=%2fapi">here</a>.</h2></body></html>'
        return SimResponse.text(page, 401, "text/html")
