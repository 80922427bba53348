"""Every refusal Octopus is known to give for a customer or a booking: what it means in plain
words, where it is fixed and how, and where we know it from.

A pure table (`CATALOGUE`) and the function that words a refusal of one invoice with it.
Octopus answers `{"errorCode", "errorMessage", "technicalInfo"}`; `errorCode` reuses the SOAP
return codes. An entry is found by its code, else (a reply without a known code) by a pattern
of its text, in English and Dutch (Octopus answers in the language of `Accept-Language`).

Sources, cited per entry in `source`:
- FACTS = /work/shared/bookkeeping-apis.md §2.8 (codes, Teamleader's texts) and
  bookkeeping-apis-2.md §5 (error-text table).
- RETURN_CODES = BertMaurau/inaras-php-wrapper `src/ReturnCodes.php` (commit 48f0f0f), the
  code -> name list of the SOAP webservice: every code below is there.
- GO_CLIENT = omniboost/go-octopus `client.go` (the REST error body `ErrorResponse`).
- TEAMLEADER = support.teamleader.eu 7000054017 "Troubleshooting Octopus" (quoted in FACTS).
Octopus's own wording per code is not public (only the SOAP names are): the English patterns
follow the names and Teamleader's quotes, the Dutch ones are our reading [I] of those names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bookkeeping.connectors.errors import (
    COST_CENTRE,
    CREDIT_NOTE_JOURNAL,
    REVENUE_ACCOUNT,
    SALES_JOURNAL,
    ClosedPeriod,
    ConnectorError,
    Fix,
    InvoiceRejected,
    later,
    noop,
    quoted,
    vat_mapping_field,
)
from bookkeeping.connectors.octopus.payload import (
    CLOSED_PERIOD_HINT,
    CLOSED_PERIOD_MESSAGE,
    OctopusConfig,
    refusal_context,
    to_int,
)

if TYPE_CHECKING:
    from config.texts import StoredText
    from invoicing.models import Invoice

FACTS = "bookkeeping-apis.md §2.8; bookkeeping-apis-2.md §5"
RETURN_CODES = "BertMaurau/inaras-php-wrapper src/ReturnCodes.php"
GO_CLIENT = "omniboost/go-octopus client.go (ErrorResponse)"
TEAMLEADER = "support.teamleader.eu 7000054017 (Troubleshooting Octopus)"

REFUSED = "Octopus refused the request: "
# A refusal nobody documented: the tool's words stay in the message; this says what to do.
DEFAULT_HINT = noop(
    "Booksync does not know this Octopus refusal. If Octopus's words above do not say what to "
    "change, send Booksync support those exact words, invoice %(number)s and the time %(time)s."
)
# Where a refusal is fixed, beside the hint: a setting ("journal" and "vat" are resolved for the
# invoice), or Fix.INVOICE / TOOL / CUSTOMER / NOTHING.
JOURNAL, VAT = "journal", "vat"


@dataclass(frozen=True)
class Refusal:
    """One known refusal. `hint` may name {accounts}, {vat_codes}, {cost_centres}, {journal}
    (what we sent) and {number}. `customer_missing`: the customer is gone from the tool, so its
    record is dropped and the next sync creates it again (see InvoiceRejected)."""

    name: str  # the SOAP name of the code
    meaning: str
    hint: str
    fix: Fix
    field: str = ""
    codes: tuple[int, ...] = ()
    patterns: tuple[str, ...] = ()  # regexes of the tool's text, English and Dutch
    source: str = RETURN_CODES
    closed_period: bool = False
    customer_missing: bool = False


def _bookyear(code: int, name: str, *patterns: str) -> Refusal:
    return Refusal(
        name,
        noop("Octopus has no book year or period for the invoice date."),
        noop("Create the book year of the invoice date in Octopus, then retry the invoice."),
        Fix.TOOL,
        codes=(code,),
        patterns=patterns,
    )


def _journal(code: int, name: str, meaning: str, hint: str, *patterns: str) -> Refusal:
    return Refusal(name, meaning, hint, Fix.SETTINGS, JOURNAL, (code,), patterns)


CATALOGUE: tuple[Refusal, ...] = (
    Refusal(
        "ERR_UNKNOWN_ACCOUNT",
        noop("The revenue account of a line does not exist in the Octopus dossier."),
        noop(
            "Account %(accounts)s is not known in Octopus: set an existing revenue account on the "
            "invoice line or as default revenue account in Integration settings."
        ),
        Fix.SETTINGS,
        REVENUE_ACCOUNT,
        (-21,),
        (r"unknown (general ledger )?account", r"onbekende (algemene )?rekening"),
        f"{RETURN_CODES}; {FACTS}",
    ),
    Refusal(
        "ERR_ACCOUNT_NOT_BOOKING_TYPE",
        noop("A line's revenue account is a total account, which cannot be booked on."),
        noop(
            "Account %(accounts)s cannot be booked on in Octopus: set a booking account on the invoice "
            "line or as default revenue account in Integration settings."
        ),
        Fix.SETTINGS,
        REVENUE_ACCOUNT,
        (-50,),
        (r"not a booking account", r"geen boekingsrekening"),
    ),
    Refusal(
        "ERR_UNKNOWN_VATCODE",
        noop("The VAT code the rate is mapped to does not exist in the Octopus dossier."),
        noop(
            "VAT code %(vat_codes)s does not exist in Octopus: fix the VAT mapping in Integration "
            "settings."
        ),
        Fix.SETTINGS,
        VAT,
        (-22,),
        (r"unknown vat ?code", r"onbekende btw-?code"),
        f"{RETURN_CODES}; {FACTS}",
    ),
    Refusal(
        "ERR_VATCODE_WRONG_TYPE",
        noop("The VAT code the rate is mapped to is not a sales VAT code."),
        noop(
            "VAT code %(vat_codes)s is not a sales VAT code in Octopus: fix the VAT mapping in "
            "Integration settings."
        ),
        Fix.SETTINGS,
        VAT,
        (-75,),
        (r"vat ?code (has the )?wrong type", r"btw-?code (heeft het )?verkeerde? type"),
    ),
    Refusal(
        "ERR_UNKNOWN_COST_CENTRE",
        noop("The cost centre of a line does not exist in the Octopus dossier."),
        noop(
            "Cost centre %(cost_centres)s is not known in Octopus: fix the cost centre on the "
            "invoice line or the default cost centre in Integration settings."
        ),
        Fix.SETTINGS,
        COST_CENTRE,
        (-40,),
        (r"unknown cost ?cent(re|er)", r"onbekende kostenplaats"),
    ),
    Refusal(
        "ERR_COST_CENTRE_CLOSED",
        noop("The cost centre of a line is closed in Octopus."),
        noop(
            "Cost centre %(cost_centres)s is closed in Octopus: choose an open cost centre on the "
            "invoice line or as default cost centre in Integration settings."
        ),
        Fix.SETTINGS,
        COST_CENTRE,
        (-41,),
        (r"cost ?cent(re|er) is closed", r"kostenplaats is afgesloten"),
    ),
    Refusal(
        "ERR_UNKNOWN_RELATION",
        noop("The invoice's customer is not (or no longer) in the Octopus dossier."),
        noop(
            "Retry the invoice: Booksync creates the customer in Octopus again first, then books "
            "the invoice."
        ),
        Fix.CUSTOMER,
        codes=(-16,),
        patterns=(r"unknown relation", r"onbekende relatie"),
        source=f"{RETURN_CODES}; {FACTS}",
        customer_missing=True,
    ),
    Refusal(
        "ERR_INSERT_UPDATE_RELATION",
        noop("Octopus could not save the customer."),
        noop("Check the customer's name, country and VAT number in Booksync, then retry."),
        Fix.CUSTOMER,
        codes=(-7,),
        patterns=(r"error (inserting|updating) relation", r"fout bij .*relatie"),
    ),
    Refusal(
        "ERR_ILLEGAL_DOCUMENT_SEQUENCE_NR",
        noop("Another booking took the journal's next document number, twice in a row."),
        noop("Retry the invoice from the sync history: Booksync reads the journal's number again."),
        Fix.NOTHING,
        codes=(-13,),
        patterns=(r"illegal document sequence", r"ongeldig documentnummer"),
        source=f"{RETURN_CODES}; {FACTS}",
    ),
    _bookyear(
        -9, "ERR_UNKNOWN_BOOKYEAR", r"unknown book ?year\b(?! period)", r"onbekend boekjaar\b"
    ),
    _bookyear(
        -14, "ERR_UNKNOWN_BOOKYEAR_PERIOD_NR", r"unknown book ?year period", r"onbekende periode"
    ),
    Refusal(
        "ERR_BOOKYEAR_PERIOD_NR_PROTECTED",
        noop("Book year period is closed"),
        CLOSED_PERIOD_HINT,
        Fix.TOOL,
        codes=(-15,),
        patterns=(
            r"book ?year period is (closed|protected)",
            r"periode is (afgesloten|beveiligd)",
        ),
        source=f"{RETURN_CODES}; {TEAMLEADER}",
        closed_period=True,
    ),
    Refusal(
        "ERR_JOURNAL_CLOSED",
        noop("The journal is closed in Octopus (the journal itself, not a book-year period)."),
        noop(
            "Journal %(journal)s is closed in Octopus: reopen it there (or choose an open journal in "
            "Integration settings), then retry the invoice."
        ),
        Fix.TOOL,
        codes=(-11,),
        patterns=(r"journal (\S+ )?is closed", r"dagboek (\S+ )?is (afgesloten|gesloten)"),
        source=f"{RETURN_CODES}; {FACTS} (HTTP 403 'journal is closed or in use')",
    ),
    _journal(
        -10,
        "ERR_UNKNOWN_JOURNAL",
        noop("The journal chosen in Integration settings does not exist in Octopus."),
        noop(
            "Choose an existing sales journal in Integration settings (a new journal shows up "
            "after File > Synchronise in the Octopus client)."
        ),
        r"unknown journal",
        r"onbekend dagboek",
    ),
    _journal(
        -29,
        "ERR_JOURNAL_WRONG_MODE",
        noop("The journal is not of type 'Sales bookings' (for example 'Invoices')."),
        noop(
            "The journal must be of type 'Sales bookings' in Octopus: choose another journal in "
            "Integration settings."
        ),
        r"wrong type",
        r"verkeerde? type",
    ),
    _journal(
        -38,
        "ERR_INVALID_JOURNAL",
        noop("The journal cannot take sales bookings."),
        noop("Choose a valid sales journal in Integration settings."),
        r"invalid journal",
        r"ongeldig dagboek",
    ),
    Refusal(
        "ERR_BOOKING_LINE_BASE_VAT_OTHER_SIGN",
        noop("A line's amount and its VAT have different signs."),
        noop(
            "Check the invoice lines: amount and VAT of each line must both be positive or both "
            "negative."
        ),
        Fix.INVOICE,
        codes=(-23,),
        patterns=(r"differ in sign|other sign", r"ander teken"),
    ),
    Refusal(
        "ERR_INSERT_BOOKING",
        noop("Octopus could not save the booking (amounts or VAT that do not add up)."),
        noop("Check the invoice's amounts and VAT against Octopus's words above, then retry."),
        Fix.INVOICE,
        codes=(-24,),
        patterns=(r"error inserting booking", r"fout bij het (toevoegen|invoeren) van de boeking"),
    ),
    Refusal(
        "ERR_UPDATE_BOOKING",
        noop("Octopus could not change the booking (amounts or VAT that do not add up)."),
        noop("Check the invoice's amounts and VAT against Octopus's words above, then retry."),
        Fix.INVOICE,
        codes=(-35,),
        patterns=(r"error updating booking", r"fout bij het (wijzigen|aanpassen) van de boeking"),
    ),
    Refusal(
        "ERR_BOOKING_NOT_EXISTS",
        noop("The booking was deleted in Octopus."),
        noop(
            "Book the invoice again (unlink it in the recovery console) or correct it in Octopus."
        ),
        Fix.TOOL,
        codes=(-34,),
        patterns=(r"booking (does )?not exists?", r"boeking bestaat niet"),
    ),
    Refusal(
        "ERR_NO_DOCUMENT_DATE",
        noop("The invoice has no date."),
        noop("Give the invoice a date."),
        Fix.INVOICE,
        codes=(-17,),
        patterns=(r"no document date", r"geen documentdatum"),
    ),
    Refusal(
        "ERR_NO_EXPIRY_DATE",
        noop("The invoice has no due date."),
        noop("Give the invoice a due date."),
        Fix.INVOICE,
        codes=(-18,),
        patterns=(r"no expiry date", r"geen vervaldatum"),
    ),
    Refusal(
        "ERR_UNKNOWN_CURRENCY",
        noop("The invoice's currency is not known in the Octopus dossier."),
        noop("Use a currency that Octopus knows for this dossier on the invoice."),
        Fix.INVOICE,
        codes=(-19,),
        patterns=(r"unknown currency", r"onbekende munt"),
    ),
    Refusal(
        "ERR_ILLEGAL_EXCHANGE_RATE",
        noop("The invoice's exchange rate is not valid."),
        noop("Give the invoice a positive exchange rate."),
        Fix.INVOICE,
        codes=(-20,),
        patterns=(r"illegal exchange rate", r"ongeldige wisselkoers"),
    ),
)
REFUSALS: dict[int, Refusal] = {code: entry for entry in CATALOGUE for code in entry.codes}
CLOSED_CODES = frozenset(code for code, entry in REFUSALS.items() if entry.closed_period)


def find(code: int | None, text: str = "") -> Refusal | None:
    """The entry of a refusal: by its code, else (no known code) by its text."""
    if code in REFUSALS:
        return REFUSALS[code]
    for entry in CATALOGUE:
        if any(re.search(pattern, text, re.IGNORECASE) for pattern in entry.patterns):
            return entry
    return None


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
    """The tool's refusal, told about this invoice: the tool's words and what they mean, with a
    hint to fix it and where."""
    if isinstance(exc, ClosedPeriod):
        message = later(CLOSED_PERIOD_MESSAGE, number=invoice.number, period=period)
        words = str(exc.message).removeprefix(REFUSED)
        if words.lower() not in str(message).lower():  # another language, other words
            message = later(
                "%(message)s. Octopus said: %(said)s", message=message, said=tool_message(exc)
            )
        month = f"{period % 100:02d}"
        return ClosedPeriod(
            message,
            code=exc.code,
            hint=later(CLOSED_PERIOD_HINT, year=period // 100, month=month),
            status=exc.status,
            detail=exc.detail,
            fix=Fix.TOOL,
        )
    context = refusal_context(invoice, lines, config)
    refusal = find(to_int(exc.code), str(exc.message).removeprefix(REFUSED))
    if refusal is None:
        return InvoiceRejected(
            later("Invoice %(number)s: %(said)s", number=invoice.number, said=tool_message(exc)),
            code=exc.code,
            hint=later(DEFAULT_HINT, **context),
            status=exc.status,
            detail=exc.detail,
            fix=Fix.INVOICE,
        )
    return InvoiceRejected(
        later(
            "Invoice %(number)s: %(meaning)s Octopus said: %(said)s",
            number=invoice.number,
            meaning=later(refusal.meaning),
            said=tool_message(exc),
        ),
        code=exc.code,
        hint=later(refusal.hint, **context),
        status=exc.status,
        detail=exc.detail,
        fix=refusal.fix,
        field=field_of(refusal, invoice, lines, config),
        customer_missing=refusal.customer_missing,
    )


def tool_message(exc: ConnectorError) -> StoredText | str:
    """Octopus's own words (never translated), with its error code."""
    words = quoted(str(exc.message).removeprefix(REFUSED))
    code = getattr(exc, "code", "")
    return later("%(words)s (Octopus error %(code)s)", words=words, code=code) if code else words
