"""Octopus (Belgium): relations and buy/sell bookings over the REST API `octopus-rest-api/v1`.

Credentials (`Integration.credentials`, encrypted): `{"user": "...", "password": "..."}` of an
Octopus user with the webservice module. The software house identification comes from the
setting `OCTOPUS_SOFTWARE_HOUSE_UUID`; the dossier is `Integration.target_id`.

Access takes two tokens, both valid ten minutes and without refresh: `POST /authentication` gives
a token, `POST /dossiers?dossierId=` turns it into a dossier token that every other call sends as
the `dossierToken` header. Both are renewed after 9.5 minutes or after a 401.

A booking is identified by (book year, journal, document number); we choose the number as the
journal's `lastBookedDocumentNr` + 1, read before the first booking of a run and then counted on
(a number taken meanwhile, error -13, makes us read it again). Our invoice number goes into
`reference` (and `comment`), which is how `find_invoice` recognises a booking of ours.

Payments are not read (`read_payments` stays the base's NotImplementedError, so the status stays
"unknown" and the UI says "Octopus does not report payments to Booksync"): the facts give the
request of `POST /dossiers/{d}/reports/clients/open` but not its response fields, nor those of
`balancings/modified` or `relations/{id}/openitems` (bookkeeping-apis-2.md 2b, [NF]). Guessing them
could mark an unpaid invoice paid; implement once a real response is known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import requests
from django.utils.translation import gettext_lazy as _lazy

from bookkeeping.connectors.base import (
    CREDIT_NOTE_JOURNAL,
    SALES_JOURNAL,
    Choice,
    Connector,
    Fix,
    InvoiceRejected,
    PushResult,
    ReadBack,
    RemoteRef,
    TransientError,
)
from bookkeeping.connectors.errors import later
from bookkeeping.connectors.octopus import readback
from bookkeeping.connectors.octopus.auth import OctopusAuth
from bookkeeping.connectors.octopus.bookyears import BookYears, period_of
from bookkeeping.connectors.octopus.customers import matches
from bookkeeping.connectors.octopus.payload import (
    MISSING_VAT_HINT,
    MISSING_VAT_MESSAGE,
    OctopusConfig,
    booking_facts,
    booking_payload,
    check_invoice,
    error_body,
    external_id_of,
    key_id,
    normalise_vat_number,
    relation_body,
    relation_id_of,
    relation_ref,
    to_int,
    unwrap_booking,
    vat_digits,
)
from bookkeeping.connectors.octopus.preview import OctopusPreviewing
from bookkeeping.connectors.octopus.refusals import CLOSED_CODES, REFUSALS, rejection, tool_message
from bookkeeping.connectors.octopus.replies import (
    account_choices,
    journal_choices,
    refusal_of,
    vat_code_choices,
)

if TYPE_CHECKING:
    from bookkeeping.models import Integration
    from invoicing.models import Customer, Invoice

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.000"


class OctopusConnector(OctopusPreviewing, Connector):
    """Octopus REST API. Customers are relations (upsert by our customer id as
    `externalRelationId`); invoices are buy/sell bookings, which can be updated afterwards.
    Login is `auth` (OctopusAuth), the dossier's book years `bookyears` (BookYears)."""

    key = "octopus"
    target_label = _lazy("dossier")
    config_class = OctopusConfig
    config: OctopusConfig
    UNMAPPED_VAT = MISSING_VAT_MESSAGE
    UNMAPPED_VAT_HINT = MISSING_VAT_HINT

    def __init__(self, integration: Integration):
        super().__init__(integration)
        self.auth = OctopusAuth(self)
        self.bookyears = BookYears(self)
        # (book year id, journal) -> the last document number we booked in this run.
        self._last_numbers: dict[tuple[int, str], int] = {}
        # Every HTTP call this connector made (logins included), and whether it read the
        # journals completely once (see `readback`).
        self.http_calls = 0
        self.read_complete_once = False

    # Interface: connecting -------------------------------------------------------------------

    def list_targets(self) -> list[Choice]:
        """The dossiers the user may open (needs only the first token). Raises AuthError."""
        self.auth.login()
        dossiers = self.auth.call(
            "GET", "/dossiers", headers={"Token": self.auth.token}, failure="list dossiers"
        )
        return [
            Choice(code=str(d["dossierKey"]["id"]), label=str(d.get("dossierDescription", "")))
            for d in dossiers or []
        ]

    def test_connection(self) -> str:
        """Logs in to the dossier and reads its book years and journals. Read-only."""
        self.auth.authenticate()
        bookyear = self.bookyears.current()
        journals = {
            str(j.get("journalKey")) for j in self.get_list(self.bookyears.journals_path(bookyear))
        }
        wanted = [self.config.sales_journal, self.config.credit_note_journal]
        missing = [journal for journal in wanted if journal not in journals]
        line = f"Connected to Octopus dossier {self.config.dossier_id}"
        if missing:
            return f"{line}, but journal {', '.join(missing)} was not found."
        return f"{line}: journals {', '.join(dict.fromkeys(wanted))} found."

    def list_journals(self) -> list[Choice]:
        """Sales journals (V...) of the current book year."""
        return journal_choices(
            self.get_list(self.bookyears.journals_path(self.bookyears.current()))
        )

    def list_accounts(self) -> list[Choice]:
        """Revenue accounts (class 7) of the current book year."""
        bookyear_id = key_id(self.bookyears.current()["bookyearKey"])
        return account_choices(
            self.get_list(self.dossier_path("/accounts"), bookyearId=bookyear_id)
        )

    def list_vat_codes(self) -> list[Choice]:
        """VAT codes of the dossier, with `extra["percentage"]` from `basePercentage`."""
        return vat_code_choices(self.get_list(self.dossier_path("/vatcodes")))

    # Interface: customers --------------------------------------------------------------------

    def find_customer(self, customer: Customer) -> RemoteRef | None:
        """Our relation by `externalRelationId`, else by VAT number, else None. Read-only."""
        for row in self.get_list(self.dossier_path("/relations"), extRelationId=customer.pk):
            if external_id_of(row) == customer.pk:
                return relation_ref(row)
        vat_number = normalise_vat_number(customer.vat_number)
        if not vat_number:
            return None
        for row in self.get_list(self.dossier_path("/relations"), vatNr=vat_number):
            if vat_digits(str(row.get("vatNr", ""))) == vat_digits(vat_number):
                return relation_ref(row)
        return None

    def find_customers(self, customers: Sequence[Customer]) -> dict[int, RemoteRef]:
        """Every relation of the dossier in one read, matched as `find_customer` does."""
        return matches(customers, self.get_list(self.dossier_path("/relations")))

    def push_customer(self, customer: Customer) -> RemoteRef:
        """Upserts the relation (matched on our id); safe to repeat. Refused: InvoiceRejected."""
        body = self.prepare_customer(customer, lambda: relation_body(customer))
        try:
            response = self.request("PUT", self.dossier_path("/relations"), json=body)
        except InvoiceRejected as exc:
            refusal = REFUSALS.get(to_int(exc.code) or 0, REFUSALS[-7])
            raise InvoiceRejected(
                later(
                    "Customer %(name)s (%(code)s): %(meaning)s Octopus said: %(said)s",
                    name=customer.name,
                    code=customer.code,
                    meaning=later(refusal.meaning),
                    said=tool_message(exc),
                ),
                code=exc.code,
                hint=later(REFUSALS[-7].hint),
                status=exc.status,
                detail=exc.detail,
                fix=Fix.CUSTOMER,
            ) from exc
        body = self.json(response) if response.content.strip() else None
        if isinstance(body, dict) and relation_id_of(body):
            return relation_ref(body)
        found = self.find_customer(customer)  # an update answers 204 without a body
        if found is None:
            raise TransientError(
                later(
                    "Octopus accepted customer %(code)s but does not show it yet.",
                    code=customer.code,
                ),
                hint=later("This is usually temporary; the next sync tries again."),
            )
        return found

    # Interface: invoices ---------------------------------------------------------------------

    def read_bookings(self, *, since: dt.date, cursor: str = "") -> ReadBack:
        """The bookings of the sales and credit-note journals: one call per journal, complete
        on the connector's first read (see `readback`). Read-only, safe to repeat."""
        return readback.read_bookings(self, since=since, cursor=cursor)

    def find_invoice(self, invoice: Invoice) -> RemoteRef | None:
        """Our booking of the invoice, found by its number in `reference` among the journal's
        bookings modified since the invoice was booked (a day of margin), or None. Read-only."""
        journal = self._journal_of(invoice)
        since = dt.datetime(2000, 1, 1)  # noqa: DTZ001 (Octopus timestamps are naive)
        if invoice.booked_at:
            since = invoice.booked_at.astimezone(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)
        rows = self.get_list(
            self.dossier_path("/buysellbookings/modified"),
            bookyearId=-1,
            journalKey=journal,
            modifiedTimeStamp=since.strftime(TIMESTAMP_FORMAT),
        )
        for row in rows:
            data = unwrap_booking(row)
            if str(data.get("reference") or "") != invoice.number:
                continue
            if str(data.get("journalKey", journal)) != journal:
                continue
            bookyear_id, number = (
                key_id(data.get("bookyearKey")),
                to_int(data.get("documentSequenceNr")),
            )
            if bookyear_id is not None and number is not None:
                ref = self.booking_ref(bookyear_id, journal, number)
                return RemoteRef(ref.remote_id, ref.number, ref.extra, facts=booking_facts(data))
        return None

    def push_invoices(
        self, invoices: Sequence[Invoice], *, customer_refs: Mapping[int, RemoteRef]
    ) -> list[PushResult]:
        """Books each invoice as one buy/sell booking (Octopus takes no batches). NOT safe to
        repeat blindly: after a TransientError, call find_invoice first."""
        results = []
        for invoice in invoices:
            try:
                ref = self._book(invoice, customer_refs.get(invoice.customer_id))
            except InvoiceRejected as exc:
                results.append(PushResult(invoice_id=invoice.pk, error=exc))
            else:
                results.append(PushResult(invoice_id=invoice.pk, ref=ref))
        return results

    def update_invoice(
        self, invoice: Invoice, ref: RemoteRef, *, customer_ref: RemoteRef
    ) -> RemoteRef:
        """Replaces the booking's content with the invoice's (same book year, journal and number;
        lines and cost centres are exactly what we send). Raises ClosedPeriod when the period is
        closed. Safe to repeat."""
        parts = ref.remote_id.split(":")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
            raise InvoiceRejected(
                later(
                    "Invoice %(number)s: booking %(booking)s is not an Octopus booking.",
                    number=invoice.number,
                    booking=ref.number or ref.remote_id,
                ),
                hint=later("Book the invoice again from the sync history."),
            )
        bookyear_id, journal, number = int(parts[0]), parts[1], int(parts[2])
        lines = self.prepare_invoice(
            invoice, lambda: check_invoice(invoice, self.config, self.vat_code)
        )
        period = period_of(self.bookyears.by_id(bookyear_id), invoice.invoice_date)
        payload = booking_payload(
            invoice,
            lines,
            bookyear_id=bookyear_id,
            journal=journal,
            number=number,
            period=period,
            relation_id=_ref_relation_id(invoice, customer_ref),
        )
        try:
            self.request("PUT", self.dossier_path("/buysellbookings"), json=payload)
        except InvoiceRejected as exc:
            raise rejection(invoice, exc, period=period, lines=lines, config=self.config) from exc
        return self.booking_ref(bookyear_id, journal, number)

    # Booking ---------------------------------------------------------------------------------

    def _book(self, invoice: Invoice, customer_ref: RemoteRef | None) -> RemoteRef:
        lines = self.prepare_invoice(
            invoice, lambda: check_invoice(invoice, self.config, self.vat_code)
        )
        relation_id = _ref_relation_id(invoice, customer_ref)
        journal = self._journal_of(invoice)
        bookyear = self.bookyears.of_invoice(invoice)
        bookyear_id = key_id(bookyear["bookyearKey"])
        period = period_of(bookyear, invoice.invoice_date)
        for attempt in (1, 2):
            last = self._last_numbers.get((bookyear_id, journal)) if attempt == 1 else None
            number = last + 1 if last is not None else self._next_number(invoice, bookyear, journal)
            payload = booking_payload(
                invoice,
                lines,
                bookyear_id=bookyear_id,
                journal=journal,
                number=number,
                period=period,
                relation_id=relation_id,
            )
            try:
                self.request("POST", self.dossier_path("/buysellbookings"), json=payload)
            except InvoiceRejected as exc:
                if exc.code == "-13" and attempt == 1:
                    continue  # someone booked in the journal meanwhile: take the next number
                raise rejection(
                    invoice, exc, period=period, lines=lines, config=self.config
                ) from exc
            self._last_numbers[(bookyear_id, journal)] = number
            return self.booking_ref(bookyear_id, journal, number)
        raise AssertionError("unreachable")  # pragma: no cover

    def _next_number(self, invoice: Invoice, bookyear: dict[str, Any], journal: str) -> int:
        for row in self.get_list(self.bookyears.journals_path(bookyear)):
            if str(row.get("journalKey")) == journal:
                last = to_int(row.get("lastBookedDocumentNr") or 0)
                if last is None:
                    raise TransientError(
                        later(
                            "Octopus sent journal %(journal)s with a document number we could not read.",
                            journal=journal,
                        ),
                        hint=later("This is usually temporary; the next sync tries again."),
                    )
                return last + 1
        raise InvoiceRejected(
            later(
                "Invoice %(number)s: Octopus has no journal %(journal)s in book year %(book_year)s.",
                number=invoice.number,
                journal=journal,
                book_year=bookyear.get("bookyearDescription", ""),
            ),
            code="-10",
            hint=later(REFUSALS[-10].hint),
            fix=Fix.SETTINGS,
            field=self.journal_field(invoice),
        )

    # Book years and journals -----------------------------------------------------------------

    def _journal_of(self, invoice: Invoice) -> str:
        return self.config.journal_of(invoice.kind)

    def booking_ref(self, bookyear_id: int, journal: str, number: int) -> RemoteRef:
        description = self.bookyears.by_id(bookyear_id).get("bookyearDescription", bookyear_id)
        return RemoteRef(
            remote_id=f"{bookyear_id}:{journal}:{number}",
            number=f"{journal}/{description}/{number}",
            extra={"bookyear_id": bookyear_id, "journal": journal, "document_sequence_nr": number},
        )

    def journal_field(self, invoice: Invoice) -> str:
        return CREDIT_NOTE_JOURNAL if invoice.kind == "credit_note" else SALES_JOURNAL

    # Plumbing --------------------------------------------------------------------------------

    def dossier_path(self, suffix: str) -> str:
        return f"/dossiers/{self.auth.dossier_id()}{suffix}"

    def get_list(self, path: str, **params: Any) -> list[Any]:
        """A GET that returns a list; Octopus answers 404 when there is no data."""
        try:
            response = self.request("GET", path, params=params or None)
        except InvoiceRejected as exc:
            if exc.status == 404:
                return []
            raise
        if not response.content.strip():
            return []
        data = self.json(response)
        if isinstance(data, dict):
            return [data]
        # Rows that are not objects cannot be read: they are left out.
        return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []

    # Hooks -----------------------------------------------------------------------------------

    def raise_for_server_error(self, response: requests.Response) -> NoReturn:
        """Some Octopus validation errors come as a 500 with an error code: those are refusals."""
        code, _, _ = error_body(response)
        if code is not None and (code in REFUSALS or code in CLOSED_CODES):
            self.raise_for_response(response)
        super().raise_for_server_error(response)

    def raise_for_response(self, response: requests.Response) -> NoReturn:
        """Reads `{"errorCode", "errorMessage", "technicalInfo"}` (see `replies.refusal_of`):
        a journal in use is TransientError, a closed or protected period ClosedPeriod, anything
        else InvoiceRejected with the tool's message."""
        raise refusal_of(response)

    def before_request(self) -> None:
        self.auth.renew_if_due()

    def prepare_request(self, kwargs: dict[str, Any]) -> None:
        kwargs["headers"] = {**(kwargs.get("headers") or {}), **self.auth.headers()}

    def after_response(self, response: requests.Response) -> None:
        self.http_calls += 1
        if self.in_sign_in:
            self.auth.last_reply = response

    def reauthenticate(self) -> None:
        self.auth.authenticate()


# Helpers ---------------------------------------------------------------------------------------


def _ref_relation_id(invoice: Invoice, customer_ref: RemoteRef | None) -> int:
    relation_id = to_int(customer_ref.remote_id) if customer_ref else None
    if relation_id is None:
        raise InvoiceRejected(
            later("Invoice %(number)s: its customer is not in Octopus yet.", number=invoice.number),
            code="-16",
            hint=later(REFUSALS[-16].hint),
            fix=Fix.CUSTOMER,
        )
    return relation_id
