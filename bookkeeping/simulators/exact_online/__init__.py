"""Exact Online as a local server: OAuth2 code flow, OData v2 REST, rate limits, error bodies.

Paths, envelopes, fields and texts follow bookkeeping-apis.md §1: `/api/oauth2/auth`,
`/api/oauth2/token` (string `expires_in`, rotating single-use refresh tokens),
`/api/v1/current/Me`, `/api/v1/{division}/{service}/{Entity}` with `{"d": {"results": [...]}}`
and `__next` paging at 60, 60 calls a minute and 5,000 a day per division with the
`X-RateLimit-*` headers, and validation errors as HTTP 500 with `{"error": {...}}`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from bookkeeping.simulators.base import SimRequest, SimResponse, Simulator
from bookkeeping.simulators.exact_online import data
from bookkeeping.simulators.exact_online.books import BooksMixin
from bookkeeping.simulators.exact_online.data import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DIVISION,
    DEMO_REFRESH_TOKEN,
    guid,
)
from bookkeeping.simulators.exact_online.oauth import OAuthMixin
from bookkeeping.simulators.exact_online.reads import (
    MAX_QUERY_STRING,
    ReadsMixin,
    not_found,
    query_too_long,
)
from bookkeeping.simulators.exact_online.receivables import ReceivablesMixin
from bookkeeping.simulators.exact_online.schema import ENTITIES
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
    r"^/api/v1/(?:(?P<division>\d+)/)?(?P<entity>[A-Za-z]+(?:/[A-Za-z]+){1,2})"
    r"(?P<key>\([^)]*\))?(?P<tail>/[A-Za-z]+|/\$count)?$"
)


class ExactOnlineSimulator(
    OAuthMixin, ReadsMixin, WritesMixin, BooksMixin, ReceivablesMixin, Simulator
):
    """An in-memory Exact Online with the seeded demo division (see `data`); the knobs that change
    its books behind Booksync's back (delete, key by hand, change an amount) are in `books`, those
    that pay an entry or match a credit note in `receivables`."""

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
            self.refresh_issued: dict[str, float] = {DEMO_REFRESH_TOKEN: self.clock()}
            self.timestamps = dict.fromkeys(data.DIVISIONS, data.TIMESTAMP_START)
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

    def vat_codes_of(self, reference: str) -> list[str]:
        [entry] = self.bookings(reference)
        return [str(line["VATCode"]).strip() for line in entry["SalesEntryLines"]["results"]]

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
                "IsBlocked": blocked,
                **dict(
                    zip(
                        ("Type", "EUSalesListing", "Charged"),
                        data.VAT_CODE_TYPES.get(code, ("E", "N", False)),
                        strict=True,
                    )
                ),
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
            "sync/Financial/TransactionLines": [],
            "sync/Deleted": [],
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
        if request.query_length > MAX_QUERY_STRING:
            return query_too_long()
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
        entity, key, tail = match.group("entity", "key", "tail")
        if match.group("division") is None:
            # current/Me takes no division and does not count toward the limits (§1.8).
            if entity != "current/Me" or request.method != "GET":
                return not_found(entity)
            with self.lock:
                return self.read(request, None, entity, key, tail)
        division = int(match.group("division"))
        if division not in self.tables:
            return error_body("Forbidden", 403)
        with self.lock:
            limited = self._count_call(division)
            if limited is not None:
                return limited
            response = self._api(request, division, entity, key, tail)
            response.headers.update(self._limit_headers(division))
            return response

    def _api(
        self, request: SimRequest, division: int, entity: str, key: str | None, tail: str | None
    ) -> SimResponse:
        if entity not in ENTITIES or entity == "current/Me":
            return not_found(entity)
        if request.method == "GET":
            return self.read(request, division, entity, key, tail)
        if tail:
            return error_body("Method not allowed", 405)
        if request.method == "POST" and entity == "crm/Accounts" and not key:
            return self._create_account(division, request)
        if request.method == "PUT" and entity == "crm/Accounts" and key:
            return self._update_account(division, request, key)
        if request.method == "POST" and entity == "salesentry/SalesEntries" and not key:
            return self._create_entry(division, request)
        if request.method == "DELETE" and entity == "salesentry/SalesEntries" and key:
            return self._delete_entry(division, key)
        return error_body("Method not allowed", 405)

    def me_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "CurrentDivision": DEMO_DIVISION,
                "FullName": "Demo User",
                "UserName": "demo@example.com",
                "Email": "demo@example.com",
                "LanguageCode": "en-BE",
                "UserID": guid("user"),
            }
        ]

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
