"""What an Exact Online refusal (the text of its error body) means for the user: the hint, and
where it is fixed. A pure table and the function that words a refusal of one record with it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from bookkeeping.connectors.base import (
    CREDIT_NOTE_JOURNAL,
    REVENUE_ACCOUNT,
    SALES_JOURNAL,
    ClosedPeriod,
    Fix,
    InvoiceRejected,
    vat_mapping_field,
)

if TYPE_CHECKING:
    from invoicing.models import Invoice

# Placeholders of FIXES resolved for the invoice: its journal, the VAT row of its first rate.
JOURNAL, VAT = "journal", "vat"

# Start of Exact's error text -> how the user fixes it.
HINTS: dict[str, str] = {
    "Mandatory: Journal": "Choose the sales journal in Integration settings.",
    "Invalid: Journal": "Choose a journal of type Sales in Integration settings.",
    "Not found: Journal": "Choose an existing sales journal in Integration settings.",
    "Period is closed": "Reopen the period in Exact Online, or correct the invoice date.",
    "Periode is afgesloten": "Reopen the period in Exact Online, or correct the invoice date.",
    "Unknown: Financial year": "Create the financial year in Exact Online, then sync again.",
    "Unknown: Fiscal year": "Create the financial year in Exact Online, then sync again.",
    "Invalid: Customer": "Make the relation a customer in Exact Online, then sync again.",
    "Not found: Customer": "The customer is missing in Exact Online: sync again to create it.",
    "Not found: Account": "Set a revenue account on the lines or a default in Integration settings.",
    "Not found: G/L": "Choose an existing revenue account in Integration settings.",
    "Invalid: VAT": "Map the VAT rates to valid sales VAT codes in Integration settings.",
    "Mandatory: Payment condition": "Set a default sales payment condition in Exact Online.",
    "Gegeven bestaat reeds": "The code already exists in Exact Online: check the customer there.",
}
# Where the refusals of HINTS are fixed, when not in the invoice: a setting, or the tool.
FIXES: dict[str, tuple[Fix, str]] = {
    "Mandatory: Journal": (Fix.SETTINGS, JOURNAL),
    "Invalid: Journal": (Fix.SETTINGS, JOURNAL),
    "Not found: Journal": (Fix.SETTINGS, JOURNAL),
    "Period is closed": (Fix.TOOL, ""),
    "Periode is afgesloten": (Fix.TOOL, ""),
    "Unknown: Financial year": (Fix.TOOL, ""),
    "Unknown: Fiscal year": (Fix.TOOL, ""),
    "Invalid: Customer": (Fix.TOOL, ""),
    "Not found: Customer": (Fix.NOTHING, ""),
    "Not found: Account": (Fix.SETTINGS, REVENUE_ACCOUNT),
    "Not found: G/L": (Fix.SETTINGS, REVENUE_ACCOUNT),
    "Invalid: VAT": (Fix.SETTINGS, VAT),
    "Mandatory: Payment condition": (Fix.TOOL, ""),
    "Gegeven bestaat reeds": (Fix.TOOL, ""),
}
CLOSED_PERIOD_TEXTS: tuple[str, ...] = ("Period is closed", "Periode is afgesloten")
DEFAULT_HINT = "Correct what Exact Online names in Booksync or Exact Online, then sync again."


def rejection(what: str, exc: InvoiceRejected, invoice: Invoice | None = None) -> InvoiceRejected:
    """Exact's refusal of one record, with the record named, a hint by the text and where
    it is fixed (a customer's refusal: the customer, unless it names a setting)."""
    text = exc.code or exc.message
    start = next((start for start in HINTS if start.lower() in text.lower()), None)
    hint = HINTS[start] if start else DEFAULT_HINT
    fix, field = FIXES.get(start or "", (Fix.INVOICE if invoice else Fix.CUSTOMER, ""))
    if field == JOURNAL:
        field = (
            CREDIT_NOTE_JOURNAL
            if invoice is not None and invoice.kind == "credit_note"
            else SALES_JOURNAL
        )
    elif field == VAT:
        line = invoice.lines.first() if invoice is not None else None
        field = vat_mapping_field(f"{Decimal(line.vat_rate):.2f}") if line else ""
    error_class = ClosedPeriod if any(t in text for t in CLOSED_PERIOD_TEXTS) else InvoiceRejected
    return error_class(
        f"Exact Online refused {what}: {text}",
        code=text,
        hint=hint,
        status=exc.status,
        detail=exc.detail,
        fix=fix,
        field=field,
    )
