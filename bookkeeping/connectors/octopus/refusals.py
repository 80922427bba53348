"""What an Octopus refusal (its `errorCode`) means for the user: the hint, and where it is fixed.

A pure table and the function that words a refusal of one invoice with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from bookkeeping.connectors.errors import (
    COST_CENTRE,
    CREDIT_NOTE_JOURNAL,
    REVENUE_ACCOUNT,
    SALES_JOURNAL,
    ClosedPeriod,
    ConnectorError,
    Fix,
    InvoiceRejected,
    vat_mapping_field,
)
from bookkeeping.connectors.octopus.payload import (
    CLOSED_PERIOD_HINT,
    CLOSED_PERIOD_MESSAGE,
    OctopusConfig,
    to_int,
)

if TYPE_CHECKING:
    from invoicing.models import Invoice

DEFAULT_HINT = "Check the invoice in Booksync and the settings in Octopus, then retry the invoice."
REFUSED = "Octopus refused the request: "
# Where a refusal is fixed, beside the hint: a setting ("journal" and "vat" are resolved for the
# invoice), or Fix.INVOICE / TOOL / CUSTOMER / NOTHING.
JOURNAL, VAT = "journal", "vat"


class Refusal(NamedTuple):
    hint: str  # {accounts}, {vat_codes}, {cost_centres} are what we sent
    fix: Fix
    field: str = ""


BOOKYEAR = Refusal(
    "Create the book year of the invoice date in Octopus, then retry the invoice.", Fix.TOOL
)
# Octopus errorCode -> how to fix the refused invoice.
REFUSALS: dict[int, Refusal] = {
    # ERR_UNKNOWN_ACCOUNT: a line's revenue account is not in the dossier's chart.
    -21: Refusal(
        "Account {accounts} is not known in Octopus: set an existing revenue account on the "
        "invoice line or as default revenue account in Integration settings.",
        Fix.SETTINGS,
        REVENUE_ACCOUNT,
    ),
    # ERR_UNKNOWN_VATCODE: the mapped VAT code does not exist in the dossier.
    -22: Refusal(
        "VAT code {vat_codes} does not exist in Octopus: fix the VAT mapping in Integration "
        "settings.",
        Fix.SETTINGS,
        VAT,
    ),
    # ERR_VATCODE_WRONG_TYPE: a purchase VAT code was mapped for sales.
    -75: Refusal(
        "VAT code {vat_codes} is not a sales VAT code in Octopus: fix the VAT mapping in "
        "Integration settings.",
        Fix.SETTINGS,
        VAT,
    ),
    # ERR_ACCOUNT_NOT_BOOKING_TYPE: a total account instead of a booking account.
    -50: Refusal(
        "Account {accounts} cannot be booked on in Octopus: choose another revenue account.",
        Fix.INVOICE,
    ),
    # ERR_UNKNOWN_COST_CENTRE
    -40: Refusal(
        "Cost centre {cost_centres} is not known in Octopus: fix the cost centre on the "
        "invoice line or the default cost centre in Integration settings.",
        Fix.SETTINGS,
        COST_CENTRE,
    ),
    # ERR_COST_CENTRE_CLOSED
    -41: Refusal(
        "Cost centre {cost_centres} is closed in Octopus: choose an open cost centre on the "
        "invoice line or as default cost centre in Integration settings.",
        Fix.SETTINGS,
        COST_CENTRE,
    ),
    # ERR_UNKNOWN_RELATION: the customer is not (or no longer) in the dossier.
    -16: Refusal(
        "The customer is missing in Octopus: retry the invoice so that the customer is "
        "created first.",
        Fix.CUSTOMER,
    ),
    # ERR_ILLEGAL_DOCUMENT_SEQUENCE_NR: someone booked in the same journal at the same time.
    -13: Refusal(
        "Another booking took the journal's next number: retry the invoice from the sync history.",
        Fix.NOTHING,
    ),
    # ERR_UNKNOWN_BOOKYEAR / ERR_UNKNOWN_BOOKYEAR_PERIOD_NR
    -9: BOOKYEAR,
    -14: BOOKYEAR,
    # ERR_UNKNOWN_JOURNAL / ERR_JOURNAL_WRONG_MODE / ERR_INVALID_JOURNAL
    -10: Refusal(
        "Choose an existing sales journal in Integration settings (a new journal shows up "
        "after File > Synchronise in the Octopus client).",
        Fix.SETTINGS,
        JOURNAL,
    ),
    -29: Refusal(
        "The journal must be of type 'Sales bookings' in Octopus: choose another journal in "
        "Integration settings.",
        Fix.SETTINGS,
        JOURNAL,
    ),
    -38: Refusal("Choose a valid sales journal in Integration settings.", Fix.SETTINGS, JOURNAL),
    # ERR_BOOKING_LINE_BASE_VAT_OTHER_SIGN
    -23: Refusal(
        "A line's amount and VAT have different signs: check the invoice lines.", Fix.INVOICE
    ),
    # ERR_BOOKING_NOT_EXISTS: the booking was deleted in Octopus.
    -34: Refusal(
        "The booking no longer exists in Octopus: book the invoice again or correct it in Octopus.",
        Fix.TOOL,
    ),
    # ERR_NO_DOCUMENT_DATE / ERR_NO_EXPIRY_DATE / ERR_UNKNOWN_CURRENCY
    -17: Refusal("Give the invoice a date.", Fix.INVOICE),
    -18: Refusal("Give the invoice a due date.", Fix.INVOICE),
    -19: Refusal("Use a currency that Octopus knows for this dossier.", Fix.INVOICE),
}
# ERR_JOURNAL_CLOSED, ERR_BOOKYEAR_PERIOD_NR_PROTECTED: the period is closed or protected.
CLOSED_CODES = frozenset({-11, -15})


def tool_message(exc: ConnectorError) -> str:
    """Octopus's own words of a refusal, with its error code."""
    text = exc.message.removeprefix(REFUSED)
    return f"{text} (Octopus error {exc.code})" if getattr(exc, "code", "") else text


def field_of(
    refusal: Refusal, invoice: Invoice, lines: list[dict[str, Any]], config: OctopusConfig
) -> str:
    """The setting of a refusal, for this invoice: its journal, or the VAT rate of a code sent."""
    if refusal.field == JOURNAL:
        return CREDIT_NOTE_JOURNAL if invoice.kind == "credit_note" else SALES_JOURNAL
    if refusal.field == VAT:
        sent = [str(line["vatCodeKey"]) for line in lines]
        rates = [rate for rate, code in config.vat_mapping.items() if str(code) in sent]
        return vat_mapping_field(rates[0]) if rates else ""
    return refusal.field


def rejection(
    invoice: Invoice,
    exc: InvoiceRejected,
    *,
    period: int,
    lines: list[dict[str, Any]],
    config: OctopusConfig,
) -> InvoiceRejected:
    """The tool's refusal, told about this invoice, with a hint to fix it and where."""
    if isinstance(exc, ClosedPeriod):
        return ClosedPeriod(
            CLOSED_PERIOD_MESSAGE.format(number=invoice.number, period=period),
            code=exc.code,
            hint=CLOSED_PERIOD_HINT.format(year=period // 100, month=f"{period % 100:02d}"),
            status=exc.status,
            detail=exc.detail,
            fix=Fix.TOOL,
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
    refusal = REFUSALS.get(to_int(exc.code) or 0, Refusal(DEFAULT_HINT, Fix.INVOICE))
    field = field_of(refusal, invoice, lines, config)
    return InvoiceRejected(
        f"Invoice {invoice.number}: {tool_message(exc)}",
        code=exc.code,
        hint=refusal.hint.format(**context),
        status=exc.status,
        detail=exc.detail,
        fix=refusal.fix,
        field=field,
    )
