"""Yuki (NL/BE): SOAP 1.1 web services at `<YUKI_BASE_URL>/<Service>.asmx`.

Envelopes are built and read with lxml (no WSDL client): the few operations we call take plain
parameters, named in their exact case, plus `s:any` XML documents, which lxml writes directly.

Flow: `Authenticate(accessKey)` gives a session ID (about 24 hours), cached in the credentials
and renewed once when Yuki answers with an invalid-session fault. Contacts live at domain level
(`Contact.asmx`, domain GUID from `Administrations`); invoices go to the administration in
batches of up to `max_batch` through `Sales.asmx` `ProcessSalesInvoices`; `Accounting.asmx`
`CheckOutstandingItem` finds an invoice by its Reference (our invoice number) while it is unpaid.
Yuki cannot update a booked invoice. Credit notes: see payload.py.

Integration.credentials (encrypted):
- `access_key`: the web-service access key (Yuki: Settings > Web services). Required.
- `session_id`: the cached session ID; `domain_id`: the cached domain GUID of the administration.
- `digits_only_reference` (optional, default false): send only the digits of the invoice number as
  the Reference, for administrations that accept numeric references only. A credit note's digits
  get a leading 9 (CN-2027-0001 -> 920270001), so it never shares a reference with the invoice of
  the same sequence number (2027-0001 -> 20270001): invoice numbers start with their year.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import requests
from django.utils.translation import gettext_lazy as _lazy
from lxml import etree

from bookkeeping.connectors import vat_kinds
from bookkeeping.connectors.base import (
    AuthError,
    BookingFacts,
    Choice,
    ConnectorError,
    InvoiceRejected,
    PushResult,
    QuotaExceeded,
    RemoteRef,
    TransientError,
    scrub,
)
from bookkeeping.connectors.errors import later, noop, quoted
from bookkeeping.connectors.yuki.auth import KEY_HINT, SessionRefused, YukiAccess
from bookkeeping.connectors.yuki.books import DAILY_QUOTA, YukiBooks
from bookkeeping.connectors.yuki.customers import YukiCustomers
from bookkeeping.connectors.yuki.payload import (
    VAT_MISSING,
    VAT_MISSING_HINT,
    contact_document,
    sales_invoice,
)
from bookkeeping.connectors.yuki.payments import YukiPayments
from bookkeeping.connectors.yuki.refusals import (
    DEFAULT_HINT,
    contact_refused,
    explain,
    place_of,
)
from bookkeeping.connectors.yuki.soap import (
    INVOICES_NS,
    RETRY_HINT,
    descendants,
    find_text,
    local_name,
    parse_xml,
    seconds_until_midnight_utc,
    to_decimal,
    xml_result,
)

if TYPE_CHECKING:
    from invoicing.models import Customer, Invoice

QUOTA_MESSAGE = noop(
    "Yuki's daily limit of web-service calls is used up for this domain; "
    "the sync continues after midnight (UTC)."
)
QUOTA_HINT = noop(
    "All integrations of the Yuki domain share its daily calls; Yuki can raise the limit."
)
REJECTED = noop("Yuki refused invoice %(number)s: %(said)s")
NOT_PROCESSED = noop("Yuki did not process invoice %(number)s: %(said)s")
DOCUMENT_REFUSED = "Yuki refused the document: "


class YukiConnector(YukiCustomers, YukiAccess, YukiBooks, YukiPayments):
    """Yuki's SOAP web services: access key, domain contacts, batched sales invoices, the
    read-back of the books (books.py) and the payment status (payments.py)."""

    key = "yuki"
    max_batch = 100
    payment_references_per_read = None  # OutstandingDebtorItems lists every open item at once
    create_names_customer = False  # UpdateContact answers TimeStamp and Succeeded only
    target_label = _lazy("administration")
    daily_quota = DAILY_QUOTA
    chooses_journal = False  # invoices go to the administration's sales journal
    UNMAPPED_VAT = VAT_MISSING
    UNMAPPED_VAT_HINT = VAT_MISSING_HINT

    # What a SOAP fault means, by a pattern of its faultstring (Yuki's wordings are undocumented).
    FAULT_KINDS: ClassVar[dict[str, str]] = {
        r"invalid session|session\w*\b.*\b(invalid|expired|not valid|unknown|does not exist)": "session",  # re-authenticate once
        r"daily limit|limit (of|has been) exceeded|quota": "quota",  # daily call quota used up
        r"access ?key|invalid key|authenticat|rights|denied|not authori[sz]ed|inactive domain|bundle|no access": "auth",  # reconnect
        r"validat|xsd|schema|not a valid|xml document": "validation",  # the document was refused
    }
    # A refused invoice's meaning, fix and place come from the table in refusals.py.
    DEFAULT_HINT = DEFAULT_HINT
    # Yuki's duplicate-number text is undocumented (the Dutch one is the facts' unverified guess).
    DUPLICATE = re.compile(r"already (exists|booked|been|processed)|duplicate|bestaat al", re.I)
    # VATType codes of Yuki's sales-invoice schema that we offer in the VAT mapping.
    VAT_TYPES: ClassVar[dict[str, tuple[str, str]]] = {
        "1": ("High rate", "21.00"),  # standard rate
        "2": ("Low rate", "6.00"),  # reduced rate (NL 9%, BE 6%)
        "17": ("Intermediate rate", "12.00"),  # BE 12%
        "3": ("Zero rate", "0.00"),  # 0% taxed
        "4": ("Exempt", "0.00"),  # exempt from VAT
        "5": ("Reverse charge", "0.00"),  # VAT shifted to the customer
        "6": ("Export outside the EU", "0.00"),  # non-EU export
        "7": ("Intra-community supply", "0.00"),  # EU B2B supply
    }
    # The mapping rows each type fits (bookkeeping.connectors.vat_kinds); the others are rated.
    # One type for intra-community goods and services: the Dutch return has one box for both
    # (rubriek 3b) and the ICP return tells them apart. Unverified, as the enumeration is.
    VAT_TYPE_KINDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "4": (vat_kinds.EXEMPT,),
        "5": (vat_kinds.REVERSE_CHARGE,),
        "6": (vat_kinds.EXPORT,),
        "7": vat_kinds.INTRA,
    }

    # Interface: connecting ------------------------------------------------------------------

    def list_targets(self) -> list[Choice]:
        """The administrations of the access key; `extra["domain_id"]` holds their domain."""
        return [
            Choice(a["id"], a["name"], {"domain_id": a["domain_id"]})
            for a in self.administrations()
        ]

    def test_connection(self) -> str:
        """Read calls only: authenticates and checks that the administration is reachable."""
        if not self.config.administration_id:
            return f"Connected to Yuki: {len(self.administrations())} administration(s) available."
        return f"Connected to Yuki administration {self.administration()['name']}."

    def list_journals(self) -> list[Choice]:
        """Yuki books imported sales invoices in the administration's sales journal: no choice."""
        return [Choice("sales", "Sales invoices (Yuki's sales journal)")]

    def list_accounts(self) -> list[Choice]:
        params = [("administrationID", self.config.administration_id)]
        document = xml_result(
            self.call("AccountingInfo", "GetGLAccountScheme", params, idempotent=True)
        )
        return [
            Choice(
                a.get("code") or find_text(a, "Code"),
                a.get("description") or find_text(a, "Description"),
            )
            for a in descendants(document, "GLAccount")
        ]

    def list_vat_codes(self) -> list[Choice]:
        """Yuki's VAT types come from its schema, not from a call."""
        return [
            Choice(
                code,
                label,
                {"percentage": rate, "kinds": self.VAT_TYPE_KINDS.get(code, (vat_kinds.RATED,))},
            )
            for code, (label, rate) in self.VAT_TYPES.items()
        ]

    # Customers -------------------------------------------------------------------------------

    def create_customer(self, customer: Customer) -> None:
        """Upserts the contact (Yuki matches by code, then by type and name). Safe to repeat.
        Yuki's reply names no contact: find it afterwards (`find_customers`)."""
        document = self.prepare_customer(customer, lambda: contact_document(customer))
        params = [("domainID", self.domain_id()), ("xmlDoc", document)]
        result = self.call("Contact", "UpdateContact", params, idempotent=True)
        reply = xml_result(result)
        if reply is not None and find_text(reply, "Succeeded").lower() == "false":
            raise contact_refused(customer, find_text(reply, "Message"))

    def push_customer(self, customer: Customer) -> RemoteRef:
        """Upserts the contact, then finds it (one more read). Safe to repeat."""
        self.create_customer(customer)
        ref = self.find_customer(customer)
        if ref is None:
            raise TransientError(
                later("Yuki saved customer %(code)s but does not find it yet.", code=customer.code),
                hint=later("The next sync looks it up again."),
            )
        return ref

    # Invoices --------------------------------------------------------------------------------

    def reference(self, invoice: Invoice) -> str:
        number = invoice.number
        if not self.config.digits_only_reference:
            return number
        digits = re.sub(r"\D", "", number)
        return f"9{digits}" if invoice.kind == "credit_note" else digits

    def find_invoice(self, invoice: Invoice) -> RemoteRef | None:
        """The booked item whose Reference is exactly our reference (CheckOutstandingItem), with
        what Yuki shows of it (contact, original amount) as its facts, or None. An item without
        a Reference, or with another one, is not a match. Read-only."""
        reference = self.reference(invoice)
        result = self.call(
            "Accounting", "CheckOutstandingItem", [("Reference", reference)], idempotent=True
        )
        for item in descendants(xml_result(result), "Item"):
            if find_text(item, "Reference") != reference:
                continue
            document_id = find_text(item, "DocumentId") or (item.get("ID") or "").strip()
            ref = self.booking_ref(reference, document_id)
            facts = BookingFacts(
                reference=reference,
                customer_id=find_text(item, "ContactID"),
                customer_code=find_text(item, "ContactCode"),
                total=to_decimal(find_text(item, "OriginalAmount")),
                document=document_id,
            )
            return RemoteRef(ref.remote_id, ref.number, ref.extra, facts=facts)
        return None

    @staticmethod
    def booking_ref(reference: str, document_id: str = "") -> RemoteRef:
        number = document_id or reference
        return RemoteRef(number, number, {"reference": reference, "document_id": document_id})

    def push_invoices(
        self, invoices: Sequence[Invoice], *, customer_refs: Mapping[int, RemoteRef]
    ) -> list[PushResult]:
        """Books the invoices in ONE ProcessSalesInvoices call; one PushResult per invoice.

        An invoice whose document cannot be built (an unmapped VAT rate, unusable data) is
        refused before the call, alone. A duplicate Reference is `already_booked`, with what
        find_invoice shows of the booking holding it (the sync decides whether that is this
        invoice). NOT safe to repeat blindly: after a TransientError, call find_invoice.
        """
        results: dict[int, PushResult] = {}
        batch = etree.Element(f"{{{INVOICES_NS}}}SalesInvoices", nsmap={None: INVOICES_NS})
        for invoice in invoices:
            try:
                batch.append(self.prepare_invoice(invoice, lambda i=invoice: self.sales_invoice(i)))
            except InvoiceRejected as exc:
                results[invoice.pk] = PushResult(invoice.pk, error=exc)
        sent = [invoice for invoice in invoices if invoice.pk not in results]
        if sent:
            params = [("administrationId", self.config.administration_id), ("xmlDoc", batch)]
            try:
                result = self.call("Sales", "ProcessSalesInvoices", params, idempotent=False,
                                   session_param="sessionId")  # fmt: skip
            except InvoiceRejected as exc:  # the whole document was refused: nothing was booked
                for invoice in sent:
                    message = str(exc.message).removeprefix(DOCUMENT_REFUSED)
                    results[invoice.pk] = self.rejected(invoice, message, exc.code)
            else:
                results.update(self.read_import(sent, xml_result(result)))
        return [results[invoice.pk] for invoice in invoices]

    def read_import(self, invoices: Sequence[Invoice], reply: Any) -> dict[int, PushResult]:
        """One PushResult per invoice from a SalesInvoicesImportResponse."""
        entries: dict[str, list[Any]] = {}
        for node in descendants(reply, "Invoice"):
            entries.setdefault(find_text(node, "Reference"), []).append(node)
        top = [
            node for node in (reply if reply is not None else []) if local_name(node) == "Message"
        ]
        general = (top[0].text or "").strip() if top else ""
        results = {}
        for invoice in invoices:
            reference = self.reference(invoice)
            found = entries.get(reference) or [None]
            results[invoice.pk] = self.read_entry(invoice, reference, found.pop(0), general)
        return results

    def read_entry(self, invoice: Invoice, reference: str, entry: Any, general: str) -> PushResult:
        """The PushResult of one <Invoice> of the import response (None: not in the reply)."""
        if entry is None:
            message = general or later("its result is missing from Yuki's reply")
            return self.rejected(invoice, message, "not_processed", template=NOT_PROCESSED)
        message = find_text(entry, "Message")
        if find_text(entry, "Succeeded").lower() == "true":
            ref = self.booking_ref(reference, find_text(entry, "DocumentId"))
            if find_text(entry, "Processed").lower() == "false":  # Yuki kept it as a draft
                ref = RemoteRef(ref.remote_id, ref.number, {**ref.extra, "draft": True})
            return PushResult(invoice.pk, ref=ref)
        if self.DUPLICATE.search(message):
            try:  # what Yuki holds under the reference: the sync proves whether it is ours
                ref = self.find_invoice(invoice)
            except ConnectorError:
                ref = None  # the sync asks again
            return PushResult(invoice.pk, ref=ref, already_booked=True)
        skipped = explain(message).key == "batch_stopped"  # the batch stopped before this one
        return self.rejected(invoice, message, "not_processed" if skipped else "rejected")

    def rejected(
        self, invoice: Invoice, message: str, code: str, *, template: str = REJECTED
    ) -> PushResult:
        """The refusal of one invoice, explained by the entry of refusals.py that Yuki's words
        match (the default one, asking for them to be sent to support, when none does)."""
        refusal = explain(str(message))
        said = (quoted(message) if isinstance(message, str) else message) or later(
            "no reason given"
        )
        text = later(template, number=invoice.number, said=said)
        fix, field = place_of(refusal, invoice)
        error = InvoiceRejected(
            later("%(text)s — %(meaning)s", text=text, meaning=later(refusal.meaning)),
            code=code,
            hint=later(refusal.fix),
            fix=fix,
            field=field,
        )
        return PushResult(invoice.pk, error=error)

    def sales_invoice(self, invoice: Invoice) -> Any:
        """The <SalesInvoice> element of one invoice; InvoiceRejected for an unmapped VAT rate."""
        return sales_invoice(
            invoice, reference=self.reference(invoice), config=self.config, vat_code=self.vat_code
        )

    # Error hooks -----------------------------------------------------------------------------

    def raise_for_server_error(self, response: requests.Response) -> NoReturn:
        if b"Fault" not in response.content:
            super().raise_for_server_error(response)
        self.raise_fault(response, parse_xml(response.content, status=response.status_code))

    def raise_for_response(self, response: requests.Response) -> NoReturn:
        if b"Fault" not in response.content:
            super().raise_for_response(response)
        self.raise_fault(response, parse_xml(response.content, status=response.status_code))

    def raise_fault(self, response: requests.Response, root: Any) -> NoReturn:
        """The typed error of a SOAP fault, by what its faultstring says."""
        text = scrub(find_text(root, "faultstring"))
        if not text:
            super().raise_for_server_error(response)
        kind = next(
            (k for p, k in self.FAULT_KINDS.items() if re.search(p, text, re.IGNORECASE)), ""
        )
        options: dict[str, Any] = {"status": response.status_code, "detail": response.text}
        if kind == "session":
            raise SessionRefused(
                later("Yuki refused our session."), hint=later(KEY_HINT), **options
            )
        if kind == "quota":
            raise QuotaExceeded(
                later(QUOTA_MESSAGE),
                retry_after=seconds_until_midnight_utc(),
                hint=later(QUOTA_HINT),
                **options,
            )
        if kind == "auth":
            raise AuthError(
                later("Yuki refused access: %(text)s", text=quoted(text)),
                hint=later(KEY_HINT),
                **options,
            )
        if kind == "validation":
            refusal = explain(text)
            fix, field = place_of(refusal)
            raise InvoiceRejected(
                f"{DOCUMENT_REFUSED}{text}",
                code="validation",
                hint=later(refusal.fix),
                fix=fix,
                field=field,
                **options,
            )
        raise TransientError(
            later("Yuki reported an error: %(text)s", text=quoted(text)),
            hint=later(RETRY_HINT),
            **options,
        )
