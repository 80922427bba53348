"""The XML documents the Yuki connector sends: a Contact and the SalesInvoice of an invoice.

Credit notes are invoices with negative quantities and positive prices, so that every amount of
the booking is negative, as in Yuki's own credit notes. Prices go out rounded to cents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from lxml import etree

from bookkeeping.connectors.config import ConnectorConfig
from bookkeeping.connectors.errors import noop
from bookkeeping.connectors.outgoing import tool_text
from bookkeeping.connectors.yuki.soap import INVOICES_NS, plain_number

if TYPE_CHECKING:
    from bookkeeping.models import Integration
    from invoicing.models import Customer, Invoice

VAT_MISSING = noop("Invoice %(number)s: VAT rate %(rate)s%% has no VAT type in Yuki")
VAT_MISSING_HINT = noop("Map %(rate)s%% to a VAT type in Integration settings")


@dataclass(frozen=True)
class YukiConfig(ConnectorConfig):
    """The common choices (the target is the administration), and the access key and the
    reference option of the credentials."""

    access_key: str = ""
    digits_only_reference: bool = False

    @classmethod
    def from_integration(cls, integration: Integration, **extra: Any) -> Self:
        credentials = integration.credentials or {}
        return super().from_integration(
            integration,
            access_key=str(credentials.get("access_key", "")).strip(),
            digits_only_reference=bool(credentials.get("digits_only_reference", False)),
            **extra,
        )

    @property
    def administration_id(self) -> str:
        return self.target_id


def contact_document(customer: Customer) -> Any:
    """The <Contact> document of UpdateContact (Type 2: a company)."""
    document = etree.Element("Contact")
    # fmt: off
    add(document, [
        ("Code", customer.code), ("Type", "2"), ("FullName", customer.name),
        ("AddressLine_1", customer.address), ("Postcode", customer.postal_code),
        ("City", customer.city), ("Country", customer.country),
        ("EMailWork", customer.email), ("VATNumber", customer.vat_number),
    ])
    # fmt: on
    return document


def sales_invoice(
    invoice: Invoice,
    *,
    reference: str,
    config: YukiConfig,
    vat_code: Callable[[Invoice, Any], str],
) -> Any:
    """The <SalesInvoice> element of one invoice; InvoiceRejected for an unmapped VAT rate
    (from `vat_code`, the connector's `Connector.vat_code`)."""
    sign = Decimal(-1) if invoice.kind == "credit_note" else Decimal(1)
    element = etree.Element(f"{{{INVOICES_NS}}}SalesInvoice")
    kind = "Credit note" if invoice.kind == "credit_note" else "Invoice"
    customer = invoice.customer
    # fmt: off
    add(element, [
        ("Reference", reference), ("Subject", f"{kind} {invoice.number}"),
        ("PaymentMethod", "ElectronicTransfer"), ("Process", "true"),
        ("EmailToCustomer", "false"), ("Date", invoice.invoice_date.isoformat()),
        ("DueDate", invoice.due_date.isoformat()), ("Currency", invoice.currency),
    ])
    add(etree.SubElement(element, f"{{{INVOICES_NS}}}Contact"), [
        ("ContactCode", customer.code), ("FullName", customer.name),
        ("CountryCode", customer.country), ("City", customer.city),
        ("Zipcode", customer.postal_code), ("AddressLine_1", customer.address),
        ("EmailAddress", customer.email), ("VATNumber", customer.vat_number),
        ("ContactType", "Company"),
    ])
    # fmt: on
    lines = etree.SubElement(element, f"{{{INVOICES_NS}}}InvoiceLines")
    for line in invoice.lines.all():
        rate = f"{Decimal(line.vat_rate):.2f}"
        vat_type = vat_code(invoice, line)
        node = etree.SubElement(lines, f"{{{INVOICES_NS}}}InvoiceLine")
        price = Decimal(line.unit_price).quantize(Decimal("0.01"))
        account = config.revenue_account_of(line)
        # fmt: off
        add(node, [("Description", line.description),
                   ("ProductQuantity", plain_number(sign * Decimal(line.quantity)))])
        add(etree.SubElement(node, f"{{{INVOICES_NS}}}Product"), [
            ("Description", line.description), ("SalesPrice", str(price)),
            ("VATPercentage", rate), ("VATIncluded", "false"), ("VATType", vat_type),
            ("GLAccountCode", account),
        ])
        # fmt: on
    return element


def add(parent: Any, children: Sequence[tuple[str, str]]) -> None:
    """Child elements in the parent's namespace, in order; empty values are left out. Texts go
    through the one outgoing rule (`tool_text`): XML cannot carry control characters."""
    namespace = etree.QName(parent).namespace
    for tag, raw in children:
        value = tool_text(raw)
        if value:
            name = f"{{{namespace}}}{tag}" if namespace else tag
            etree.SubElement(parent, name).text = value
