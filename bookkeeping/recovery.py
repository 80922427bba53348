"""The recovery console's rules: what a company admin does about a discrepancy with the books or
a failed invoice, and what the console lists.

Each action changes the invoice's sync in one transaction (through `bookkeeping.sync.transitions`,
the one home of those changes), records a `RecoveryAction` for the sync history, and closes the
discrepancies it resolves from what it knows, without a call to the tool: the next reconcile
reopens one the tool still shows. The actions that send (send again, retry) start a sync of
their invoices after that transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from bookkeeping import proof
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import BookEntry, Discrepancy, RecoveryAction, SyncIssue, SyncRun
from bookkeeping.sync import start_sync, transitions
from bookkeeping.texts import later, later_plural, noop
from invoicing.models import Invoice

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from django.contrib.auth.models import AbstractBaseUser

    from bookkeeping.models import Integration

Kind = Discrepancy.Kind
Action = RecoveryAction.Action
# The failed invoices the console lists at once (oldest first); the rest after a bulk retry.
FAILED_SHOWN = 100
REASON_MAX = 500
BOOKING_NUMBER_MAX = 40

LINKED = noop("Invoice %(number)s is linked to booking %(booking)s in %(label)s.")
MARKED = noop("Invoice %(number)s is marked as booked by hand as %(booking)s.")
SENT_AGAIN = noop("Invoice %(number)s is unlinked and will be booked again by the sync.")
EXCLUDED = noop("Invoice %(number)s will never be sent: %(reason)s")
RETRIED = noop("Invoice %(number)s is being retried.")
NO_ENTRY = noop(
    "Choose an entry of %(label)s whose reference is %(reference)s: Booksync links only an entry "
    "that carries the invoice's number."
)
NO_BOOKING_NUMBER = noop("Type the booking number that %(label)s gave invoice %(number)s.")
LONG_BOOKING_NUMBER = noop("A booking number has at most 40 characters.")
NO_REASON = noop("Say why invoice %(number)s is never sent: the reason stays with the invoice.")
NOT_FAILED = noop("Invoice %(number)s has not failed: there is nothing to retry.")
NOTHING_FAILED = noop("No invoice has failed: there is nothing to retry.")
NOT_BOOKED = noop("Invoice %(number)s is a draft: drafts never sync.")


class RecoveryRefused(Exception):
    """The action cannot be done as asked; the message says why, for the admin."""


# What the console lists -----------------------------------------------------------------------


@dataclass
class Item:
    """One invoice that needs a decision: its open discrepancies, its failure, and the entries
    of the tool it may be linked to."""

    invoice: Invoice
    discrepancies: list[Discrepancy] = field(default_factory=list)
    issue: SyncIssue | None = None
    candidates: list[BookEntry] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.invoice.sync_state == Invoice.SyncState.FAILED

    @property
    def missing_in_tool(self) -> bool:
        return any(d.kind == Kind.MISSING_IN_TOOL for d in self.discrepancies)

    @property
    def linked(self) -> bool:
        return bool(self.invoice.booking_number)


@dataclass
class Console:
    items: list[Item]
    orphans: list[Discrepancy]  # discrepancies about no invoice of ours
    failed_count: int


def console(integration: Integration) -> Console:
    """Every open discrepancy and every failed invoice of the integration's company, grouped by
    invoice (discrepancies first, oldest first), with the entries each may be linked to."""
    items: dict[int, Item] = {}
    orphans = []
    open_discrepancies = Discrepancy.objects.filter(
        integration=integration, closed_at__isnull=True
    ).select_related("invoice")
    for discrepancy in open_discrepancies.order_by("opened_at", "id"):
        if discrepancy.invoice is None:
            orphans.append(discrepancy)
            continue
        item = items.setdefault(discrepancy.invoice_id, Item(discrepancy.invoice))
        item.discrepancies.append(discrepancy)
    failed = Invoice.objects.filter(
        company_id=integration.company_id, sync_state=Invoice.SyncState.FAILED
    ).order_by("invoice_date", "id")
    for invoice in failed[:FAILED_SHOWN]:
        items.setdefault(invoice.pk, Item(invoice))
    _attach_issues(items)
    _attach_candidates(integration, items)
    return Console(list(items.values()), orphans, failed.count())


def _attach_issues(items: dict[int, Item]) -> None:
    issues = SyncIssue.objects.filter(invoice_id__in=list(items), resolved=False).order_by("id")
    for issue in issues:  # the latest open issue of each invoice wins
        items[issue.invoice_id].issue = issue


def _attach_candidates(integration: Integration, items: dict[int, Item]) -> None:
    reference = reference_function(integration)
    wanted: dict[str, list[Item]] = {}
    for item in items.values():
        wanted.setdefault(reference(item.invoice), []).append(item)
    entries = BookEntry.objects.filter(integration=integration, reference__in=list(wanted))
    for entry in entries.order_by("date", "number", "id"):
        for item in wanted.get(entry.reference, []):
            item.candidates.append(entry)


def reference_function(integration: Integration) -> Callable[[Invoice], str]:
    """How the tool's reference field holds an invoice (Yuki may keep digits only); building the
    connector calls nothing. Without a usable connector, the invoice number."""
    try:
        return get_connector(integration).reference
    except ImproperlyConfigured:
        return lambda invoice: invoice.number


# The actions ----------------------------------------------------------------------------------


def link_entry(
    invoice: Invoice, *, integration: Integration, entry_id: int | None, user: AbstractBaseUser
) -> RecoveryAction:
    """Links the invoice to an entry the tool holds under its reference: synced, with that
    entry's booking number."""
    _booked(invoice)
    reference = reference_function(integration)(invoice)
    entry = BookEntry.objects.filter(
        integration=integration, pk=entry_id or 0, reference=reference
    ).first()
    if entry is None:
        raise RecoveryRefused(later(NO_ENTRY, label=integration.tool_label, reference=reference))
    booking = entry.number or entry.remote_id
    resolved = [Kind.UNLINKED_IN_TOOL, Kind.MISSING_IN_TOOL, Kind.NUMBER_MISMATCH]
    if entry.total is not None and abs(entry.total - proof.expected_total(invoice)) <= (
        proof.CENT * 2
    ):
        resolved.append(Kind.AMOUNT_MISMATCH)
    with transaction.atomic():
        transitions.link_by_hand(
            integration,
            invoice,
            remote_id=entry.remote_id,
            number=booking,
            data={"linked_by_hand": True, "reference": entry.reference},
        )
        _close(integration, invoice, resolved)
        return _record(
            integration,
            invoice,
            Action.LINK,
            user,
            later(LINKED, number=invoice.number, booking=booking, label=integration.tool_label),
        )


def mark_booked(
    invoice: Invoice, *, integration: Integration, booking_number: str, user: AbstractBaseUser
) -> RecoveryAction:
    """Marks the invoice as booked by hand in the tool under the number the admin typed; an
    entry of the mirror with that number gives the record its key in the tool."""
    _booked(invoice)
    booking = booking_number.strip()
    if not booking:
        raise RecoveryRefused(
            later(NO_BOOKING_NUMBER, label=integration.tool_label, number=invoice.number)
        )
    if len(booking) > BOOKING_NUMBER_MAX:
        raise RecoveryRefused(later(LONG_BOOKING_NUMBER))
    reference = reference_function(integration)(invoice)
    entry = BookEntry.objects.filter(
        integration=integration, number=booking, reference__in=[reference, ""]
    ).first()
    with transaction.atomic():
        transitions.link_by_hand(
            integration,
            invoice,
            remote_id=entry.remote_id if entry else booking,
            number=booking,
            data={"marked_by_hand": True},
        )
        _close(integration, invoice, list(Kind))
        return _record(
            integration,
            invoice,
            Action.MARK_BOOKED,
            user,
            later(MARKED, number=invoice.number, booking=booking),
        )


def send_again(
    invoice: Invoice, *, integration: Integration, user: AbstractBaseUser
) -> tuple[RecoveryAction, bool]:
    """Unlinks the invoice (its booking was deleted in the tool) and starts a sync of it: the
        sync asks the tool before it books, so it never books it twice. SyncNotPossible, raised when
        no sync can start now, leaves it unlinked for the next sync. Returns the action and whether a
    sync started (False: a running one was joined, and the invoice waits for the next)."""
    _booked(invoice)
    with transaction.atomic():
        transitions.unlink(integration, invoice)
        _close(
            integration,
            invoice,
            [Kind.MISSING_IN_TOOL, Kind.NUMBER_MISMATCH, Kind.AMOUNT_MISMATCH],
        )
        action = _record(
            integration, invoice, Action.SEND_AGAIN, user, later(SENT_AGAIN, number=invoice.number)
        )
    _, started = start_sync(
        integration.company, trigger=SyncRun.Trigger.RETRY, user=user, invoice_ids=[invoice.pk]
    )
    return action, started


def never_send(
    invoice: Invoice, *, integration: Integration, reason: str, user: AbstractBaseUser
) -> RecoveryAction:
    """Never sends the invoice, for the reason given; its discrepancies close (a reconcile does
    not compare excluded invoices)."""
    _booked(invoice)
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise RecoveryRefused(later(NO_REASON, number=invoice.number))
    with transaction.atomic():
        transitions.exclude(invoice, reason=reason)
        _close(integration, invoice, list(Kind))
        return _record(
            integration,
            invoice,
            Action.NEVER_SEND,
            user,
            later(EXCLUDED, number=invoice.number, reason=reason),
        )


def retry(invoice: Invoice, *, integration: Integration, user: AbstractBaseUser) -> bool:
    """Starts a sync of one failed invoice; False when a running sync was joined instead.
    Raises SyncNotPossible (and records nothing) when no sync can start."""
    if invoice.sync_state != Invoice.SyncState.FAILED:
        raise RecoveryRefused(later(NOT_FAILED, number=invoice.number))
    with transaction.atomic():
        _record(integration, invoice, Action.RETRY, user, later(RETRIED, number=invoice.number))
        _, started = start_sync(
            integration.company,
            trigger=SyncRun.Trigger.RETRY,
            user=user,
            invoice_ids=[invoice.pk],
        )
    return started


def retry_failed(*, integration: Integration, user: AbstractBaseUser) -> bool:
    """Starts a sync of every failed invoice of the company (after a fix), recorded once;
    False when a running sync was joined instead."""
    failed = list(
        Invoice.objects.filter(
            company_id=integration.company_id, sync_state=Invoice.SyncState.FAILED
        )
        .order_by("invoice_date", "id")
        .values_list("pk", "number")
    )
    if not failed:
        raise RecoveryRefused(later(NOTHING_FAILED))
    numbers = ", ".join(number for _, number in failed[:20]) + (" …" if len(failed) > 20 else "")
    count = len(failed)
    with transaction.atomic():
        _record(
            integration,
            None,
            Action.RETRY,
            user,
            later_plural(
                "Retrying %(count)s failed invoice: %(numbers)s",
                "Retrying %(count)s failed invoices: %(numbers)s",
                count,
                numbers=numbers,
            ),
        )
        _, started = start_sync(
            integration.company,
            trigger=SyncRun.Trigger.RETRY,
            user=user,
            invoice_ids=[pk for pk, _ in failed],
        )
    return started


# Helpers --------------------------------------------------------------------------------------


def _booked(invoice: Invoice) -> None:
    if invoice.status != Invoice.Status.BOOKED:
        raise RecoveryRefused(later(NOT_BOOKED, number=invoice.number or invoice.pk))


def _close(integration: Integration, invoice: Invoice, kinds: Iterable[str]) -> int:
    """Closes the invoice's open discrepancies of these kinds: the action resolved them."""
    return Discrepancy.objects.filter(
        integration=integration, invoice=invoice, kind__in=list(kinds), closed_at__isnull=True
    ).update(closed_at=timezone.now())


def _record(
    integration: Integration,
    invoice: Invoice | None,
    action: str,
    user: AbstractBaseUser,
    detail: str,
) -> RecoveryAction:
    return RecoveryAction.objects.create(
        integration=integration, invoice=invoice, action=action, user=user, detail=detail
    )


def recent_actions(company_id: int, *, limit: int = 20) -> list[RecoveryAction]:
    """The latest recovery actions of the company, for the sync history."""
    return list(
        RecoveryAction.objects.filter(integration__company_id=company_id).select_related(
            "invoice", "user", "integration"
        )[:limit]
    )
