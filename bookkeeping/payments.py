"""Paid or not: the payment status of synced invoices, read from the tool's books.

The tool knows which invoices are paid (reconciled with a bank line there); Booksync asks it for
the open items of its synced invoices in as few calls as the API allows and writes
`Invoice.payment_status`, `open_amount` and `paid_at`, as it writes `booking_number`. An invoice
with no open item is paid; one whose open amount is below its total is partly paid. A credit note
that fully credits an invoice makes it paid only once the tool has matched them (its open item is
then gone), never before. Tools that do not report payments leave the status "unknown".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import DatabaseError
from django.db.models import F
from django.db.models.functions import Abs
from django.utils import timezone

from bookkeeping.connectors.base import CallsForbidden, Connector, ConnectorError
from bookkeeping.models import ExternalRecord, Integration
from bookkeeping.texts import noop
from invoicing.models import Invoice

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from bookkeeping.connectors.base import Payments

logger = logging.getLogger(__name__)

Status = Invoice.PaymentStatus
NOT_REPORTED = noop(
    "%(label)s does not report payments to Booksync: the payment status stays unknown."
)
NOT_REPORTED_SHORT = noop("%(label)s does not report payments to Booksync")
FIELDS = ["payment_status", "open_amount", "paid_at", "payment_read_at"]
# Invoice.open_amount holds 12 digits before the decimal point.
LARGEST_AMOUNT = Decimal("1000000000000")


@dataclass(frozen=True)
class PaymentRefresh:
    """What one refresh did: invoices read, how many are paid, and the calls it cost."""

    supported: bool
    invoices: int = 0
    paid: int = 0
    calls: int = 0


SLICE = 2_000  # invoices a worker holds at once


def refresh_payments(integration: Integration, connector: Connector) -> PaymentRefresh:
    """Reads the payment status of every synced invoice of the integration and saves it, a slice
    of invoices at a time, so that a worker's memory stays flat however many invoices a company
    has synced: each slice is one `read_payments` (Exact Online: 50 calls of 40), or, for a tool
    that lists every open item in one reply (`payment_references_per_read` None), one read of
    every open item first (`read_payments(None)`: their sums, held compactly)."""
    synced = Invoice.objects.filter(
        pk__in=ExternalRecord.objects.filter(
            integration=integration,
            kind=ExternalRecord.Kind.INVOICE,
            state=ExternalRecord.State.SYNCED,
        ).values("invoice_id")
    )
    size = connector.payment_references_per_read or SLICE
    at_once = None
    try:
        if connector.payment_references_per_read is None:
            if not synced.exists():
                return PaymentRefresh(supported=True)
            at_once = connector.read_payments(None)
        total = paid = calls = 0
        for invoices in _slices(synced, size):
            by_reference = {connector.reference(invoice): invoice for invoice in invoices}
            payments = (
                at_once if at_once is not None else connector.read_payments(list(by_reference))
            )
            calls += 0 if at_once is not None else payments.calls
            now = timezone.now()
            before = {invoice.pk: _status_of(invoice) for invoice in invoices}
            for reference, invoice in by_reference.items():
                _apply(invoice, reference, payments, now)
            _save(invoices, before, now)
            total += len(invoices)
            paid += sum(invoice.payment_status == Status.PAID for invoice in invoices)
    except NotImplementedError:
        return PaymentRefresh(supported=False)
    calls += at_once.calls if at_once is not None else 0
    return PaymentRefresh(True, invoices=total, paid=paid, calls=calls)


def _slices(invoices: QuerySet[Invoice], size: int) -> Iterator[list[Invoice]]:
    """The invoices in order of id, `size` at a time: each slice one query, none holding the
    others."""
    last = 0
    while True:
        part = list(
            invoices.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "number", "kind", "total", *FIELDS)[:size]
        )
        if not part:
            return
        yield part
        last = part[-1].pk


def _status_of(invoice: Invoice) -> tuple:
    return (invoice.payment_status, invoice.open_amount, invoice.paid_at)


# Invoices that changed alike are saved with one UPDATE when a group has at least this many.
GROUP_AT_LEAST = 20
WHOLE = object()  # in a group's key: the open amount is the invoice's whole total


def _save(invoices: list[Invoice], before: dict[int, tuple], now) -> None:  # noqa: ANN001
    """Saves a slice in a few statements: one UPDATE of the time read for the invoices whose
    status did not change, one per group of invoices that changed alike (say, all open for
    their whole total, as after a first sync), and one `bulk_update` of the others."""
    changed = [invoice for invoice in invoices if _status_of(invoice) != before[invoice.pk]]
    unchanged = [invoice.pk for invoice in invoices if _status_of(invoice) == before[invoice.pk]]
    if unchanged:
        Invoice.objects.filter(pk__in=unchanged).update(payment_read_at=now)
    groups: dict[tuple, list[Invoice]] = {}
    for invoice in changed:
        whole = invoice.open_amount is not None and invoice.open_amount == abs(invoice.total)
        key = (invoice.payment_status, WHOLE if whole else invoice.open_amount, invoice.paid_at)
        groups.setdefault(key, []).append(invoice)
    rest = []
    for (status, amount, paid_at), members in groups.items():
        if len(members) < GROUP_AT_LEAST:
            rest.extend(members)
            continue
        Invoice.objects.filter(pk__in=[invoice.pk for invoice in members]).update(
            payment_status=status,
            open_amount=Abs(F("total")) if amount is WHOLE else amount,
            paid_at=paid_at,
            payment_read_at=now,
        )
    Invoice.objects.bulk_update(rest, FIELDS, batch_size=500)


def refresh_quietly(integration: Integration, connector: Connector) -> PaymentRefresh | None:
    """`refresh_payments` for the end of a sync run: a tool that does not answer now leaves the
    status as it was (the next run reads it again); it never fails the run."""
    try:
        return refresh_payments(integration, connector)
    except ConnectorError as exc:
        logger.warning("Payment status of %s not read: %s", integration, exc)
    except (DatabaseError, CallsForbidden):
        raise  # the run's own trouble: the sync handles it
    except Exception:
        # A reply read wrongly must not undo a run whose bookings are saved: logged for the team.
        logger.exception("Payment status of %s could not be read", integration)
    return None


def _apply(invoice: Invoice, reference: str, payments: Payments, now) -> None:  # noqa: ANN001
    open_amount = None
    if reference not in payments.unreadable and (
        payments.seen is None or reference in payments.seen
    ):
        open_amount = abs(payments.open_amount(reference)).quantize(Decimal("0.01"))
    if open_amount is None or open_amount >= LARGEST_AMOUNT:
        # The tool shows nothing of it, or an open amount that cannot be read or kept: the
        # status is not known (never "paid" for want of a readable item).
        invoice.payment_status = Status.UNKNOWN
        invoice.open_amount = invoice.paid_at = None
        invoice.payment_read_at = now
        return
    total = abs(Decimal(invoice.total))
    if open_amount == 0:
        invoice.payment_status = Status.PAID
        invoice.paid_at = payments.paid_at.get(reference) or invoice.paid_at  # when told
    elif open_amount < total:
        invoice.payment_status = Status.PARTLY_PAID
        invoice.paid_at = None
    else:
        invoice.payment_status = Status.OPEN
        invoice.paid_at = None
    invoice.open_amount = open_amount
    invoice.payment_read_at = now
