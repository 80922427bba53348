"""The refusals Yuki is known to give for one invoice or customer: what each means, the fix, and
where it is fixed. One table; the first entry whose pattern matches Yuki's message wins.

Yuki answers a refused invoice inside the ProcessSalesInvoices reply (`Succeeded=false` and a
`Message`, facts §3.5), in the language of the administration (Dutch or English). Its wordings are
not published: the patterns catch the documented *kinds* of refusal in both languages, and each
entry's `examples` are the wordings the simulator answers (assumed where the source gives none).

Sources (`source` of each entry):
- F1 = /work/shared/bookkeeping-apis.md (§3.5 booking sales invoices, §3.7 errors);
- F2 = /work/shared/bookkeeping-apis-2.md §5 (error texts);
- dedene/yuki-cli `docs/proofs/2026-06-24-docs-parity.md` (error classes of the Postman docs:
  no rights, daily limit, inactive domain, missing administration, unknown GL account);
- support.yuki.nl 80000787982 (imported invoices count toward the bundle's monthly maximum) and
  80000787845 (importing sales invoices needs a bundle that has it);
- support.focus.teamleader.eu 44148592589201 (a VAT code missing in the tool: create it, or map it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bookkeeping.connectors.errors import (
    CONNECTION,
    REVENUE_ACCOUNT,
    Fix,
    InvoiceRejected,
    later,
    noop,
    quoted,
    vat_mapping_field,
)
from bookkeeping.vat_codes import line_key

if TYPE_CHECKING:
    from invoicing.models import Customer, Invoice

# For messages nobody has documented: what to send to support.
DEFAULT_MEANING = noop("Yuki gave a reason Booksync does not know yet.")
DEFAULT_HINT = noop(
    "Check the invoice against Yuki's words above. If they do not tell you what to change, send "
    "Booksync support Yuki's exact words, the invoice number and the time of this sync."
)
# `field` of an entry fixed in the VAT mapping: resolved to the row of the invoice's first rate.
VAT_ROW = "vat"


@dataclass(frozen=True)
class Refusal:
    key: str
    patterns: tuple[str, ...]  # English and Dutch, matched case-insensitively
    meaning: str  # what it means, in plain words
    fix: str  # what to change, and where
    place: Fix
    field: str = ""  # the settings row when place is Fix.SETTINGS
    source: str = ""
    examples: tuple[str, ...] = ()  # English, Dutch: what the simulator answers

    def matches(self, message: str) -> bool:
        return any(re.search(p, message, re.IGNORECASE) for p in self.patterns)


REFUSALS: tuple[Refusal, ...] = (
    Refusal(
        "batch_stopped",
        (r"not processed|stopped after|skipped", r"niet verwerkt|gestopt na|overgeslagen"),
        noop(
            "Yuki stopped this import after too many refused invoices, so it did not look at this one."
        ),
        noop(
            "Nothing to change on this invoice: fix the other refused invoices of this batch; this "
            "one is sent again by the next sync."
        ),
        Fix.NOTHING,
        source="F1 §3.5: Yuki stops after 6 incorrect invoices in one batch (yuki-cli parity doc, "
        "citing Postman)",
        examples=(
            "Not processed: the import stopped after 6 incorrect invoices.",
            "Niet verwerkt: de import is gestopt na 6 foutieve facturen.",
        ),
    ),
    Refusal(
        "reference_digits_only",
        (
            r"reference.*(only digits|numeric|must be a number|letters)",
            r"(referentie|factuurnummer).*(alleen cijfers|numeriek|geen letters|letters)",
        ),
        noop(
            "This Yuki administration accepts only digits as invoice number (Yuki's Reference); "
            "the number has letters or separators."
        ),
        noop(
            "In Integration settings, step 2 (Connect Yuki), enter the access key again with "
            '"Send only the digits of the invoice number" ticked, then sync again: 2026-0001 is '
            "sent as 20260001, a credit note CN-2026-0001 as 920260001."
        ),
        Fix.SETTINGS,
        CONNECTION,
        source="F1 §3.5 (the Reference is Yuki's only key) and §3.7 (number ranges per "
        "department); the digits-only option of this connector; wording assumed",
        examples=(
            "Reference '{ref}' is not valid: only digits are allowed.",
            "Factuurnummer '{ref}' is ongeldig: alleen cijfers zijn toegestaan.",
        ),
    ),
    Refusal(
        "gl_account",
        (r"gl ?account|ledger", r"grootboek"),
        noop(
            "The G/L account the invoice line is booked on does not exist in this Yuki administration."
        ),
        noop(
            "Map the revenue account to a G/L account that exists in Yuki: the default revenue "
            "account in Integration settings, or the account of the invoice line."
        ),
        Fix.SETTINGS,
        REVENUE_ACCOUNT,
        source="yuki-cli docs parity (error class 'unknown GL account'); wording assumed",
        examples=(
            "GL account '{account}' does not exist in administration 'Acme Demo BV'.",
            "Grootboekrekening '{account}' bestaat niet in administratie 'Acme Demo BV'.",
        ),
    ),
    Refusal(
        "contact_vat_number",
        (r"vat ?number|vat id", r"btw-?nummer|ondernemingsnummer"),
        noop("Yuki does not accept the customer's VAT number."),
        noop(
            "Correct the customer's VAT number in Booksync (country prefix and digits, e.g. "
            "NL123456789B01 or BE0123456789), then sync again."
        ),
        Fix.CUSTOMER,
        source="F1 §3.4 (VATNumber of the contact); issue 18 (a VAT-number refusal must point at "
        "the customer, not at the VAT mapping); wording assumed",
        examples=(
            "The VAT number of contact 'C0042' is not valid.",
            "Het btw-nummer van relatie 'C0042' is ongeldig.",
        ),
    ),
    Refusal(
        "vat_type",
        (r"vat", r"btw"),
        noop("The VAT type sent for the invoice's VAT rate does not exist in Yuki."),
        noop(
            "Check the VAT mapping in Integration settings: each rate needs a VAT type Yuki knows."
        ),
        Fix.SETTINGS,
        VAT_ROW,
        source="F1 §3.7 (Teamleader: create the VAT code in the tool or update the mapping); "
        "F1 §3.5 (VATType enumeration unverified); wording assumed",
        examples=("VAT type '{vat}' does not exist.", "Btw-soort '{vat}' bestaat niet."),
    ),
    Refusal(
        "contact",
        (r"contact|customer|relation", r"relatie|klant"),
        noop("Yuki could not find or create the invoice's customer from the data sent."),
        noop("Check the customer's name, code and VAT number in Booksync, then sync again."),
        Fix.CUSTOMER,
        source="F1 §3.5 ('Contact not found', a fixture text in a public client's tests)",
        examples=("Contact not found.", "Relatie niet gevonden."),
    ),
    Refusal(
        "price_precision",
        (r"price|decimal|precision", r"prijs|decimalen"),
        noop("A price or quantity has more decimals than Yuki accepts."),
        noop(
            "Round the unit prices of the invoice lines to whole cents, and quantities to fewer "
            "decimals, on the invoice; then sync again."
        ),
        Fix.INVOICE,
        source="F1 §3.5 and §3.7 (over-precise sales prices, yuki-cli docs citing Postman); "
        "wording assumed",
        examples=(
            "Sales price has too many decimals.",
            "Verkoopprijs heeft te veel decimalen.",
        ),
    ),
    Refusal(
        "invoice_maximum",
        (r"maximum number of invoices|invoice limit|bundle", r"maximum aantal facturen|bundel"),
        noop(
            "The Yuki bundle does not allow more imported invoices (its monthly maximum is reached, "
            "or the bundle has no sales-invoice import)."
        ),
        noop(
            "In Yuki, move to a bundle that imports sales invoices or allows more of them a month "
            "(or wait for next month's maximum), then sync again."
        ),
        Fix.TOOL,
        source="support.yuki.nl 80000787982 (imported invoices count toward the monthly maximum), "
        "80000787845 (import needs the Invoicing/Small/Medium/Large/Unlimited bundle); F1 §3.5",
        examples=(
            "The maximum number of invoices for this month in your bundle has been reached.",
            "Het maximum aantal facturen per maand in uw bundel is bereikt.",
        ),
    ),
)
DEFAULT = Refusal("unknown", (), DEFAULT_MEANING, DEFAULT_HINT, Fix.INVOICE)


def explain(message: str) -> Refusal:
    """The entry whose pattern matches Yuki's message, else DEFAULT."""
    return next((r for r in REFUSALS if r.matches(message)), DEFAULT)


def place_of(refusal: Refusal, invoice: Invoice | None = None) -> tuple[Fix, str]:
    """(fix, field) of a refusal: the VAT row of the invoice's first rate for the VAT mapping."""
    if refusal.field != VAT_ROW:
        return refusal.place, refusal.field
    line = invoice.lines.first() if invoice is not None else None
    return Fix.SETTINGS, vat_mapping_field(line_key(line)) if line is not None else ""


def contact_refused(customer: Customer, message: str) -> InvoiceRejected:
    """Yuki refused to save a customer (UpdateContact, Succeeded=false): the entry its words
    match when that entry is fixed on the customer, else the customer's own check."""
    refusal = explain(message)
    if refusal.place != Fix.CUSTOMER:
        refusal = next(r for r in REFUSALS if r.key == "contact")
    return InvoiceRejected(
        later(
            "Yuki refused customer %(code)s (%(name)s): %(said)s — %(meaning)s",
            code=customer.code,
            name=customer.name,
            said=quoted(message) if message else later("no reason given"),
            meaning=later(refusal.meaning),
        ),
        hint=later(refusal.fix),
        fix=Fix.CUSTOMER,
    )
