"""What an Exact Online refusal (the text of its error body) means for the user: the catalogue of
the refusals Exact is documented to give, and the function that words a refusal of one record.

Two tables, because the same words mean different things for a relation and for an entry
("Gegeven bestaat reeds." to a customer is its code, to a sales entry its entry number).
Each entry: the patterns (case-insensitive parts of Exact's text, English and Dutch), what it
means in plain words, the fix, where it is fixed (a typed place: a setting of the integration,
the customer, the invoice, Exact Online itself) and the source of the entry. Sources:
  [F1.7]  /work/shared/bookkeeping-apis.md §1.7 (Exact errors)
  [F2.5]  /work/shared/bookkeeping-apis-2.md §5 (error texts)
  [picqer#N]  github.com/picqer/exact-php-client/issues/N
  [simplicate]  support.simplicate.nl/en/articles/6717960 (and /nl/ for the Dutch texts)
  [coachview]  support.coachview.net/en/support/solutions/articles/103000037956 (and the Dutch
               article 11000028736)
  [teamleader]  support.teamleader.eu/en/support/solutions/articles/7000058477
  [informat]  helpdesk.informat.be/hc/nl/sections/360000640040
  [onfact]  documentatie.onfact.be/v/onfact.nl/koppelingen/koppeling-met-de-boekhouder/exactonline/foutcodes
  [bex]  help.bookingexperts.com/nl/help/articles/8802106-foutmeldingen-exact-online
  [humanwave]  help.humanwave.nl/support/solutions/articles/4000069730-foutmeldingen-exact
  [I]  inferred: the wording of the other language or of a neighbour, not seen verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from bookkeeping.connectors.errors import COST_CENTRE, later, noop, quoted
from bookkeeping.vat_codes import line_key

if TYPE_CHECKING:
    from config.texts import StoredText
    from invoicing.models import Invoice

# Placeholders of `field` resolved for the invoice: its journal, the VAT row of its first rate.
JOURNAL, VAT = "journal", "vat"


@dataclass(frozen=True)
class Refusal:
    """One documented refusal: Exact's words (any of `patterns`), what they mean, the fix and
    where it is made (`place`, and the setting's `field` when the place is the settings)."""

    patterns: tuple[str, ...]
    meaning: str
    fix: str
    place: Fix
    source: str
    field: str = ""
    closed_period: bool = False
    # The customer is gone from the tool: the sync forgets its link, so a retry creates it again.
    customer_missing: bool = False

    def matches(self, text: str) -> bool:
        text = text.lower()
        return any(pattern.lower() in text for pattern in self.patterns)


# Refusals of a customer (POST crm/Accounts). Fixed on the customer in Booksync unless named.
CUSTOMER_REFUSALS: tuple[Refusal, ...] = (
    Refusal(
        ("Invalid: VAT number", "Invalid VAT number", "Ongeldig: Btw-nummer"),
        noop("Exact Online does not accept the customer's VAT number as written."),
        noop(
            "Correct the customer's VAT number in Booksync: country prefix and digits without "
            "spaces or dots (e.g. NL123456789B01, BE0123456789), then retry the invoice."
        ),
        Fix.CUSTOMER,
        "[teamleader] 'Invalid VAT number' with the formats per country; Exact's own "
        "'Invalid: VAT number' and Dutch text [I]",
    ),
    Refusal(
        ("Invalid: Email", "Invalid: E-mail", "Ongeldig: E-mail"),
        noop("Exact Online does not accept the customer's e-mail address."),
        noop(
            "Correct the customer's e-mail address in Booksync (one address, name@domain.tld), "
            "then retry the invoice."
        ),
        Fix.CUSTOMER,
        "[simplicate] \"Couldn't create Exact Online customer: 'Invalid: Email []' [500]\"; "
        "Dutch [I]",
    ),
    Refusal(
        ("Invalid: Customer condition", "Ongeldig: Klantconditie"),
        noop(
            "Exact Online does not accept the customer's code (letters in a division that numbers "
            "its relations)."
        ),
        noop("Give the customer a code of digits only in Booksync, then retry the invoice."),
        Fix.CUSTOMER,
        "[coachview] 'Invalid: Customer condition' (a debtor number with a letter prefix); "
        "Dutch [I]",
    ),
    Refusal(
        ("Mandatory: Name", "Verplicht: Naam"),
        noop("Exact Online needs a name for every relation, and the customer has none."),
        noop("Fill in the customer's name in Booksync, then retry the invoice."),
        Fix.CUSTOMER,
        "[I] by the 'Mandatory: <field>' form of [F1.7] and 'Verplicht: ...' of [picqer#10]",
    ),
    Refusal(
        ("Gegeven bestaat reeds", "Already exists", "Bestaat reeds"),
        noop(
            "Exact Online already has a relation with the customer's code, and Booksync cannot "
            "see it (blocked, or not visible to the connected user)."
        ),
        noop(
            "In Exact Online, unblock the relation with this customer's code and make it visible "
            "to the connected user, or give the customer an unused code in Booksync; then retry "
            "the invoice."
        ),
        Fix.CUSTOMER,
        "[F2.5] 'Error 500: Gegeven bestaat reeds.' ([picqer#416], [picqer#432], crm/Accounts)",
    ),
)

# Refusals of a sales entry (POST salesentry/SalesEntries). Order matters: the first match wins.
ENTRY_REFUSALS: tuple[Refusal, ...] = (
    Refusal(
        ("Mandatory: Journal", "Verplicht: Dagboek"),
        noop("The entry has no sales journal Exact Online knows of."),
        noop("Choose the sales journal in Integration settings, then retry the invoice."),
        Fix.SETTINGS,
        "[F1.7] 'Mandatory: Journal'; [coachview] EN 'Mandatory: journal', NL 'Verplicht: Dagboek'",
        field=JOURNAL,
    ),
    Refusal(
        ("Invalid: Journal", "Ongeldig: Dagboek"),
        noop("The chosen journal is not a sales journal in Exact Online."),
        noop("Choose a journal of type Sales in Integration settings."),
        Fix.SETTINGS,
        "[F1.7] and [simplicate] 'Invalid: Journal (type).'; Dutch [I]",
        field=JOURNAL,
    ),
    Refusal(
        ("Not found: Journal", "Niet gevonden: Dagboek"),
        noop("The chosen journal no longer exists in the Exact Online division."),
        noop("Choose an existing sales journal in Integration settings, then retry the invoice."),
        Fix.SETTINGS,
        "[I] by the 'Not found: <field>' form of [F1.7]",
        field=JOURNAL,
    ),
    Refusal(
        ("Period is closed", "Periode is afgesloten"),
        noop("The invoice date falls in a period that is closed in Exact Online."),
        noop(
            "Reopen the period in Exact Online (or ask your accountant to), or correct the "
            "invoice date with a credit note and a new invoice; then retry the invoice."
        ),
        Fix.TOOL,
        "[F1.7] 'Period is closed' / 'Periode is afgesloten'; [informat] 'Periode is "
        "afgesloten: [Jaar] - [Maand]'",
        closed_period=True,
    ),
    Refusal(
        (
            "Unknown: Financial year",
            "Unknown: Fiscal year",
            "Onbekend: Boekjaar",
        ),
        noop("The financial year of the invoice date is not created in Exact Online."),
        noop(
            "Create the financial year (and its periods) of the invoice date in Exact Online, "
            "then retry the invoice."
        ),
        Fix.TOOL,
        "[F1.7] and [simplicate] 'Unknown: Fiscal year (Period - date table).'; Dutch [I]",
    ),
    Refusal(
        ("The financial year cannot be changed", "Het boekjaar kan niet worden gewijzigd"),
        noop(
            "Exact Online refuses the financial year of the invoice date: its year or period is "
            "closed, missing, or does not match the date."
        ),
        noop(
            "In Exact Online, check that the financial year and period of the invoice date exist "
            "and are open, then retry the invoice."
        ),
        Fix.TOOL,
        "[F2.5] and [picqer#515] 'Error 500: The financial year cannot be changed.'; Dutch [I]",
    ),
    Refusal(
        ("Invalid: Customer", "Ongeldig: Klant"),
        noop(
            "The relation in Exact Online with the customer's code is not a customer (a prospect, "
            "a supplier, or blocked)."
        ),
        noop(
            "In Exact Online, set the relation with this customer's code to status Customer "
            "(Klant), then retry the invoice."
        ),
        Fix.TOOL,
        "[F1.7] and [coachview] EN 'Invalid: Customer (Type).', NL 'Ongeldig: Klant (Type)'; "
        "[informat]",
    ),
    Refusal(
        ("Not found: Customer", "Niet gevonden: Klant"),
        noop(
            "The relation Booksync booked this customer to is gone from Exact Online (deleted or "
            "merged)."
        ),
        noop(
            "Retry the invoice: Booksync creates the customer in Exact Online again first (if the "
            "relation was merged into another one on purpose, give the customer that code here)."
        ),
        Fix.NOTHING,
        "[simplicate] 'The relation may no longer exist.'; [informat] 'Klant werd niet "
        "gevonden in Exact'; Exact's own text [I]",
        customer_missing=True,
    ),
    Refusal(
        (
            "Not found: Account",
            "Mandatory: Account",
            "Not found: G/L",
            "Niet gevonden: Grootboekrekening",
            "Verplicht: Grootboekrekening",
            "Account is mandatory",
        ),
        noop("A line's revenue account does not exist in the Exact Online division."),
        noop(
            "Use a revenue account that exists in Exact Online on the invoice lines or as the "
            "default in Integration settings, then retry the invoice."
        ),
        Fix.SETTINGS,
        "[F1.7] 'Mandatory: Account', 'Not found: Account (<name>) - G/L Account: Sales'; "
        "[humanwave] 'Account is mandatory'; [teamleader] 'account number X could not be "
        "found'; Dutch [I]",
        field=REVENUE_ACCOUNT,
    ),
    Refusal(
        ("is of a wrong type", "heeft een verkeerd type"),
        noop(
            "A line's revenue account is not a general (profit and loss) account in Exact Online."
        ),
        noop(
            "Choose a revenue account of type General in Integration settings (or on the lines), "
            "then retry the invoice."
        ),
        Fix.SETTINGS,
        "[bex] \"Ledger account 'XXXX' is of a wrong type\"; Dutch [I]",
        field=REVENUE_ACCOUNT,
    ),
    Refusal(
        ("Input 17", "Invoer 17"),
        noop(
            "The VAT code's type is Included in Exact Online while Booksync sends amounts "
            "excluding VAT, so the VAT amounts do not add up."
        ),
        noop(
            "Map this VAT rate to a VAT code of type Excluded in Integration settings (or set the "
            "code's type to Excluded in Exact Online), then retry the invoice."
        ),
        Fix.SETTINGS,
        "[F1.7] and [coachview] EN 'Input 17: The amount of the VAT line with VAT code 4 does "
        "not correspond ...', NL 'Invoer 17: Het bedrag van de BTW regel ...'",
        field=VAT,
    ),
    Refusal(
        ("Type (Rekening af te dragen btw)", "Type (Rekening te vorderen btw)", "Type (VAT to pay"),
        noop("The VAT code's VAT account in Exact Online is not an account of type VAT."),
        noop(
            "In Exact Online, give the VAT code a VAT-to-pay account of type VAT (Master data > "
            "VAT codes), then retry the invoice."
        ),
        Fix.TOOL,
        "[bex] 'Ongeldig: Type (Rekening af te dragen btw)'; English [I]",
    ),
    Refusal(
        (
            "Invalid: VAT",
            "Ongeldig: Btw",
            "Not found: VAT",
            "Niet gevonden: Btw",
            "Missing: VAT code",
            "Ontbrekend: Btw",
            "Niet toegestaan: Btw",
            "Not allowed: VAT",
            "Ongeldige ref. btw",
        ),
        noop(
            "The VAT code mapped for this rate is unknown in Exact Online or does not fit the "
            "rate of the line."
        ),
        noop(
            "Map this VAT rate to an existing sales VAT code with the same percentage in "
            "Integration settings, then retry the invoice."
        ),
        Fix.SETTINGS,
        "[simplicate] EN 'Invalid: VAT percentage []' [500], NL 'Ongeldig: Btw-percentage []'; "
        "[bex] 'Ontbrekend: Btw code', 'Niet toegestaan: Btw-code'; [onfact] 'Ongeldige ref. "
        "btw code'; English of [bex] [I]",
        field=VAT,
    ),
    Refusal(
        ("niet in evenwicht", "not in balance", "does not balance", "out of balance"),
        noop(
            "Exact Online computes a different VAT total for the entry (often one cent): the VAT "
            "code mapped for this rate has another percentage or VAT account."
        ),
        noop(
            "Map this VAT rate to a VAT code with exactly the same percentage in Integration "
            "settings (check its VAT account in Exact Online), then retry the invoice."
        ),
        Fix.SETTINGS,
        "[F1.7] 'De boeking is niet in evenwicht op: ... Verschil: EUR -0,01'; [humanwave] "
        "'BTW verschil (boeking niet in evenwicht)'; English [I]",
        field=VAT,
    ),
    Refusal(
        ("Cost center", "Cost centre", "Kostenplaats"),
        noop("A cost centre of the invoice is unknown in Exact Online."),
        noop(
            "Use a cost centre that exists in Exact Online on the lines or as the default in "
            "Integration settings, then retry the invoice."
        ),
        Fix.SETTINGS,
        "[picqer#325] 'Invalid reference: Cost unit' (the same form for cost centres) [I]",
        field=COST_CENTRE,
    ),
    Refusal(
        ("Mandatory: Payment condition", "Verplicht: Betalingsconditie"),
        noop(
            "Exact Online needs a payment condition and the division has no default one for sales."
        ),
        noop(
            "In Exact Online, set a default sales payment condition (Settings > Financial), then "
            "retry the invoice."
        ),
        Fix.TOOL,
        "[F1.7]; [coachview] EN 'Mandatory: Payment condition', NL 'Verplicht: Betalingsconditie'",
    ),
    Refusal(
        (
            "Gegeven bestaat reeds",
            "Already exists",
            "Bestaat reeds",
            "already used as document number",
            "Boekstuknummer in gebruik",
        ),
        noop(
            "The entry number Exact Online gives this entry is already taken in the sales journal."
        ),
        noop(
            "In Exact Online, set the sales journal's next entry number past the numbers in use "
            "(Master data > Journals), then retry the invoice."
        ),
        Fix.TOOL,
        "[F2.5] 'Error 500: Gegeven bestaat reeds.'; [F1.7] 'Already exists - Entry number: "
        "<nr>, Journal: 700'; [simplicate] 'Invoice number is already used as document number'; "
        "[onfact] 'Boekstuknummer in gebruik'",
    ),
)

DEFAULT_HINT = noop(
    "Booksync does not know this answer of Exact Online yet: send support its exact words "
    "above, the invoice number and the time of this sync."
)


def find_refusal(text: str, table: tuple[Refusal, ...]) -> Refusal | None:
    """The first documented refusal of the table in Exact's text, or None."""
    return next((refusal for refusal in table if refusal.matches(text)), None)


def _field(refusal: Refusal, invoice: Invoice | None) -> str:
    """The setting of the refusal, the placeholders resolved for the invoice."""
    if refusal.field == JOURNAL:
        credit = invoice is not None and invoice.kind == "credit_note"
        return CREDIT_NOTE_JOURNAL if credit else SALES_JOURNAL
    if refusal.field == VAT:
        line = invoice.lines.first() if invoice is not None else None
        return vat_mapping_field(line_key(line)) if line else ""
    return refusal.field


def rejection(
    what: StoredText, exc: InvoiceRejected, invoice: Invoice | None = None
) -> InvoiceRejected:
    """Exact's refusal of one record (a customer without `invoice`, else a sales entry), with
    the record named, its meaning, the fix and where it is made; unknown texts get the
    default hint and are fixed on the record."""
    text = exc.code or str(exc.message)
    refusal = find_refusal(text, ENTRY_REFUSALS if invoice is not None else CUSTOMER_REFUSALS)
    if refusal is None:
        return InvoiceRejected(
            later("Exact Online refused %(what)s: %(said)s", what=what, said=quoted(text)),
            code=text,
            hint=later(DEFAULT_HINT),
            status=exc.status,
            detail=exc.detail,
            fix=Fix.INVOICE if invoice is not None else Fix.CUSTOMER,
        )
    error_class = ClosedPeriod if refusal.closed_period else InvoiceRejected
    return error_class(
        later(
            "Exact Online refused %(what)s: %(said)s — %(meaning)s",
            what=what,
            said=quoted(text),
            meaning=later(refusal.meaning),
        ),
        code=text,
        hint=later(refusal.fix),
        status=exc.status,
        detail=exc.detail,
        fix=refusal.place,
        field=_field(refusal, invoice),
        customer_missing=refusal.customer_missing,
    )
