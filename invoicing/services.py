"""The rules of customers and invoices: codes, drafts, totals, booking and numbering.

Views and the admin call these functions; they hold every rule about what may change when.
Numbers are handed out from a per-company, per-kind, per-year `NumberSequence` row that is locked
(`SELECT ... FOR UPDATE`) while an invoice is booked, so two people booking at the same moment get
consecutive numbers: no gaps, no duplicates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from config.formats import format_money
from invoicing.models import (
    Company,
    Customer,
    Invoice,
    InvoiceLine,
    NumberSequence,
)
from invoicing.money import compute_totals

# Where they were first written; callers and tests still find them here.
from invoicing.overview import OVERVIEW_COLUMNS, overview_columns, save_overview_columns  # noqa: F401
from invoicing.vat import default_treatment

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DEFAULT_PAYMENT_TERMS_DAYS = 30
# Number formats per kind: credit notes have their own sequence and a prefix that says so.
NUMBER_FORMATS = {
    Invoice.Kind.INVOICE: "{year}-{n:04d}",
    Invoice.Kind.CREDIT_NOTE: "CN-{year}-{n:04d}",
}
# What a booked invoice keeps for ever: its identity in the books and in the tool.
LOCKED_WHEN_BOOKED = ("customer", "kind", "credited_invoice", "currency")

# User-facing messages, shared with the tests (in English; translated where they are raised).
REFUSED_ALREADY_BOOKED = gettext_noop("Invoice {number} is already booked.")
REFUSED_NO_CUSTOMER = gettext_noop(
    "Choose a customer before booking: an invoice needs someone to pay it."
)
REFUSED_NO_LINES = gettext_noop("Add at least one line before booking: this invoice has no lines.")
REFUSED_ZERO_TOTAL = gettext_noop(
    "The total is 0.00: an invoice with a zero total cannot be booked."
)
REFUSED_NEGATIVE_TOTAL = gettext_noop(
    "The total is {total}: an invoice's total must be positive. To pay an amount back, make a "
    "credit note (with positive lines) that credits the invoice."
)
REFUSED_NEGATIVE_CREDIT_NOTE = gettext_noop(
    "The total is {total}: enter a credit note's lines as positive amounts; the credit note "
    "itself takes them off the invoice it credits."
)
CREDIT_NO_INVOICE = gettext_noop("Enter the number of the booked invoice this credit note credits.")
CREDIT_NOT_THIS_COMPANY = gettext_noop("There is no booked invoice {number} in this company.")
CREDIT_OF_CREDIT_NOTE = gettext_noop("{number} is a credit note: a credit note credits an invoice.")
CREDIT_OF_DRAFT = gettext_noop(
    "{number} is not booked yet: a credit note credits a booked invoice."
)
CREDIT_OTHER_CUSTOMER = gettext_noop(
    "Invoice {number} is for another customer: a credit note credits an invoice of its own "
    "customer."
)
CREDIT_NOTHING_LEFT = gettext_noop(
    "Invoice {number} is credited in full already: nothing is left to credit."
)
CREDIT_TOO_MUCH = gettext_noop(
    "The credit note's total {total} is more than the {left} left to credit on invoice {number} "
    "(its total minus the credit notes booked on it)."
)
LOCKED_FIELD = gettext_noop("Invoice {number} is booked: its {field} can no longer change.")
LOCKED_YEAR = gettext_noop("Invoice {number} is booked in {year}: its date must stay in {year}.")
LOCKED_DELETE = gettext_noop("Invoice {number} is booked: only drafts can be deleted.")
BOOKED_NEEDS_LINES = gettext_noop(
    "A booked invoice keeps at least one line and a total above 0.00."
)
CODE_NOT_ASSIGNED = gettext_noop("Could not assign a customer code; please try again.")
BOOKED_LOCKED = gettext_noop("Booked invoices are locked: correct this one with a credit note.")


class InvoiceError(Exception):
    """A rule of invoicing refused the change; the message is written for the user."""


class BookingRefused(InvoiceError):
    """The invoice cannot be booked (yet); the message says why."""


class InvoiceLocked(InvoiceError):
    """The change touches something a booked invoice may no longer change."""


@dataclass(frozen=True)
class LineData:
    """One invoice line as entered; no treatment: the one of its rate and customer (vat.py)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    revenue_account: str = ""
    cost_centre: str = ""
    vat_treatment: str = ""


@dataclass(frozen=True)
class InvoiceData:
    """The header of an invoice as entered; an empty due date follows the payment terms."""

    customer: Customer | None
    invoice_date: dt.date
    due_date: dt.date | None = None
    kind: str = Invoice.Kind.INVOICE
    credited_invoice: Invoice | None = None
    currency: str = ""
    notes: str = ""


# Customers ----------------------------------------------------------------------------------


def next_customer_code(company: Company) -> str:
    """The next free numeric customer code of the company: one more than the highest in use."""
    codes = Customer.objects.filter(company=company).values_list("code", flat=True)
    highest = max((int(code) for code in codes if code.isdigit()), default=0)
    return str(highest + 1)


def create_customer(company: Company, *, customer: Customer) -> Customer:
    """Save a new (unsaved) customer of `company`, assigning the next free code when empty.

    Two customers created at the same moment may compute the same code: the unique constraint
    refuses the second, which then takes the following number.
    """
    customer.company = company
    if customer.code:
        customer.full_clean()
        customer.save()
        return customer
    for _attempt in range(5):
        customer.code = next_customer_code(company)
        customer.full_clean()
        try:
            with transaction.atomic():
                customer.save()
        except IntegrityError:
            customer.pk = None
            continue
        return customer
    raise InvoiceError(gettext(CODE_NOT_ASSIGNED))


def update_customer(customer: Customer) -> Customer:
    """Save changes to an existing customer; an emptied code gets the next free number."""
    if not customer.code:
        customer.code = next_customer_code(customer.company)
    customer.full_clean()
    customer.save()
    return customer


# Invoices -----------------------------------------------------------------------------------


def today() -> dt.date:
    """Today in the product's time zone: the default invoice date."""
    return timezone.localdate()


def vat_breakdown(lines: Sequence[InvoiceLine]) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(VAT rate, base, VAT) per rate of `lines`, as printed under the invoice."""
    totals = compute_totals((line.quantity, line.unit_price, line.vat_rate) for line in lines)
    return [(rate, base, vat) for rate, (base, vat) in totals.per_rate.items()]


def default_due_date(customer: Customer | None, invoice_date: dt.date) -> dt.date:
    days = customer.payment_terms_days if customer else DEFAULT_PAYMENT_TERMS_DAYS
    return invoice_date + dt.timedelta(days=days)


def _apply_header(invoice: Invoice, data: InvoiceData) -> None:
    invoice.customer = data.customer
    invoice.kind = data.kind
    invoice.credited_invoice = (
        data.credited_invoice if data.kind == Invoice.Kind.CREDIT_NOTE else None
    )
    invoice.invoice_date = data.invoice_date
    invoice.due_date = data.due_date or default_due_date(data.customer, data.invoice_date)
    invoice.currency = data.currency or invoice.company.currency
    invoice.notes = data.notes


def _replace_lines(invoice: Invoice, lines: Sequence[LineData]) -> None:
    """Replace the lines and recompute the stored totals."""
    rows = [
        InvoiceLine(invoice=invoice, position=position, **_with_treatment(invoice, line))
        for position, line in enumerate(lines)
    ]
    for row in rows:
        row.full_clean(exclude=["invoice"])
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(rows)
    _store_totals(invoice, lines)


def _with_treatment(invoice: Invoice, line: LineData) -> dict[str, Any]:
    country, customer = invoice.company.country, invoice.customer
    chosen = line.vat_treatment or default_treatment(line.vat_rate, country, customer)
    return {**line.__dict__, "vat_treatment": chosen}


def _store_totals(invoice: Invoice, lines: Sequence[LineData]) -> None:
    totals = compute_totals((line.quantity, line.unit_price, line.vat_rate) for line in lines)
    invoice.subtotal, invoice.vat_total, invoice.total = (
        totals.subtotal,
        totals.vat_total,
        totals.total,
    )


def recompute_totals(invoice: Invoice) -> Invoice:
    """Recompute and save the stored totals from the saved lines (after an admin edit)."""
    lines = [
        LineData(line.description, line.quantity, line.unit_price, line.vat_rate)
        for line in invoice.lines.all()
    ]
    _store_totals(invoice, lines)
    invoice.save(update_fields=["subtotal", "vat_total", "total", "updated_at"])
    return invoice


@transaction.atomic
def create_invoice(company: Company, *, data: InvoiceData, lines: Sequence[LineData]) -> Invoice:
    """Create a draft invoice of `company` with its lines and stored totals."""
    invoice = Invoice(company=company, status=Invoice.Status.DRAFT)
    _apply_header(invoice, data)
    invoice.full_clean()
    invoice.save()
    _replace_lines(invoice, lines)
    _check_credit(invoice)
    invoice.save(update_fields=["subtotal", "vat_total", "total"])
    return invoice


def _check_locked_changes(invoice: Invoice, data: InvoiceData) -> None:
    for field in LOCKED_WHEN_BOOKED:
        wanted = getattr(data, field)
        if field == "currency" and not wanted:
            continue
        if getattr(invoice, field) != wanted:
            label = Invoice._meta.get_field(field).verbose_name
            raise InvoiceLocked(gettext(LOCKED_FIELD).format(number=invoice.number, field=label))
    if data.invoice_date.year != invoice.invoice_date.year:
        raise InvoiceLocked(
            gettext(LOCKED_YEAR).format(number=invoice.number, year=invoice.invoice_date.year)
        )


@transaction.atomic
def update_invoice(invoice: Invoice, *, data: InvoiceData, lines: Sequence[LineData]) -> Invoice:
    """Change an invoice's header and lines.

    A draft may change everything. A booked invoice may change its content (lines, dates in the
    same year, notes) but never its number, kind, customer or currency (raises `InvoiceLocked`),
    keeps at least one line and a non-zero total, and, once synced, becomes "changed since sync"
    so that the sync knows the tool has an older version.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.is_booked:
        if edits_locked(invoice):
            raise InvoiceLocked(gettext(BOOKED_LOCKED))
        _check_locked_changes(invoice, data)
        if not lines or compute_totals(
            (line.quantity, line.unit_price, line.vat_rate) for line in lines
        ).total <= Decimal("0"):
            raise InvoiceLocked(gettext(BOOKED_NEEDS_LINES))
        if invoice.sync_state == Invoice.SyncState.SYNCED:
            invoice.sync_state = Invoice.SyncState.CHANGED
    _apply_header(invoice, data)
    invoice.full_clean()
    _replace_lines(invoice, lines)
    _check_credit(invoice)
    invoice.save()
    return invoice


def edits_locked(invoice: Invoice) -> bool:
    """True when the invoice is booked and its company locks booked invoices (corrections
    only through a credit note)."""
    return invoice.is_booked and invoice.company.lock_booked_invoices


def delete_draft(invoice: Invoice) -> None:
    """Delete a draft invoice and its lines; a booked invoice is never deleted."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.is_booked:
            raise InvoiceLocked(gettext(LOCKED_DELETE).format(number=invoice.number))
        invoice.delete()


# Booking ------------------------------------------------------------------------------------


def booking_problem(invoice: Invoice) -> str | None:
    """Why `invoice` cannot be booked, or None when it can.

    Amounts are stored positive for both kinds (the connectors turn a credit note's negative in
    the tool), so a total must be above zero whatever the kind.
    """
    if invoice.is_booked:
        return gettext(REFUSED_ALREADY_BOOKED).format(number=invoice.number)
    if invoice.customer_id is None:
        return gettext(REFUSED_NO_CUSTOMER)
    if not invoice.lines.exists():
        return gettext(REFUSED_NO_LINES)
    if invoice.total == Decimal("0"):
        return gettext(REFUSED_ZERO_TOTAL)
    credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    if invoice.total < 0:
        negative = (
            gettext(REFUSED_NEGATIVE_CREDIT_NOTE)
            if credit_note
            else gettext(REFUSED_NEGATIVE_TOTAL)
        )
        return negative.format(total=format_money(invoice.total, invoice.currency))
    if credit_note:
        return credit_problem(invoice.credited_invoice, credit_note=invoice, total=invoice.total)
    return None


def credit_left(credited: Invoice, *, excluding: int | None = None) -> Decimal:
    """What is left to credit on `credited`: its total minus its booked credit notes but one."""
    notes = Invoice.objects.filter(
        credited_invoice=credited, kind=Invoice.Kind.CREDIT_NOTE, status=Invoice.Status.BOOKED
    ).exclude(pk=excluding)
    return credited.total - (notes.aggregate(sum=Sum("total"))["sum"] or Decimal("0"))


def credit_problem(
    credited: Invoice | None, *, credit_note: Invoice, total: Decimal | None = None
) -> str | None:
    """Why `credit_note` (saved or not) cannot credit `credited` for `total`, or None.

    A credit note credits a booked invoice of its own company and customer, for at most what is
    left to credit on it. `total` None checks everything but the amount (the form's header).
    """
    if credited is None:
        return gettext(CREDIT_NO_INVOICE)
    number = credited.display_number
    if credited.company_id != credit_note.company_id:
        return gettext(CREDIT_NOT_THIS_COMPANY).format(number=number)
    if credited.kind != Invoice.Kind.INVOICE:
        return gettext(CREDIT_OF_CREDIT_NOTE).format(number=number)
    if not credited.is_booked:
        return gettext(CREDIT_OF_DRAFT).format(number=number)
    if credited.customer_id != credit_note.customer_id:
        return gettext(CREDIT_OTHER_CUSTOMER).format(number=number)
    left = credit_left(credited, excluding=credit_note.pk)
    if left <= 0:
        return gettext(CREDIT_NOTHING_LEFT).format(number=number)
    if total is not None and total > left:
        money = credited.currency
        return gettext(CREDIT_TOO_MUCH).format(
            total=format_money(total, money), left=format_money(left, money), number=number
        )
    return None


def _check_credit(invoice: Invoice) -> None:
    """Refuse saving a credit note that cannot credit the invoice it names (none named: later)."""
    if invoice.kind != Invoice.Kind.CREDIT_NOTE or invoice.credited_invoice_id is None:
        return
    problem = credit_problem(invoice.credited_invoice, credit_note=invoice, total=invoice.total)
    if problem:
        raise InvoiceError(problem)


def _next_number(company_id: int, kind: str, year: int) -> str:
    """Take the next number of the sequence; the caller holds the transaction.

    The row is locked with SELECT ... FOR UPDATE. When it does not exist yet, two bookers may both
    try to create it: the unique constraint makes the loser wait for the winner's commit, fail,
    and then read and lock the winner's row (what `get_or_create` does on IntegrityError).
    """
    sequence, _created = NumberSequence.objects.select_for_update().get_or_create(
        company_id=company_id, kind=kind, year=year
    )
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return NUMBER_FORMATS[kind].format(year=year, n=sequence.last_number)


def book_invoice(invoice: Invoice, *, user: AbstractBaseUser | None) -> Invoice:
    """Book a draft: give it the next number of its company's yearly sequence for its kind.

    Raises `BookingRefused` (with a message for the user) for an invoice that is already booked,
    has no customer, no lines or a total that is not positive, or for a credit note that does not
    credit a booked invoice of its customer within what is left to credit on it. The invoice row and the sequence row are locked
    inside one transaction, so a number is used exactly once and none is skipped: a refused or
    failed booking rolls the sequence back with it.
    """
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.credited_invoice_id is not None:
            # Two credit notes of one invoice booked at once must see each other's amount.
            Invoice.objects.select_for_update().filter(pk=locked.credited_invoice_id).first()
        problem = booking_problem(locked)
        if problem:
            raise BookingRefused(problem)
        locked.number = _next_number(locked.company_id, locked.kind, locked.invoice_date.year)
        locked.status = Invoice.Status.BOOKED
        locked.booked_at = timezone.now()
        locked.booked_by = user if user is not None and user.is_authenticated else None
        locked.save(update_fields=["number", "status", "booked_at", "booked_by", "updated_at"])
    return locked
