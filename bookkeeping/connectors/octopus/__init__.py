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
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import requests

from bookkeeping.connectors.base import (
    ClosedPeriod,
    Connector,
    ConnectorError,
    InvoiceRejected,
    PushResult,
    RemoteRef,
    TransientError,
)
from bookkeeping.connectors.octopus.auth import OctopusAuth
from bookkeeping.connectors.octopus.dossier import OctopusDossier
from bookkeeping.connectors.octopus.payload import (
    CLOSED_PERIOD_HINT,
    CLOSED_PERIOD_MESSAGE,
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

if TYPE_CHECKING:
    from bookkeeping.models import Integration
    from invoicing.models import Customer, Invoice

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.000"
DEFAULT_HINT = "Check the invoice in Booksync and the settings in Octopus, then retry the invoice."
CLOSED_TEXT = re.compile(r"(?i)(closed|protected|secured)")


class OctopusConnector(OctopusDossier, OctopusAuth, Connector):
    """Octopus REST API. Customers are relations (upsert by our customer id as
    `externalRelationId`); invoices are buy/sell bookings, which can be updated afterwards."""

    key = "octopus"
    label = "Octopus"
    base_url_setting = "OCTOPUS_BASE_URL"
    supports_updates = True
    credential_fields = (("user", "User", False), ("password", "Password", True))
    target_label = "dossier"

    # Octopus errorCode -> how to fix the refused invoice ({accounts}, {vat_codes}, {cost_centres}
    # are what we sent).
    REJECTION_HINTS: ClassVar[dict[int, str]] = {
        # ERR_UNKNOWN_ACCOUNT: a line's revenue account is not in the dossier's chart.
        -21: "Account {accounts} is not known in Octopus: set an existing revenue account on the "
        "invoice line or as default revenue account in Integration settings.",
        # ERR_UNKNOWN_VATCODE: the mapped VAT code does not exist in the dossier.
        -22: "VAT code {vat_codes} does not exist in Octopus: fix the VAT mapping in Integration "
        "settings.",
        # ERR_VATCODE_WRONG_TYPE: a purchase VAT code was mapped for sales.
        -75: "VAT code {vat_codes} is not a sales VAT code in Octopus: fix the VAT mapping in "
        "Integration settings.",
        # ERR_ACCOUNT_NOT_BOOKING_TYPE: a total account instead of a booking account.
        -50: "Account {accounts} cannot be booked on in Octopus: choose another revenue account.",
        # ERR_UNKNOWN_COST_CENTRE
        -40: "Cost centre {cost_centres} is not known in Octopus: fix the cost centre on the "
        "invoice line or the default cost centre in Integration settings.",
        # ERR_COST_CENTRE_CLOSED
        -41: "Cost centre {cost_centres} is closed in Octopus: choose an open cost centre on the "
        "invoice line or as default cost centre in Integration settings.",
        # ERR_UNKNOWN_RELATION: the customer is not (or no longer) in the dossier.
        -16: "The customer is missing in Octopus: retry the invoice so that the customer is "
        "created first.",
        # ERR_ILLEGAL_DOCUMENT_SEQUENCE_NR: someone booked in the same journal at the same time.
        -13: "Another booking took the journal's next number: retry the invoice from the sync "
        "history.",
        # ERR_UNKNOWN_BOOKYEAR / ERR_UNKNOWN_BOOKYEAR_PERIOD_NR
        -9: "Create the book year of the invoice date in Octopus, then retry the invoice.",
        -14: "Create the book year of the invoice date in Octopus, then retry the invoice.",
        # ERR_UNKNOWN_JOURNAL / ERR_JOURNAL_WRONG_MODE / ERR_INVALID_JOURNAL
        -10: "Choose an existing sales journal in Integration settings (a new journal shows up "
        "after File > Synchronise in the Octopus client).",
        -29: "The journal must be of type 'Sales bookings' in Octopus: choose another journal in "
        "Integration settings.",
        -38: "Choose a valid sales journal in Integration settings.",
        # ERR_BOOKING_LINE_BASE_VAT_OTHER_SIGN
        -23: "A line's amount and VAT have different signs: check the invoice lines.",
        # ERR_BOOKING_NOT_EXISTS: the booking was deleted in Octopus.
        -34: "The booking no longer exists in Octopus: book the invoice again or correct it in "
        "Octopus.",
        # ERR_NO_DOCUMENT_DATE / ERR_NO_EXPIRY_DATE / ERR_UNKNOWN_CURRENCY
        -17: "Give the invoice a date.",
        -18: "Give the invoice a due date.",
        -19: "Use a currency that Octopus knows for this dossier.",
    }
    # ERR_JOURNAL_CLOSED, ERR_BOOKYEAR_PERIOD_NR_PROTECTED: the period is closed or protected.
    CLOSED_CODES: ClassVar[frozenset[int]] = frozenset({-11, -15})

    def __init__(self, integration: Integration):
        super().__init__(integration)
        self.config = OctopusConfig.from_integration(integration)
        self._init_auth()
        self._bookyears: list[dict[str, Any]] | None = None
        # (book year id, journal) -> the last document number we booked in this run.
        self._last_numbers: dict[tuple[int, str], int] = {}

    # Interface: customers --------------------------------------------------------------------

    def find_customer(self, customer: Customer) -> RemoteRef | None:
        """The relation with our customer id as `externalRelationId`, else the one with the same
        VAT number, else None. Read-only."""
        for row in self._get_list(self._path("/relations"), extRelationId=customer.pk):
            if external_id_of(row) == customer.pk:
                return relation_ref(row)
        vat_number = normalise_vat_number(customer.vat_number)
        if not vat_number:
            return None
        for row in self._get_list(self._path("/relations"), vatNr=vat_number):
            if vat_digits(str(row.get("vatNr", ""))) == vat_digits(vat_number):
                return relation_ref(row)
        return None

    def push_customer(self, customer: Customer) -> RemoteRef:
        """Upserts the relation (matched by Octopus on our customer id). Safe to repeat.
        Raises InvoiceRejected when Octopus refuses the data."""
        body = self.prepare_customer(customer, lambda: relation_body(customer))
        try:
            response = self.request("PUT", self._path("/relations"), json=body)
        except InvoiceRejected as exc:
            raise InvoiceRejected(
                f"Customer {customer.name} ({customer.code}): {_tool_message(exc)}",
                code=exc.code,
                hint="Check the customer's name, country and VAT number.",
                status=exc.status,
                detail=exc.detail,
            ) from exc
        body = self.json(response) if response.content.strip() else None
        if isinstance(body, dict) and relation_id_of(body):
            return relation_ref(body)
        found = self.find_customer(customer)  # an update answers 204 without a body
        if found is None:
            raise TransientError(
                f"Octopus accepted customer {customer.code} but does not show it yet.",
                hint="This is usually temporary; the next sync tries again.",
            )
        return found

    # Interface: invoices ---------------------------------------------------------------------

    def find_invoice(self, invoice: Invoice) -> RemoteRef | None:
        """Our booking of the invoice, found by its number in `reference` among the journal's
        bookings modified since the invoice was booked (a day of margin), or None. Read-only."""
        journal = self._journal_of(invoice)
        since = dt.datetime(2000, 1, 1)  # noqa: DTZ001 (Octopus timestamps are naive)
        if invoice.booked_at:
            since = invoice.booked_at.astimezone(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)
        rows = self._get_list(
            self._path("/buysellbookings/modified"),
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
                ref = self._booking_ref(bookyear_id, journal, number)
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
                f"Invoice {invoice.number}: booking {ref.number or ref.remote_id} is not an Octopus "
                "booking.",
                hint="Book the invoice again from the sync history.",
            )
        bookyear_id, journal, number = int(parts[0]), parts[1], int(parts[2])
        lines = self.prepare_invoice(invoice, lambda: check_invoice(invoice, self.config))
        period = self._period_of(self._bookyear_by_id(bookyear_id), invoice.invoice_date)
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
            self.request("PUT", self._path("/buysellbookings"), json=payload)
        except InvoiceRejected as exc:
            raise self._rejection(invoice, exc, period, lines) from exc
        return self._booking_ref(bookyear_id, journal, number)

    # Booking ---------------------------------------------------------------------------------

    def _book(self, invoice: Invoice, customer_ref: RemoteRef | None) -> RemoteRef:
        lines = self.prepare_invoice(invoice, lambda: check_invoice(invoice, self.config))
        relation_id = _ref_relation_id(invoice, customer_ref)
        journal = self._journal_of(invoice)
        bookyear = self._bookyear_of(invoice)
        bookyear_id = key_id(bookyear["bookyearKey"])
        period = self._period_of(bookyear, invoice.invoice_date)
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
                self.request("POST", self._path("/buysellbookings"), json=payload)
            except InvoiceRejected as exc:
                if exc.code == "-13" and attempt == 1:
                    continue  # someone booked in the journal meanwhile: take the next number
                raise self._rejection(invoice, exc, period, lines) from exc
            self._last_numbers[(bookyear_id, journal)] = number
            return self._booking_ref(bookyear_id, journal, number)
        raise AssertionError("unreachable")  # pragma: no cover

    def _next_number(self, invoice: Invoice, bookyear: dict[str, Any], journal: str) -> int:
        for row in self._get_list(self._journals_path(bookyear)):
            if str(row.get("journalKey")) == journal:
                last = to_int(row.get("lastBookedDocumentNr") or 0)
                if last is None:
                    raise TransientError(
                        f"Octopus sent journal {journal} with a document number we could not read.",
                        hint="This is usually temporary; the next sync tries again.",
                    )
                return last + 1
        raise InvoiceRejected(
            f"Invoice {invoice.number}: Octopus has no journal {journal} in book year "
            f"{bookyear.get('bookyearDescription', '')}.",
            code="-10",
            hint=self.REJECTION_HINTS[-10],
        )

    def _rejection(
        self, invoice: Invoice, exc: InvoiceRejected, period: int, lines: list[dict[str, Any]]
    ) -> InvoiceRejected:
        """The tool's refusal, told about this invoice, with a hint to fix it."""
        if isinstance(exc, ClosedPeriod):
            return ClosedPeriod(
                CLOSED_PERIOD_MESSAGE.format(number=invoice.number, period=period),
                code=exc.code,
                hint=CLOSED_PERIOD_HINT.format(year=period // 100, month=f"{period % 100:02d}"),
                status=exc.status,
                detail=exc.detail,
            )
        context = {
            "accounts": ", ".join(dict.fromkeys(str(line["accountKey"]) for line in lines)),
            "vat_codes": ", ".join(dict.fromkeys(str(line["vatCodeKey"]) for line in lines)),
            "cost_centres": ", ".join(
                dict.fromkeys(
                    str(line["costCentreKey"]["id"]) for line in lines if "costCentreKey" in line
                )
            ),
        }
        hint = self.REJECTION_HINTS.get(to_int(exc.code), DEFAULT_HINT).format(**context)
        return InvoiceRejected(
            f"Invoice {invoice.number}: {_tool_message(exc)}",
            code=exc.code,
            hint=hint,
            status=exc.status,
            detail=exc.detail,
        )

    # Book years and journals -----------------------------------------------------------------

    def _journal_of(self, invoice: Invoice) -> str:
        if invoice.kind == "credit_note":
            return self.config.credit_note_journal
        return self.config.sales_journal

    def _booking_ref(self, bookyear_id: int, journal: str, number: int) -> RemoteRef:
        description = self._bookyear_by_id(bookyear_id).get("bookyearDescription", bookyear_id)
        return RemoteRef(
            remote_id=f"{bookyear_id}:{journal}:{number}",
            number=f"{journal}/{description}/{number}",
            extra={"bookyear_id": bookyear_id, "journal": journal, "document_sequence_nr": number},
        )

    # Hooks -----------------------------------------------------------------------------------

    def raise_for_server_error(self, response: requests.Response) -> NoReturn:
        """Some Octopus validation errors come as a 500 with an error code: those are refusals."""
        code, _, _ = error_body(response)
        if code is not None and (code in self.REJECTION_HINTS or code in self.CLOSED_CODES):
            self.raise_for_response(response)
        super().raise_for_server_error(response)

    def raise_for_response(self, response: requests.Response) -> NoReturn:
        """Reads `{"errorCode", "errorMessage", "technicalInfo"}`: a closed or protected period
        is ClosedPeriod, anything else InvoiceRejected with the tool's message."""
        code, text, _ = error_body(response)
        if code is None and not text:  # a refusal we cannot read: ask again later
            raise TransientError(
                f"Octopus sent a refusal we could not read (HTTP {response.status_code}).",
                hint="This is usually temporary; the next sync tries again.",
                status=response.status_code,
                detail=response.text,
            )
        closed = code in self.CLOSED_CODES or (
            code not in self.REJECTION_HINTS
            and "period" in text.lower()
            and CLOSED_TEXT.search(text)
        )
        error_class = ClosedPeriod if closed else InvoiceRejected
        error = error_class(
            f"Octopus refused the request: {text}",
            code="" if code is None else str(code),
            hint=self.REJECTION_HINTS.get(code or 0, DEFAULT_HINT),
            status=response.status_code,
            detail=response.text,
        )
        error.tool_message = text  # type: ignore[attr-defined]
        raise error


# Helpers ---------------------------------------------------------------------------------------


def _tool_message(exc: ConnectorError) -> str:
    text = getattr(exc, "tool_message", exc.message)
    return f"{text} (Octopus error {exc.code})" if getattr(exc, "code", "") else text


def _ref_relation_id(invoice: Invoice, customer_ref: RemoteRef | None) -> int:
    relation_id = to_int(customer_ref.remote_id) if customer_ref else None
    if relation_id is None:
        raise InvoiceRejected(
            f"Invoice {invoice.number}: its customer is not in Octopus yet.",
            code="-16",
            hint=OctopusConnector.REJECTION_HINTS[-16],
        )
    return relation_id
