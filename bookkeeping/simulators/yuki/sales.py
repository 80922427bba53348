"""`Sales.asmx` ProcessSalesInvoices of the Yuki simulator: validate the whole document, then book.

As the support pages describe it: the document is checked against the schema first, and an invalid
document processes nothing (the response holds the validation message); then the invoices are
processed one by one, contacts are matched or created, a Reference already used in the
administration is refused, and the import stops after 6 incorrect invoices. Knobs: a Reference
with letters or separators is refused when the administration takes digits only, and an invoice
can be made to get a given refusal (`refuse_next_invoice`).

Amounts: each line's amount and its VAT are rounded to cents per line, then added up (as Yuki
shows VAT per invoice line; the rounding mode, half up, is an assumption: the facts are silent).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from lxml import etree

from bookkeeping.simulators.yuki import documents
from bookkeeping.simulators.yuki.common import (
    ADMINISTRATION_ID,
    ADMINISTRATION_NAME,
    DEFAULT_GL_ACCOUNT,
    DUPLICATE,
    GL_ACCOUNTS,
    NOT_DIGITS,
    RESPONSE_NS,
    SKIPPED,
    VAT_TYPES,
    child_text,
    find_child,
    local_name,
    normalised,
    to_decimal,
)

if TYPE_CHECKING:
    from bookkeeping.simulators.yuki.simulator import YukiSimulator

CENT = Decimal("0.01")


def import_sales_invoices(sim: YukiSimulator, document: Any) -> Any:
    """The SalesInvoicesImportResponse for `document` (the caller holds the simulator's lock)."""
    response = etree.Element(
        f"{{{RESPONSE_NS}}}SalesInvoicesImportResponse", nsmap={None: RESPONSE_NS}
    )
    errors = validate(document)
    invoices = [] if errors else [e for e in document if local_name(e) == "SalesInvoice"]
    results = []
    failures = 0
    for element in invoices:
        if failures >= sim.max_failures:
            results.append((element, False, False, SKIPPED.format(n=sim.max_failures), None))
            continue
        succeeded, processed, message, booked = _process(sim, element)
        failures += not succeeded
        results.append((element, succeeded, processed, message, booked))
    skipped_text = SKIPPED.format(n=sim.max_failures)
    succeeded = sum(1 for result in results if result[1])
    skipped = _count(document) if errors else sum(1 for r in results if r[3] == skipped_text)
    _add(response, "TimeStamp", dt.datetime.now(dt.UTC).isoformat())
    _add(response, "AdministrationId", ADMINISTRATION_ID)
    _add(response, "TotalSucceeded", str(succeeded))
    _add(response, "TotalFailed", str(len(results) - succeeded - skipped if results else 0))
    _add(response, "TotalSkipped", str(skipped))
    if errors:
        _add(
            response, "Message", "XML validation failed; nothing was processed. " + " ".join(errors)
        )
    for element, succeeded, processed, message, booked in results:
        item = _add(response, "Invoice")
        _add(item, "Succeeded", str(succeeded).lower())
        _add(item, "Processed", str(processed).lower())
        _add(item, "EmailSent", "false")
        _add(item, "Reference", child_text(element, "Reference"))
        _add(item, "Subject", child_text(element, "Subject"))
        _add(item, "Message", message)
        if booked is not None:
            _add(item, "DocumentId", booked["documentid"])
    return response


def _add(parent: Any, tag: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{{{RESPONSE_NS}}}{tag}")
    element.text = text
    return element


def _count(document: Any) -> int:
    return 0 if document is None else sum(1 for e in document if local_name(e) == "SalesInvoice")


# Schema validation ---------------------------------------------------------------------------------


def validate(document: Any) -> list[str]:
    """The schema errors of a SalesInvoices document (empty when valid): schemas/SalesInvoices.xsd."""
    return documents.errors(document, "SalesInvoices")


# Processing -----------------------------------------------------------------------------------------


def _process(sim: YukiSimulator, invoice: Any) -> tuple[bool, bool, str, dict[str, Any] | None]:
    """(succeeded, processed, message, stored invoice) for one valid SalesInvoice element."""
    reference = child_text(invoice, "Reference")
    if reference in sim.refusals:  # a knob: this one invoice is refused with the given words
        return False, False, sim.refusals.pop(reference), None
    if sim.digits_only_references and not reference.isdigit():
        return False, False, NOT_DIGITS.format(ref=reference), None
    if any(stored["reference"] == reference for stored in sim.invoices):
        return False, False, DUPLICATE.format(ref=reference), None
    lines = [e for e in find_child(invoice, "InvoiceLines") if local_name(e) == "InvoiceLine"]
    total = Decimal("0")
    accounts: dict[str, Decimal] = {}
    vat_types = []
    for line in lines:
        product = find_child(line, "Product")
        vat_type = child_text(product, "VATType")
        vat_types.append(vat_type)
        if vat_type and vat_type not in VAT_TYPES:
            return False, False, f"VAT type '{vat_type}' does not exist.", None
        account = child_text(product, "GLAccountCode") or DEFAULT_GL_ACCOUNT
        if account not in GL_ACCOUNTS:
            return (
                False,
                False,
                f"GL account '{account}' does not exist in administration '{ADMINISTRATION_NAME}'.",
                None,
            )
        amount, vat = line_amounts(line, product)
        total += amount + vat
        accounts[account] = accounts.get(account, Decimal("0")) + amount
    contact = _contact(sim, find_child(invoice, "Contact"))
    if contact is None:
        return False, False, "Contact not found.", None
    processed = child_text(invoice, "Process") in {"true", "1"}
    booked = sim.book(reference, total, contact, child_text(invoice, "Date")[:10], accounts)
    booked["processed"] = processed
    booked["duedate"] = child_text(invoice, "DueDate")[:10]
    booked["vat_types"] = vat_types
    return True, processed, "", booked


def _contact(sim: YukiSimulator, element: Any) -> dict[str, str] | None:
    """The contact the invoice names: by ContactCode, then by name; created when unknown."""
    code = child_text(element, "ContactCode")
    name = child_text(element, "FullName")
    ordered = list(sim.contacts.values())[::-1]
    match = next((c for c in ordered if code and c.get("Code") == code), None)
    match = match or next(
        (c for c in ordered if name and normalised(c["Name"]) == normalised(name)), None
    )
    if match is None and name:
        kind = "0" if child_text(element, "ContactType") == "Person" else "2"
        match = sim.new_contact(code, name, kind)
        for tag, key in (("VATNumber", "VATNumber"), ("City", "City"), ("CountryCode", "Country")):
            if child_text(element, tag):
                match[key] = child_text(element, tag)
    return match


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(line: Any, product: Any) -> tuple[Decimal, Decimal]:
    """(amount excluding VAT, VAT) of one line, each rounded to cents on the line. A price
    with VAT included is split; LineAmount / LineVATAmount, when sent, are taken as they are."""
    percentage = to_decimal(child_text(product, "VATPercentage") or "0") or Decimal("0")
    gross = Decimal(child_text(line, "ProductQuantity")) * Decimal(
        child_text(product, "SalesPrice")
    )
    if child_text(product, "VATIncluded") in {"true", "1"}:
        vat = cents(gross * percentage / (100 + percentage))
        amount = cents(gross) - vat
    else:
        amount = cents(gross)
        vat = cents(amount * percentage / 100)
    given_amount = to_decimal(child_text(line, "LineAmount"))
    given_vat = to_decimal(child_text(line, "LineVATAmount"))
    return (
        amount if given_amount is None else given_amount,
        vat if given_vat is None else given_vat,
    )
