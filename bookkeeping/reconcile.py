"""The books are the truth: read back what the tool holds, and record where it disagrees.

`read_books` keeps `BookEntry`, the mirror of the integration's sales and credit-note journals, up
to date (a complete read, or what changed since the tool's cursor); `reconcile` compares it with
Booksync's booked invoices by number and keeps one open `Discrepancy` per invoice and kind, closed
by itself when a later reconcile no longer sees it. The sync uses `entries_by_reference` to link an
invoice the tool already holds instead of booking it a second time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from bookkeeping import payments, proof
from bookkeeping.connectors.base import BookingFacts, Connector, ConnectorError, RemoteRef
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import BookEntry, Discrepancy, ExternalRecord, Integration
from bookkeeping.texts import joined, later, later_plural, money, noop
from invoicing.models import Invoice

if TYPE_CHECKING:
    from collections.abc import Iterable

    from config.texts import StoredText

logger = logging.getLogger(__name__)

Kind = Discrepancy.Kind
# Booked before Booksync existed: the earliest date a read goes back to without a start date.
EARLIEST = dt.date(2000, 1, 1)

MESSAGES = {
    Kind.MISSING_IN_TOOL: (
        noop(
            "Invoice %(number)s is synced as %(booking)s but %(label)s no longer holds that "
            "booking."
        ),
        noop(
            "If it was deleted on purpose, choose “Never send”; otherwise “Send again” books it "
            "once more."
        ),
    ),
    Kind.UNLINKED_IN_TOOL: (
        noop("Invoice %(number)s is in %(label)s as entry %(entries)s, but not linked here."),
        noop(
            "If that entry is this invoice, “Link” it; otherwise give the entry another "
            "reference in %(label)s."
        ),
    ),
    Kind.AMOUNT_MISMATCH: (
        noop(
            "Invoice %(number)s totals %(ours)s here, but the booking %(booking)s in %(label)s "
            "totals %(theirs)s."
        ),
        noop("Correct the booking in %(label)s, or book a credit note here, until both agree."),
    ),
    Kind.DUPLICATE_IN_TOOL: (
        noop("Invoice %(number)s is in %(label)s %(count)s times: entries %(entries)s."),
        noop("Delete the extra entries in %(label)s; Booksync keeps the one linked here."),
    ),
    Kind.NUMBER_MISMATCH: (
        noop(
            "Invoice %(number)s is linked to booking %(ours)s here, but %(label)s numbers it "
            "%(theirs)s."
        ),
        noop("“Link” it again to take the number %(label)s shows."),
    ),
}


@dataclass
class Outcome:
    """What one reconcile found: the discrepancies open now, the new ones, and its cost."""

    open: list[Discrepancy] = field(default_factory=list)
    new: list[Discrepancy] = field(default_factory=list)
    closed: int = 0
    calls: int = 0
    payments: payments.PaymentRefresh | None = None


# Reading back ------------------------------------------------------------------------------


def read_since(integration: Integration) -> dt.date:
    """The first invoice date that matters: the start date, else the company's first invoice."""
    if integration.sync_from:
        return integration.sync_from
    first = (
        Invoice.objects.filter(company_id=integration.company_id, status=Invoice.Status.BOOKED)
        .order_by("invoice_date")
        .values_list("invoice_date", flat=True)
        .first()
    )
    return first or EARLIEST


def read_books(integration: Integration, connector: Connector) -> int:
    """Brings the mirror up to date with one read-back; returns the calls it cost."""
    read = connector.read_bookings(since=read_since(integration), cursor=integration.books_cursor)
    with transaction.atomic():
        mirror = BookEntry.objects.filter(integration=integration)
        if read.complete:
            mirror.exclude(remote_id__in=[b.remote_id for b in read.bookings]).delete()
        elif read.deleted:
            mirror.filter(remote_id__in=read.deleted).delete()
        for booking in read.bookings:
            BookEntry.objects.update_or_create(
                integration=integration, remote_id=booking.remote_id, defaults=_entry(booking)
            )
        Integration.objects.filter(pk=integration.pk).update(
            books_cursor=read.cursor, books_read_at=timezone.now()
        )
    integration.books_cursor = read.cursor
    return read.calls


def _entry(booking: BookingFacts) -> dict[str, object]:
    return {
        "number": booking.number[:40],
        "reference": booking.reference[:60],
        "total": booking.total,
        "date": booking.date,
        "customer_id": booking.customer_id[:100],
        "customer_code": booking.customer_code[:60],
        "customer_name": booking.customer_name[:200],
    }


def entries_by_reference(integration: Integration) -> dict[str, list[BookEntry]]:
    grouped: dict[str, list[BookEntry]] = defaultdict(list)
    for entry in BookEntry.objects.filter(integration=integration).exclude(reference=""):
        grouped[entry.reference].append(entry)
    return grouped


def entry_ref(entry: BookEntry) -> RemoteRef:
    """The entry as a RemoteRef whose facts prove (or not) that it is an invoice."""
    facts = BookingFacts(
        reference=entry.reference,
        customer_id=entry.customer_id,
        customer_code=entry.customer_code,
        total=entry.total,
        remote_id=entry.remote_id,
        number=entry.number,
        date=entry.date,
        customer_name=entry.customer_name,
    )
    return RemoteRef(entry.remote_id, entry.number, facts=facts)


# Reconciling -------------------------------------------------------------------------------


def reconcile(integration: Integration, *, connector: Connector | None = None) -> Outcome:
    """Reads the books and records every discrepancy with Booksync's booked invoices."""
    connector = connector or get_connector(integration)
    outcome = Outcome(calls=read_books(integration, connector))
    found = list(_discrepancies(integration, connector))
    now = timezone.now()
    seen_ids = []
    for invoice, kind, facts in found:
        discrepancy, created = _record(integration, invoice, kind, facts, connector.label)
        seen_ids.append(discrepancy.pk)
        outcome.open.append(discrepancy)
        if created:
            outcome.new.append(discrepancy)
    outcome.closed = (
        Discrepancy.objects.filter(integration=integration, closed_at__isnull=True)
        .exclude(pk__in=seen_ids)
        .update(closed_at=now)
    )
    return outcome


def _discrepancies(integration: Integration, connector: Connector) -> Iterable[tuple]:
    """(invoice, kind, tool facts) of every disagreement between invoices and the mirror."""
    by_reference = entries_by_reference(integration)
    by_key = {e.remote_id: e for entries in by_reference.values() for e in entries}
    by_key.update(
        {e.remote_id: e for e in BookEntry.objects.filter(integration=integration, reference="")}
    )
    by_number = {e.number: e for e in by_key.values() if e.number}
    records = {
        r.invoice_id: r
        for r in ExternalRecord.objects.filter(
            integration=integration, kind=ExternalRecord.Kind.INVOICE
        )
    }
    invoices = (
        Invoice.objects.filter(company_id=integration.company_id, status=Invoice.Status.BOOKED)
        .exclude(sync_state__in=[Invoice.SyncState.EXCLUDED, Invoice.SyncState.BEFORE_START])
        .select_related("customer")
        .order_by("invoice_date", "id")
    )
    for invoice in invoices.iterator(chunk_size=2000):
        entries = by_reference.get(connector.reference(invoice), [])
        record = records.get(invoice.pk)
        yield from _compare(invoice, record, entries, by_key, by_number)


def _compare(invoice, record, entries, by_key, by_number) -> Iterable[tuple]:  # noqa: ANN001
    if len(entries) > 1:
        yield invoice, Kind.DUPLICATE_IN_TOOL, _facts(entries)
    if record is None or record.state != ExternalRecord.State.SYNCED:
        if entries:
            yield invoice, Kind.UNLINKED_IN_TOOL, _facts(entries)
        return
    # A booking marked "booked by hand" may carry only the number the admin typed.
    entry = by_key.get(record.remote_id) or by_number.get(record.remote_number)
    if entry is None:
        yield invoice, Kind.MISSING_IN_TOOL, {"booking": record.remote_number}
        return
    expected = proof.expected_total(invoice)
    if entry.total is not None and abs(entry.total - expected) > proof.CENT * 2:
        yield invoice, Kind.AMOUNT_MISMATCH, _facts([entry])
    if entry.number and record.remote_number and entry.number != record.remote_number:
        yield invoice, Kind.NUMBER_MISMATCH, _facts([entry])


def _facts(entries: list[BookEntry]) -> dict[str, object]:
    return {
        "entries": [
            {
                "remote_id": e.remote_id,
                "number": e.number,
                "total": None if e.total is None else str(e.total),
                "date": e.date.isoformat() if e.date else "",
                "customer": e.customer_name or e.customer_code or e.customer_id,
            }
            for e in entries
        ]
    }


def _record(integration, invoice, kind, facts, label) -> tuple[Discrepancy, bool]:  # noqa: ANN001
    message, hint = _words(invoice, kind, facts, label)
    discrepancy = Discrepancy.objects.filter(
        integration=integration, invoice=invoice, kind=kind, closed_at__isnull=True
    ).first()
    if discrepancy is None:
        created = Discrepancy.objects.create(
            integration=integration,
            invoice=invoice,
            kind=kind,
            tool_facts=facts,
            message=message,
            hint=hint,
        )
        return created, True
    Discrepancy.objects.filter(pk=discrepancy.pk).update(
        tool_facts=facts, message=message, hint=hint, seen_at=timezone.now()
    )
    discrepancy.tool_facts, discrepancy.message, discrepancy.hint = facts, message, hint
    return discrepancy, False


def _words(invoice, kind, facts, label) -> tuple[StoredText, StoredText]:  # noqa: ANN001
    entries = facts.get("entries", [])
    first = entries[0] if entries else {}
    values = {
        "number": invoice.number,
        "label": label,
        "booking": first.get("number") or facts.get("booking", ""),
        "entries": ", ".join(e["number"] or e["remote_id"] for e in entries),
        "count": len(entries),
        "ours": money(proof.expected_total(invoice), invoice.currency),
        "theirs": money(Decimal(first["total"]), invoice.currency)
        if first.get("total")
        else first.get("number", ""),
    }
    if kind == Kind.NUMBER_MISMATCH:
        values["ours"] = invoice.booking_number
        values["theirs"] = first.get("number", "")
    message, hint = MESSAGES[kind]
    return later(message, **values), later(hint, **values)


# Entry points ------------------------------------------------------------------------------

AGREE = "The books agree: every booked invoice is in {label} as Booksync shows it ({calls} calls)."
DISAGREE = "{count} open discrepanc{ies} with {label} ({calls} calls)."


def reconcile_company(company_id: int, *, notify_new: bool = False) -> Outcome | None:
    """Reconciles the company's active integration (None without one). With `notify_new`, the
    company's admins hear about discrepancies that appeared now, and only about those."""
    integration = Integration.objects.filter(
        company_id=company_id, is_active=True, status=Integration.Status.CONNECTED
    ).first()
    if integration is None:
        return None
    connector = get_connector(integration)
    outcome = reconcile(integration, connector=connector)
    outcome.payments = payments.refresh_payments(integration, connector)
    outcome.calls += outcome.payments.calls
    if notify_new and outcome.new:
        _notify_admins(integration, outcome.new)
    return outcome


def reconcile_after_nightly_sync(company_id: int) -> None:
    """The nightly run reconciles after syncing; a tool that cannot be read back, or does not
    answer now, leaves it for the next night (logged, never a failed task)."""
    try:
        reconcile_company(company_id, notify_new=True)
    except NotImplementedError:
        logger.info("Company %s: its tool cannot be read back", company_id)
    except ConnectorError as exc:
        logger.warning("Company %s: reconcile after the nightly sync failed: %s", company_id, exc)


def summary_line(outcome: Outcome, label: str) -> str:
    count = len(outcome.open)
    if not count:
        return AGREE.format(label=label, calls=outcome.calls)
    return DISAGREE.format(
        count=count, ies="y" if count == 1 else "ies", label=label, calls=outcome.calls
    )


def _notify_admins(integration: Integration, new: list[Discrepancy]) -> None:
    from django.urls import reverse

    from bookkeeping.reporting import for_notification
    from invoicing.models import Membership
    from notifications.models import Notification
    from notifications.services import notify

    admins = [
        m.user
        for m in Membership.objects.filter(
            company_id=integration.company_id, role=Membership.Role.ADMIN
        ).select_related("user")
    ]
    count = len(new)
    notify(
        recipients=admins,
        company=integration.company,
        level=Notification.Level.WARNING,
        title=for_notification(
            later_plural(
                "%(count)s new discrepancy between Booksync and %(label)s",
                "%(count)s new discrepancies between Booksync and %(label)s",
                count,
                label=integration.tool_label,
            )
        ),
        body=for_notification(joined(*(d.message for d in new), sep="\n")),
        link=reverse("bookkeeping:reconciliation"),
        source=f"reconcile:{integration.pk}",
    )
