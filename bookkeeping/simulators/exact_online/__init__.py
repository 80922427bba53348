"""Exact Online as a local server: OAuth2 code flow, OData v2 REST, rate limits, error bodies.

Paths, envelopes, fields and texts follow bookkeeping-apis.md §1: `/api/oauth2/auth`,
`/api/oauth2/token` (string `expires_in`, rotating single-use refresh tokens),
`/api/v1/current/Me`, `/api/v1/{division}/{service}/{Entity}` with `{"d": {"results": [...]}}`
and `__next` paging at 60, 60 calls a minute and 5,000 a day per division with the
`X-RateLimit-*` headers, and validation errors as HTTP 500 with `{"error": {...}}`.
"""

from __future__ import annotations

import base64
import html
import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from bookkeeping.simulators.base import SimRequest, SimResponse, Simulator
from bookkeeping.simulators.exact_online import data
from bookkeeping.simulators.exact_online.data import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DIVISION,
    DEMO_REFRESH_TOKEN,
    guid,
)
from bookkeeping.simulators.exact_online.odata import FilterError, query_rows
from bookkeeping.simulators.exact_online.writes import WritesMixin, error_body

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_DIVISION",
    "DEMO_REFRESH_TOKEN",
    "ExactOnlineSimulator",
    "data",
]

API_PATH = re.compile(
    r"^/api/v1/(?:(?P<division>\d+)/)?(?P<entity>[A-Za-z]+/[A-Za-z]+)(?P<key>\(.*\))?$"
)
CHAIN_ERROR = "Token is not allowed, because of invalid or empty chainId"
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


class ExactOnlineSimulator(WritesMixin, Simulator):
    """An in-memory Exact Online with the seeded demo division (see `data`)."""

    name = "exact_online"
    access_token_seconds = 600
    code_seconds = 180

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency_ms: float = 0):
        self.clients = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
        super().__init__(host=host, port=port, latency_ms=latency_ms)

    # Common simulator API ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.url

    def reset(self) -> None:
        super().reset()  # drops the requests held on gates
        with self.lock:
            self.minutely_limit = 60
            self.daily_limit = 5000
            self.clock: Callable[[], float] = time.time
            self.codes: dict[str, tuple[str, str, float]] = {}
            self.access_tokens: dict[str, float] = {}
            self.refresh_tokens: set[str] = {DEMO_REFRESH_TOKEN}
            self.token_errors = 0
            self.usage: dict[tuple[int, str], int] = {}
            self.closed_years: set[int] = set()
            self.counters = dict(data.ENTRY_NUMBER_START)
            self.tables: dict[int, dict[str, list[dict[str, Any]]]] = {
                division: self._seed(division) for division in data.DIVISIONS
            }

    def expire_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def revoke(self) -> None:
        with self.lock:
            self.access_tokens.clear()
            self.refresh_tokens.clear()
            self.codes.clear()

    def bookings(self, reference: str, division: int = DEMO_DIVISION) -> list[dict[str, Any]]:
        with self.lock:
            entries = self.tables[division]["salesentry/SalesEntries"]
            return [dict(entry) for entry in entries if entry["YourRef"] == reference]

    def booking_count(self, division: int = DEMO_DIVISION) -> int:
        return len(self.tables[division]["salesentry/SalesEntries"])

    def customer_count(self, division: int = DEMO_DIVISION) -> int:
        seeded = len(data.ACCOUNTS) if division == DEMO_DIVISION else 0
        return len(self.tables[division]["crm/Accounts"]) - seeded

    def close_period(self, year: int) -> None:
        """Entries dated in `year` are refused with "Period is closed"."""
        with self.lock:
            self.closed_years.add(year)

    def _seed(self, division: int) -> dict[str, list[dict[str, Any]]]:
        journals = [
            {"ID": guid(division, "journal", code), "Code": code, "Description": name, "Type": kind}
            for code, (name, kind) in data.JOURNALS.items()
        ]
        accounts = [
            {"ID": guid(division, "gl", code), "Code": code, "Description": name, "Type": kind}
            for code, (name, kind) in data.GL_ACCOUNTS.items()
        ]
        vat = [
            {
                "ID": guid(division, "vat", code),
                "Code": code.ljust(3),
                "Description": name,
                "Percentage": percentage,
                "VATTransactionType": transaction_type,
                "Type": "E",
                "IsBlocked": blocked,
            }
            for code, (name, percentage, transaction_type, blocked) in data.VAT_CODES.items()
        ]
        customers = []
        if division == DEMO_DIVISION:
            customers = [
                self._account_row(division, {"Code": code, "Name": name, "VATNumber": vat_nr})
                for code, name, vat_nr in data.ACCOUNTS
            ]
        divisions = [
            {"Code": code, "Description": name, "Country": "BE", "Currency": "EUR"}
            for code, name in data.DIVISIONS.items()
        ]
        return {
            "financial/Journals": journals,
            "financial/GLAccounts": accounts,
            "vat/VATCodes": vat,
            "crm/Accounts": customers,
            "salesentry/SalesEntries": [],
            "hrm/Divisions": divisions,
            "system/Divisions": divisions,
        }

    # Call log and faults ---------------------------------------------------------------------

    def operation(self, request: SimRequest) -> tuple[str, bool]:
        if request.path.startswith("/api/oauth2/"):
            return f"{request.method} oauth2/{request.path.rsplit('/', 1)[-1]}", False
        match = API_PATH.match(request.path)
        entity = match.group("entity") if match else request.path
        return f"{request.method} {entity}", request.method in ("POST", "PUT", "DELETE")

    def fault_response(self, kind: str) -> SimResponse:
        if kind == "429":
            reset = self._minute_reset_ms()
            headers = {
                "X-RateLimit-Minutely-Limit": str(self.minutely_limit),
                "X-RateLimit-Minutely-Remaining": "0",
                "X-RateLimit-Minutely-Reset": str(reset),
            }
            return error_body("Too many requests. Please try again later.", 429, headers)
        label = {"500": "Internal Server Error", "503": "Service Unavailable"}[kind]
        page = f"<html><head><title>{label}</title></head><body><h1>{label}</h1></body></html>"
        return SimResponse.text(page, status=int(kind), content_type="text/html")

    # Routing ---------------------------------------------------------------------------------

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path == "/api/oauth2/auth":
            return self._consent(request)
        if request.path == "/api/oauth2/token" and request.method == "POST":
            return self._token(request)
        match = API_PATH.match(request.path)
        if not match:
            return error_body("Not found", 404)
        if not self._authorized(request):
            if not request.header("authorization"):
                return self._object_moved()
            return error_body(
                "Unauthorized", 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
        if match.group("division") is None:
            if match.group("entity") == "current/Me":
                return self._me(request)
            return error_body("Not found", 404)
        division = int(match.group("division"))
        if division not in self.tables:
            return error_body("Forbidden", 403)
        with self.lock:
            limited = self._count_call(division)
            if limited is not None:
                return limited
            response = self._api(request, division, match.group("entity"), match.group("key"))
            response.headers.update(self._limit_headers(division))
            return response

    def _api(self, request: SimRequest, division: int, entity: str, key: str | None) -> SimResponse:
        table = self.tables[division].get(entity)
        if table is None:
            return error_body(f"Unknown entity: {entity}", 404)
        if request.method == "GET":
            return self._collection(request, table, entity)
        if request.method == "POST" and entity == "crm/Accounts" and not key:
            return self._create_account(division, request)
        if request.method == "POST" and entity == "salesentry/SalesEntries" and not key:
            return self._create_entry(division, request)
        if request.method == "DELETE" and entity == "salesentry/SalesEntries" and key:
            entry_id = key.split("'")[1] if "'" in key else key.strip("()")
            table[:] = [row for row in table if row["EntryID"] != entry_id.lower()]
            return SimResponse(204)
        return error_body("Method not allowed", 405)

    def _collection(
        self, request: SimRequest, table: list[dict[str, Any]], entity: str
    ) -> SimResponse:
        query = request.query
        if entity in ("crm/Accounts", "salesentry/SalesEntries") and not (
            query.get("$select") or query.get("$top")
        ):
            return error_body(
                "Please add a $select or a $top=1 statement to the query string.", 400
            )
        try:
            rows, next_offset = query_rows(table, query)
        except (FilterError, ValueError) as exc:
            return error_body(str(exc), 400)
        body: dict[str, Any] = {"results": rows}
        if next_offset is not None:
            params = {k: v for k, v in query.items() if k not in ("$skip", "$skiptoken")}
            params["$skiptoken"] = str(next_offset)
            body["__next"] = f"{self.url}{request.path}?{urlencode(params)}"
        return SimResponse.json({"d": body})

    # OAuth2 ----------------------------------------------------------------------------------

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
                self.refresh_tokens.discard(token)
            else:
                return self._token_error("unsupported_grant_type", "")
            access, refresh = secrets.token_urlsafe(96), secrets.token_urlsafe(48)
            self.access_tokens[access] = self.clock() + self.access_token_seconds
            self.refresh_tokens.add(refresh)
        return SimResponse.json(
            {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": str(self.access_token_seconds),
                "refresh_token": refresh,
            }
        )

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

    def _me(self, request: SimRequest) -> SimResponse:
        me = {"CurrentDivision": DEMO_DIVISION, "FullName": "Demo User", "UserID": guid("user")}
        rows, _ = query_rows([me], request.query)
        return SimResponse.json({"d": {"results": rows}})

    # Rate limits -----------------------------------------------------------------------------

    def _minute_reset_ms(self) -> int:
        return (int(self.clock()) // 60 + 1) * 60 * 1000

    def _day_reset_ms(self) -> int:
        return (int(self.clock()) // 86400 + 1) * 86400 * 1000

    def _count_call(self, division: int) -> SimResponse | None:
        minute = (division, f"m{int(self.clock()) // 60}")
        day = (division, f"d{int(self.clock()) // 86400}")
        if self.usage.get(minute, 0) >= self.minutely_limit:
            headers = self._limit_headers(division, minutely_only=True)
            return error_body("Too many requests. Please try again later.", 429, headers)
        if self.usage.get(day, 0) >= self.daily_limit:
            headers = self._limit_headers(division)
            return error_body("The daily API limit has been reached.", 429, headers)
        self.usage[minute] = self.usage.get(minute, 0) + 1
        self.usage[day] = self.usage.get(day, 0) + 1
        return None

    def _limit_headers(self, division: int, minutely_only: bool = False) -> dict[str, str]:
        used_minute = self.usage.get((division, f"m{int(self.clock()) // 60}"), 0)
        used_day = self.usage.get((division, f"d{int(self.clock()) // 86400}"), 0)
        headers = {
            "X-RateLimit-Minutely-Limit": str(self.minutely_limit),
            "X-RateLimit-Minutely-Remaining": str(max(0, self.minutely_limit - used_minute)),
            "X-RateLimit-Minutely-Reset": str(self._minute_reset_ms()),
        }
        if not minutely_only:
            headers["X-RateLimit-Limit"] = str(self.daily_limit)
            headers["X-RateLimit-Remaining"] = str(max(0, self.daily_limit - used_day))
            headers["X-RateLimit-Reset"] = str(self._day_reset_ms())
        return headers
