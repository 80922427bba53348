"""A local Octopus (Belgium) REST API: the two-token login, one dossier with book years, journals,
accounts, VAT codes, cost centres, relations and buy/sell bookings.

It follows the public facts of `octopus-rest-api/v1` (bookkeeping-apis.md §2): tokens expire after
ten minutes (401), errors come as `{"errorCode", "errorMessage", "technicalInfo"}` with the SOAP
numbering, a GET without data is a 404. A booking is refused (see `validation` and `bookings`)
in a closed or protected period or journal, in a journal another user has open (403, a knob:
`lock_journal`), with an unknown account, VAT code, relation, cost centre or currency, a document
number other than the journal's last + 1, a missing document or expiry date, a document date
outside the book year or period, VAT that does not fit its code, or an `amount` other than the
lines' base plus VAT. A relation needs a name, an ISO country, a known vatType and a valid VAT
number. Octopus documents no rate limit, so the 429 fault is a plain 429 with `Retry-After`.

Reading back (`GET …/buysellbookings/modified?bookyearId=-1&journalKey=&modifiedTimeStamp=`)
gives every booking of the journal modified at or after the timestamp, whole, and a 404 when there
is none; Octopus reports no deletions. Knobs that change the books behind Booksync's back:
`delete_booking(reference)`, `add_hand_keyed_booking(reference=, total=, relation=, date=,
journal=)` (a booking keyed by hand; `relation` a name or our customer id as external relation
id, created when missing; returns its document number), `change_amount(reference, total)` (its
amount and lines), and `book_elsewhere(journal)` (someone takes the journal's next number).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import secrets
import time
from typing import Any

from bookkeeping.simulators.base import SimRequest, SimResponse, Simulator
from bookkeeping.simulators.octopus.bookings import BookingsMixin
from bookkeeping.simulators.octopus.data import *  # noqa: F403 (re-exports the demo constants)
from bookkeeping.simulators.octopus.data import (
    API_PREFIX,
    BOOKYEARS,
    CREDIT_NOTE_JOURNAL,
    DOSSIER_ID,
    INITIAL_CLOSED_PERIOD,
    JOURNALS,
    LAST_DOCUMENT_NUMBERS,
    PASSWORD,
    SALES_JOURNAL,
    SOFTWARE_HOUSE_UUID,
    TOKEN_LIFETIME_SECONDS,
    USER,
    OctopusFault,
    account_rows,
    bookyear_json,
    cost_centre_rows,
    dossier_json,
    key_id,
    no_data,
    vat_code_rows,
    vat_digits,
)
from bookkeeping.simulators.octopus.validation import check_relation, relation_fault


class OctopusSimulator(BookingsMixin, Simulator):
    """The Octopus REST API for one dossier, in memory. See the module docstring."""

    name = "octopus"
    # The Retry-After of the injected 429 fault (a knob: fault storms use a short one).
    retry_after_seconds = 30

    @property
    def base_url(self) -> str:
        return f"{self.url}{API_PREFIX}"

    # Knobs -----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded state: data, tokens, counters, faults and calls."""
        super().reset()  # drops the requests held on gates
        with self.lock:
            self.password = PASSWORD
            self.clock_offset = 0.0
            self.tokens: dict[str, float] = {}
            self.dossier_tokens: dict[str, tuple[int, float]] = {}
            self.journals: dict[tuple[int, str], dict[str, Any]] = {}
            for bookyear_id, year in BOOKYEARS.items():
                for key, name in JOURNALS.items():
                    self.journals[(bookyear_id, key)] = {
                        "journalKey": key,
                        "name": name,
                        "closed": False,
                        "closedPeriod": INITIAL_CLOSED_PERIOD,
                        "protectedPeriod": INITIAL_CLOSED_PERIOD,
                        "lastBookedDocumentNr": LAST_DOCUMENT_NUMBERS.get((year, key), 0),
                        "insertionType": 1,
                        "currencyCode": "EUR",
                        "bookyearKey": {"id": bookyear_id},
                    }
            self.relations: dict[int, dict[str, Any]] = {}
            self.next_relation_id = 1001
            self.store: dict[tuple[int, str, int], dict[str, Any]] = {}
            self.locked_journals: set[str] = set()
            # Whether a line's VAT must be its base x the code's percentage (within a cent).
            # Off at reset: the facts do not say Octopus checks it, and a booking whose rate is
            # mapped to a code of another percentage (tests/bookkeeping/test_sync.py maps 9% to
            # the 6% code) would then be refused. `require_vat_fit()` turns it on.
            self.check_vat_fit = False

    def require_vat_fit(self, required: bool = True) -> None:
        """Refuse (-24/-35) a line whose VAT is not its base x the code's percentage (a cent of
        tolerance): off at reset, see `reset`."""
        with self.lock:
            self.check_vat_fit = required

    def expire_tokens(self) -> None:
        """Every token and dossier token issued so far stops working (401)."""
        with self.lock:
            self.tokens.clear()
            self.dossier_tokens.clear()

    def revoke(self) -> None:
        """The stored password no longer works: logging in is refused."""
        with self.lock:
            self.password = secrets.token_hex(8)

    def advance_clock(self, seconds: float) -> None:
        """Moves the simulator's clock forward (token expiry)."""
        with self.lock:
            self.clock_offset += seconds

    def close_period(self, period: int) -> None:
        """Closes and protects every journal up to and including `period` (YYYYMM)."""
        with self.lock:
            for journal in self.journals.values():
                journal["closedPeriod"] = journal["protectedPeriod"] = period

    def book_elsewhere(self, journal: str = SALES_JOURNAL, *, year: int = 2026) -> int:
        """A booking made by someone else in Octopus: takes the journal's next number. A whole
        booking as Octopus keeps it (a read-back shows its relation, date and amount): 121.00
        (-121.00 in the credit-note journal) for the relation "Walk-in customer", reference
        MANUAL-{number}."""
        with self.lock:
            number = self.journal(journal, year=year)["lastBookedDocumentNr"] + 1
            return self.add_hand_keyed_booking(
                reference=f"MANUAL-{number}",
                total="-121.00" if journal == CREDIT_NOTE_JOURNAL else "121.00",
                relation="Walk-in customer",
                date=dt.date(year, 1, 15),
                journal=journal,
            )

    def add_relation(self, name: str, *, vat_nr: str = "", external_id: int = 0) -> int:
        """A relation someone created in Octopus itself; returns its id."""
        with self.lock:
            relation_id = self.next_relation_id
            self.next_relation_id += 1
            self.relations[relation_id] = {
                "relationIdentificationServiceData": {
                    "relationKey": {"id": relation_id},
                    "externalRelationId": external_id,
                },
                "name": name,
                "client": True,
                "vatNr": vat_nr,
                "country": "BE",
            }
            return relation_id

    def bookings(self, reference: str) -> list[dict[str, Any]]:
        """Copies of the bookings whose `reference` is `reference`, with their `bookingLines`."""
        with self.lock:
            return [
                copy.deepcopy(booking)
                for booking in self.store.values()
                if booking.get("reference") == reference
            ]

    def vat_codes_of(self, reference: str) -> list[str]:
        [booking] = self.bookings(reference)
        return [str(line["vatCodeKey"]) for line in booking["bookingLines"]]

    def booking_count(self) -> int:
        with self.lock:
            return len(self.store)

    def customer_count(self) -> int:
        with self.lock:
            return len(self.relations)

    def journal(self, key: str, *, year: int = 2026) -> dict[str, Any]:
        bookyear_id = next(k for k, value in BOOKYEARS.items() if value == year)
        with self.lock:
            return dict(self.journals[(bookyear_id, key)])

    # Base hooks --------------------------------------------------------------------------------

    def operation(self, request: SimRequest) -> tuple[str, bool]:
        path = request.path.removeprefix(API_PREFIX)
        if path == "/authentication":
            return "authentication", False
        if path == "/dossiers":
            return ("dossier_token" if request.method == "POST" else "dossiers"), False
        parts = [part for part in path.split("/") if part and not part.isdigit()]
        name = ".".join(parts[1:]) or "dossier"
        return f"{request.method} {name}", request.method in {"POST", "PUT", "DELETE"}

    def fault_response(self, kind: str) -> SimResponse:
        if kind == "429":
            response = SimResponse.text("Too Many Requests", status=429)
            response.headers["Retry-After"] = str(self.retry_after_seconds)
            return response
        if kind == "503":
            return SimResponse.text("Service Unavailable", status=503)
        return SimResponse.text("Internal Server Error", status=500)

    def handle(self, request: SimRequest) -> SimResponse:
        if not request.path.startswith(API_PREFIX):
            return SimResponse.text("Not Found", status=404)
        path = request.path.removeprefix(API_PREFIX).rstrip("/")
        try:
            with self.lock:
                return self._route(request, path)
        except OctopusFault as fault:
            return fault.response()

    # Routing -----------------------------------------------------------------------------------

    def _route(self, request: SimRequest, path: str) -> SimResponse:
        method = request.method
        if path == "/authentication" and method == "POST":
            return self._authenticate(request)
        if path == "/dossiers":
            self._require_token(request)
            if method == "GET":
                return SimResponse.json([dossier_json()])
            if method == "POST":
                return self._dossier_token(request)
        match = re.fullmatch(r"/dossiers/(\d+)(/.*)", path)
        if not match:
            raise OctopusFault(404, -79, "Invalid parameter", f"no resource {path}")
        self._require_dossier_token(request, int(match.group(1)))
        rest = match.group(2)
        routes = {
            ("GET", "/bookyears"): self._bookyears,
            ("GET", "/accounts"): self._accounts,
            ("GET", "/vatcodes"): self._vat_codes,
            ("GET", "/costcentres"): self._cost_centres,
            ("GET", "/relations"): self._get_relations,
            ("PUT", "/relations"): self._put_relation,
            ("GET", "/buysellbookings"): self._get_bookings,
            ("GET", "/buysellbookings/modified"): self._modified_bookings,
            ("POST", "/buysellbookings"): self._post_booking,
            ("PUT", "/buysellbookings"): self._put_booking,
        }
        if (method, rest) in routes:
            return routes[(method, rest)](request)
        journals = re.fullmatch(r"/bookyears/(\d+)/journals", rest)
        if method == "GET" and journals:
            return self._journals(int(journals.group(1)))
        raise OctopusFault(404, -79, "Invalid parameter", f"no resource {method} {rest}")

    # Authentication ----------------------------------------------------------------------------

    def _now(self) -> float:
        return time.monotonic() + self.clock_offset

    def _authenticate(self, request: SimRequest) -> SimResponse:
        if request.header("softwarehouseuuid") != SOFTWARE_HOUSE_UUID:
            raise OctopusFault(401, -68, "Invalid software house identification")
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise OctopusFault(400, -79, "Invalid parameter", "user and password expected")
        if body.get("user") != USER or body.get("password") != self.password:
            raise OctopusFault(401, -1, "Invalid login")
        token = secrets.token_urlsafe(24)
        self.tokens[token] = self._now()
        return SimResponse.json({"token": token})

    def _require_token(self, request: SimRequest) -> None:
        issued = self.tokens.get(request.header("token"))
        if issued is None or self._now() - issued > TOKEN_LIFETIME_SECONDS:
            raise OctopusFault(401, -2, "Not authenticated", "token missing, invalid or expired")

    def _dossier_token(self, request: SimRequest) -> SimResponse:
        if request.query.get("dossierId") != str(DOSSIER_ID):
            raise OctopusFault(403, -3, "No access to dossier")
        token = secrets.token_urlsafe(24)
        self.dossier_tokens[token] = (DOSSIER_ID, self._now())
        return SimResponse.json({"Dossiertoken": token})

    def _require_dossier_token(self, request: SimRequest, dossier_id: int) -> None:
        entry = self.dossier_tokens.get(request.header("dossiertoken"))
        if entry is None or self._now() - entry[1] > TOKEN_LIFETIME_SECONDS:
            raise OctopusFault(401, -2, "Not authenticated", "dossier token invalid or expired")
        if entry[0] != dossier_id:
            raise OctopusFault(403, -3, "No access to dossier")

    # Reference data ----------------------------------------------------------------------------

    def _bookyears(self, request: SimRequest) -> SimResponse:
        return SimResponse.json([bookyear_json(key) for key in BOOKYEARS])

    def _journals(self, bookyear_id: int) -> SimResponse:
        if bookyear_id not in BOOKYEARS:
            raise OctopusFault(400, -9, "Unknown bookyear", f"bookyearId {bookyear_id}")
        return SimResponse.json(
            [dict(j) for (by, _), j in self.journals.items() if by == bookyear_id]
        )

    def _accounts(self, request: SimRequest) -> SimResponse:
        bookyear_id = key_id(request.query.get("bookyearId"))
        if bookyear_id not in BOOKYEARS:
            raise OctopusFault(400, -9, "Unknown bookyear", "bookyearId is required")
        return SimResponse.json(account_rows(bookyear_id))

    def _vat_codes(self, request: SimRequest) -> SimResponse:
        return SimResponse.json(vat_code_rows())

    def _cost_centres(self, request: SimRequest) -> SimResponse:
        return SimResponse.json(cost_centre_rows())

    # Relations ---------------------------------------------------------------------------------

    def _get_relations(self, request: SimRequest) -> SimResponse:
        query = request.query
        found = []
        for relation_id, relation in self.relations.items():
            ident = relation["relationIdentificationServiceData"]
            if "relationId" in query and str(relation_id) != query["relationId"]:
                continue
            if (
                "extRelationId" in query
                and str(ident["externalRelationId"]) != query["extRelationId"]
            ):
                continue
            if "name" in query and query["name"].lower() not in relation["name"].lower():
                continue
            if "vatNr" in query and (
                not query["vatNr"]
                or vat_digits(relation.get("vatNr", "")) != vat_digits(query["vatNr"])
            ):
                continue
            found.append(copy.deepcopy(relation))
        if not found:
            raise no_data()
        return SimResponse.json(found)

    def _put_relation(self, request: SimRequest) -> SimResponse:
        body = request.json()
        if not isinstance(body, dict):
            raise relation_fault("body is not a JSON object")
        check_relation(body)
        ident = body.get("relationIdentificationServiceData") or {}
        relation_id = key_id(ident.get("relationKey"))
        external_id = key_id(ident.get("externalRelationId")) or 0
        if relation_id and relation_id not in self.relations:
            raise OctopusFault(400, -16, "Unknown relation", f"relationKey {relation_id}")
        if not relation_id and external_id:
            relation_id = next(
                (
                    key
                    for key, rel in self.relations.items()
                    if rel["relationIdentificationServiceData"]["externalRelationId"] == external_id
                ),
                None,
            )
        created = not relation_id
        if created:
            relation_id = self.next_relation_id
            self.next_relation_id += 1
        record = {**self.relations.get(relation_id, {}), **body}
        record["relationIdentificationServiceData"] = {
            "relationKey": {"id": relation_id},
            "externalRelationId": external_id,
        }
        self.relations[relation_id] = record
        if created:
            return SimResponse.json(copy.deepcopy(record), status=201)
        return SimResponse(204)
