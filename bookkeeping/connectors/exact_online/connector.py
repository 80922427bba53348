"""Exact Online: OAuth2 with rotating refresh tokens, OData REST, sales entries per invoice.

Credentials (`integration.credentials`, encrypted at rest):
    access_token   the bearer token (valid 10 minutes)
    refresh_token  single use: every refresh returns a new one and kills the old one
    expires_at     epoch seconds when the access token expires

The division is `integration.target_id`. Customers are `crm/Accounts` found by our customer
code (Exact pads codes to 18 characters, right-aligned), then by VAT number; invoices are
`salesentry/SalesEntries` with our number in `YourRef`, the booking number is `EntryNumber`;
the books are read back from the sync endpoints (`readback.py`), payments: `payments.py`.
Rate limits (60 a minute, 5,000 a day per division) are read from the `X-RateLimit-*`
headers; when the minute is used up we raise RateLimited before the next call (tokens and
limits: `auth.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import requests
from django.utils.translation import gettext_lazy as _lazy

from bookkeeping.connectors.base import (
    CREDIT_NOTE_JOURNAL,
    REVENUE_ACCOUNT,
    SALES_JOURNAL,
    AuthError,
    BookingFacts,
    Choice,
    Fix,
    InvoiceRejected,
    PushResult,
    RemoteRef,
    TransientError,
)
from bookkeeping.connectors.errors import later, noop, quoted
from bookkeeping.connectors.exact_online.auth import RECONNECT_HINT, ExactOnlineAccess
from bookkeeping.connectors.exact_online.customers import CustomersMixin
from bookkeeping.connectors.exact_online.payload import (
    VAT_CODE_FIELDS,
    account_payload,
    account_ref,
    amount_of,
    entry_ref,
    error_text,
    field_of,
    percent,
    quote,
    unreadable,
    vat_code_kinds,
)
from bookkeeping.connectors.exact_online.payments import PaymentsMixin
from bookkeeping.connectors.exact_online.readback import ReadBackMixin
from bookkeeping.connectors.exact_online.refusals import DEFAULT_HINT, rejection
from invoicing.money import CENT, compute_totals, round_cents

if TYPE_CHECKING:
    from bookkeeping.models import Integration
    from config.texts import StoredText
    from invoicing.models import Customer, Invoice

MAX_PAGES = 100


class ExactOnlineConnector(CustomersMixin, ReadBackMixin, PaymentsMixin, ExactOnlineAccess):
    """Customers as crm/Accounts, invoices and credit notes as sales entries, one call each."""

    key = "exact_online"
    target_label = _lazy("division")
    UNMAPPED_VAT = noop("Invoice %(number)s: VAT rate %(rate)s%% has no VAT code in %(label)s.")
    UNMAPPED_VAT_HINT = noop("Map %(rate)s%% to a VAT code in Integration settings.")

    ENTRY_TYPES: ClassVar[dict[str, int]] = {
        "invoice": 20,  # sales entry
        "credit_note": 21,  # sales credit note (negative amounts)
    }
    DEFAULT_HINT = DEFAULT_HINT

    def __init__(self, integration: Integration):
        super().__init__(integration)
        self._gl_accounts: dict[str, str | None] = {}

    # Interface: connecting -------------------------------------------------------------------

    def list_targets(self) -> list[Choice]:
        division = self._current_division()
        rows = self._get_all(f"/api/v1/{division}/hrm/Divisions", {"$select": "Code,Description"})
        return [
            Choice(str(row["Code"]), row.get("Description") or str(row["Code"])) for row in rows
        ]

    def test_connection(self) -> str:
        self._current_division()
        division = self._division()
        rows = self._get_all(
            f"/api/v1/{division}/hrm/Divisions",
            {"$filter": f"Code eq {int(division)}", "$select": "Code,Description"},
        )
        if not rows:
            raise AuthError(
                later(
                    "Exact Online division %(division)s is not available to this user.",
                    division=division,
                ),
                hint=later("Choose another division in Integration settings, or reconnect."),
            )
        return f"Connected to Exact Online division {division} ({rows[0].get('Description', '')})."

    def list_journals(self) -> list[Choice]:
        rows = self._get_all(
            self._path("financial/Journals"),
            {"$filter": "Type eq 20", "$select": "Code,Description,Type"},
        )
        return [Choice(str(row["Code"]).strip(), row.get("Description") or "") for row in rows]

    def list_accounts(self) -> list[Choice]:
        rows = self._get_all(
            self._path("financial/GLAccounts"),
            {"$filter": "Type eq 110", "$select": "ID,Code,Description,Type"},
        )
        for row in rows:
            self._gl_accounts[str(row["Code"]).strip()] = row["ID"]
        return [Choice(str(row["Code"]).strip(), row.get("Description") or "") for row in rows]

    def list_vat_codes(self) -> list[Choice]:
        rows = self._get_all(
            self._path("vat/VATCodes"),
            {"$select": VAT_CODE_FIELDS},
        )
        choices = []
        for row in rows:
            if row.get("IsBlocked") or row.get("VATTransactionType") not in (None, "S", "B"):
                continue
            value = Decimal(str(row.get("Percentage") or 0))
            value = value * 100 if value <= 1 else value
            extra = {
                "percentage": percent(value.quantize(CENT)),
                "kinds": vat_code_kinds(row, value),
            }
            choices.append(Choice(str(row["Code"]).strip(), row.get("Description") or "", extra))
        return choices

    # Interface: customers and invoices -------------------------------------------------------

    def find_customer(self, customer: Customer) -> RemoteRef | None:
        select = "ID,Code,Name,VATNumber"
        path = self._path("crm/Accounts")
        if customer.code:
            code = customer.code.strip().rjust(18)
            rows = self._get_all(path, {"$filter": f"Code eq {quote(code)}", "$select": select})
            if rows:
                return account_ref(rows[0])
        vat_number = "".join(customer.vat_number.split()).replace(".", "").upper()
        if vat_number:
            rows = self._get_all(
                path, {"$filter": f"VATNumber eq {quote(vat_number)}", "$select": select}
            )
            if rows:
                return account_ref(rows[0])
        return None

    def push_customer(self, customer: Customer) -> RemoteRef:
        payload = self.prepare_customer(customer, lambda: account_payload(customer))
        try:
            response = self.request("POST", self._path("crm/Accounts"), json=payload)
        except InvoiceRejected as exc:
            if "bestaat reeds" in exc.code or "already exists" in exc.code.lower():
                found = self._get_all(
                    self._path("crm/Accounts"),
                    {
                        "$filter": f"trim(Code) eq {quote(customer.code.strip())}",
                        "$select": "ID,Code",
                    },
                )
                if found:
                    return account_ref(found[0])
            what = later("customer %(code)s (%(name)s)", code=customer.code, name=customer.name)
            raise self._rejection(what, exc) from exc
        return account_ref(self._entity(response))

    def find_invoice(self, invoice: Invoice) -> RemoteRef | None:
        """The sales entry whose YourRef is exactly our number (of the invoice's type), with its
        customer and total as facts, or None. Read-only."""
        entry_type = self.ENTRY_TYPES.get(invoice.kind, 20)
        rows = self._get_all(
            self._path("salesentry/SalesEntries"),
            {
                "$filter": f"YourRef eq {quote(invoice.number)} and Type eq {entry_type}",
                "$select": "EntryID,EntryNumber,YourRef,Journal,Type,Customer,AmountFC",
            },
        )
        for row in rows:
            if str(row.get("YourRef") or "") == invoice.number:
                ref = entry_ref(row)
                facts = BookingFacts(
                    reference=invoice.number,
                    customer_id=str(row.get("Customer") or "").lower(),
                    total=amount_of(row.get("AmountFC")),
                    document=ref.number,
                )
                return RemoteRef(ref.remote_id, ref.number, ref.extra, facts=facts)
        return None

    def push_invoices(
        self, invoices: Sequence[Invoice], *, customer_refs: Mapping[int, RemoteRef]
    ) -> list[PushResult]:
        results = []
        for invoice in invoices:
            try:
                payload = self.prepare_invoice(
                    invoice, lambda i=invoice: self._entry_payload(i, customer_refs)
                )
                response = self.request("POST", self._path("salesentry/SalesEntries"), json=payload)
            except InvoiceRejected as exc:
                # Without a status it is our own check, already worded for this invoice.
                error = (
                    exc
                    if exc.status is None
                    else self._rejection(
                        later("invoice %(number)s", number=invoice.number), exc, invoice
                    )
                )
                results.append(PushResult(invoice.pk, error=error))
                continue
            results.append(PushResult(invoice.pk, ref=entry_ref(self._entity(response))))
        return results

    # Building the sales entry ----------------------------------------------------------------

    def _entry_payload(
        self, invoice: Invoice, customer_refs: Mapping[int, RemoteRef]
    ) -> dict[str, Any]:
        """The SalesEntries body; InvoiceRejected (before any write) for what we can see is wrong."""
        credit = invoice.kind == "credit_note"
        journal = self.config.credit_note_journal if credit else self.config.sales_journal
        if not journal:
            raise InvoiceRejected(
                later(
                    "Invoice %(number)s: no Exact Online sales journal is chosen.",
                    number=invoice.number,
                ),
                hint=later("Choose the sales journal in Integration settings."),
                fix=Fix.SETTINGS,
                field=CREDIT_NOTE_JOURNAL if credit else SALES_JOURNAL,
            )
        customer_ref = customer_refs.get(invoice.customer_id)
        if customer_ref is None:
            raise InvoiceRejected(
                later(
                    "Invoice %(number)s: its customer is not in Exact Online yet.",
                    number=invoice.number,
                ),
                hint=later("Sync again: the customer is created first."),
                fix=Fix.NOTHING,
            )
        lines = self._entry_lines(invoice, sign=Decimal(-1) if credit else Decimal(1))
        return {
            "Journal": journal,
            "Customer": customer_ref.remote_id,
            "EntryDate": f"{invoice.invoice_date.isoformat()}T00:00:00Z",
            "DueDate": f"{invoice.due_date.isoformat()}T00:00:00Z",
            "YourRef": invoice.number,
            "Description": f"{invoice.number} {invoice.customer.name}"[:60],
            "Currency": invoice.currency,
            "Type": self.ENTRY_TYPES["credit_note" if credit else "invoice"],
            "SalesEntryLines": lines,
        }

    def _entry_lines(self, invoice: Invoice, *, sign: Decimal) -> list[dict[str, Any]]:
        invoice_lines = list(invoice.lines.all())
        totals = compute_totals(
            (line.quantity, line.unit_price, line.vat_rate) for line in invoice_lines
        )
        # VAT is per rate on the sum of its lines: give each rate's last line the rounding rest.
        vat_left = {rate: vat for rate, (_, vat) in totals.per_rate.items()}
        last_of_rate = {Decimal(line.vat_rate).quantize(CENT): line.pk for line in invoice_lines}
        lines = []
        for line in invoice_lines:
            rate = Decimal(line.vat_rate).quantize(CENT)
            vat_code = self.vat_code(invoice, line)
            vat = (
                vat_left[rate]
                if last_of_rate[rate] == line.pk
                else round_cents(line.amount * rate / 100)
            )
            vat_left[rate] -= vat
            entry_line = {
                "GLAccount": self._gl_account(invoice, self.config.revenue_account_of(line)),
                "AmountFC": float(sign * line.amount),
                "VATCode": vat_code,
                "VATAmountFC": float(sign * vat),
                "Description": line.description[:60],
                "Quantity": float(line.quantity),
            }
            cost_centre = line.cost_centre or self.config.default_cost_centre
            if cost_centre:
                entry_line["CostCenter"] = cost_centre
            lines.append(entry_line)
        return lines

    def _gl_account(self, invoice: Invoice, code: str) -> str:
        """The GUID of a G/L account code, looked up once per connector (one sync run)."""
        code = (code or self.config.default_revenue_account).strip()
        if not code:
            raise InvoiceRejected(
                later("Invoice %(number)s: a line has no revenue account.", number=invoice.number),
                hint=later("Choose a default revenue account in Integration settings."),
                fix=Fix.SETTINGS,
                field=REVENUE_ACCOUNT,
            )
        if code not in self._gl_accounts:
            rows = self._get_all(
                self._path("financial/GLAccounts"),
                {"$filter": f"Code eq {quote(code)}", "$select": "ID,Code"},
            )
            self._gl_accounts[code] = field_of(rows[0], "ID") if rows else None
        account_id = self._gl_accounts[code]
        if account_id is None:
            raise InvoiceRejected(
                later(
                    "Exact Online refused invoice %(number)s: G/L account %(code)s does not exist in division %(target_id)s.",
                    number=invoice.number,
                    code=code,
                    target_id=self.config.target_id,
                ),
                code="gl_account",
                hint=later(
                    "Use an existing revenue account instead of %(code)s on the invoice lines or in Integration settings.",
                    code=code,
                ),
                fix=Fix.SETTINGS,
                field=REVENUE_ACCOUNT,
            )
        return account_id

    # Reading replies -------------------------------------------------------------------------

    def _rejection(
        self, what: StoredText, exc: InvoiceRejected, invoice: Invoice | None = None
    ) -> InvoiceRejected:
        return rejection(what, exc, invoice)

    def _entity(self, response: requests.Response) -> dict[str, Any]:
        body = self.json(response)
        if not isinstance(body, dict) or not isinstance(body.get("d"), dict):
            raise TransientError(
                later("Exact Online sent a reply we could not read."),
                hint=later("Sync again: already booked invoices are found, not booked twice."),
                status=response.status_code,
                detail=response.text,
            )
        return body["d"]

    def _get_all(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """Every row of an OData collection, following `__next` links."""
        rows: list[dict[str, Any]] = []
        url: str | None = path
        for _ in range(MAX_PAGES):
            response = self.request("GET", url, params=params if url == path else None)
            data = self._entity(response)
            results = data.get("results", [])
            if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
                raise unreadable()
            rows.extend(results)
            url = data.get("__next")
            if not url:
                break
            if not isinstance(url, str):
                raise unreadable()
        return rows

    def _current_division(self) -> int:
        rows = self._get_all("/api/v1/current/Me", {"$select": "CurrentDivision"})
        if not rows:
            raise AuthError(
                later("Exact Online did not tell us your division."), hint=later(RECONNECT_HINT)
            )
        try:
            return int(rows[0]["CurrentDivision"])
        except (KeyError, TypeError, ValueError):
            raise unreadable() from None

    def _division(self) -> str:
        if not self.config.target_id:
            raise AuthError(
                later("No Exact Online division is chosen."),
                hint=later("Choose a division in Integration settings."),
            )
        return self.config.target_id

    def _path(self, entity: str) -> str:
        return f"/api/v1/{self._division()}/{entity}"

    # Error bodies ----------------------------------------------------------------------------

    def raise_for_server_error(self, response: requests.Response) -> NoReturn:
        text = error_text(response)
        # Exact reports validation errors of a write as a 500 with its error body.
        if text and not self.in_sign_in and response.request.method in ("POST", "PUT"):
            raise InvoiceRejected(
                later("Exact Online refused the request: %(text)s", text=quoted(text)),
                code=text,
                hint=later(self.DEFAULT_HINT),
                status=response.status_code,
                detail=response.text,
            )
        super().raise_for_server_error(response)

    def raise_for_response(self, response: requests.Response) -> NoReturn:
        text = error_text(response) or response.reason or ""
        if self.in_sign_in or response.status_code == 403:
            raise AuthError(
                later("Exact Online refused our access."),
                hint=later(RECONNECT_HINT),
                status=response.status_code,
                detail=response.text,
            )
        raise InvoiceRejected(
            later("Exact Online refused the request: %(text)s", text=quoted(text)),
            code=text,
            hint=later(self.DEFAULT_HINT),
            status=response.status_code,
            detail=response.text,
        )
