"""Proof that a booking the tool holds is this invoice, before Booksync links the two.

A tool's "that reference already exists", or a booking found by our number, is never proof on
its own: another document may carry the number (a credit note whose digits equal an invoice's,
an entry keyed by hand, another application writing to the same books). Booksync links an invoice
to a booking only when the tool shows the same reference, the same customer and the same total.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from bookkeeping.connectors.base import InvoiceRejected, RemoteRef
from bookkeeping.texts import joined, later, money, noop, quoted

if TYPE_CHECKING:
    from invoicing.models import Invoice

CONFLICT_CODE = "number_taken"
CONFLICT = noop(
    "Invoice %(number)s was not booked: %(label)s already holds booking %(document)s under its "
    "reference %(reference)s, and that booking is not this invoice: %(differences)s."
)
UNSEEN = noop(
    "Invoice %(number)s was not booked: %(label)s answers that it already holds the reference "
    "%(reference)s, but shows no booking with it that Booksync can compare with this invoice."
)
CONFLICT_HINT = noop(
    "Open that booking in %(label)s. If it is another document, give it another reference "
    "there; if it is this invoice keyed by hand, make its customer and total agree with "
    "Booksync. Then retry this invoice from the sync history: Booksync never books one number "
    "twice."
)
# VAT rounded per line (some tools) or per rate (Booksync) differs by at most a cent a line.
CENT = Decimal("0.01")


def expected_total(invoice: Invoice) -> Decimal:
    """The total as the tools store it: credit notes negative."""
    total = Decimal(invoice.total)
    return -total if invoice.kind == "credit_note" else total


def differences(invoice: Invoice, ref: RemoteRef, customer_ref: RemoteRef | None) -> list:
    """What differs between the tool's booking and the invoice, in words (stored texts);
    empty when proven."""
    facts = ref.facts
    if facts is None:
        return [later("the tool shows neither its customer nor its total")]
    found = []
    customer = invoice.customer
    same_customer = customer_ref is not None and bool(
        (facts.customer_id and facts.customer_id.lower() == customer_ref.remote_id.lower())
        or (facts.customer_code and facts.customer_code.strip() == customer.code.strip())
    )
    if not same_customer:
        shown = quoted(facts.customer_code or facts.customer_id) or later("none")
        found.append(
            later(
                "its customer is %(shown)s, not %(name)s (%(code)s)",
                shown=shown,
                name=quoted(customer.name),
                code=quoted(customer.code),
            )
        )
    expected = expected_total(invoice)
    tolerance = CENT * max(1, len(invoice.lines.all()))
    if facts.total is None or abs(facts.total - expected) > tolerance:
        currency = invoice.currency
        shown = later("not shown") if facts.total is None else money(facts.total, currency)
        found.append(
            later(
                "its total is %(shown)s, not %(expected)s",
                shown=shown,
                expected=money(expected, currency),
            )
        )
    return found


def conflict(
    invoice: Invoice,
    ref: RemoteRef | None,
    found: list,
    *,
    label: str,
    reference: str,
) -> InvoiceRejected:
    """The refusal of an invoice whose number the tool holds for a booking not proven to be it."""
    hint = later(CONFLICT_HINT, label=label)
    if ref is None:
        message = later(UNSEEN, number=invoice.number, label=label, reference=reference)
    else:
        message = later(
            CONFLICT,
            number=invoice.number,
            label=label,
            document=ref.number or ref.remote_id,
            reference=(ref.facts.reference if ref.facts else "") or reference,
            differences=joined(*found, sep="; "),
        )
    return InvoiceRejected(message, code=CONFLICT_CODE, hint=hint)
