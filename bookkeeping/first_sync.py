"""The first sync of a company that connects with history: what it would do, before it does it.

An integration whose first sync is not confirmed yet (`Integration.first_sync_confirmed`) and has
booked invoices to send shows a preview instead of syncing: the tool's books are read once
(`reconcile.read_books`), and each invoice to send is either new to the tool, already there (same
reference, customer and total: the sync links it), or in conflict (same reference, another
customer or total: the sync refuses it). Only an admin's confirmation starts the sync.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext

from bookkeeping import proof
from bookkeeping.connectors.base import ConnectorError, RemoteRef
from bookkeeping.integrations import connector_for, describe_error
from bookkeeping.models import ExternalRecord, Integration, RecoveryAction, SyncRun
from bookkeeping.reconcile import entries_by_reference, entry_ref, read_books
from bookkeeping.sync import start_sync
from bookkeeping.texts import later, noop
from invoicing.models import Invoice, InvoiceLine

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from bookkeeping.connectors.base import Connector
    from bookkeeping.models import BookEntry
    from config.texts import StoredText

logger = logging.getLogger(__name__)

# The rows listed per group; the counts are always complete.
LIST_LIMIT = 200
UNREADABLE = noop(
    "%(label)s cannot be read back by Booksync yet, so this preview cannot say which invoices are "
    "already in %(label)s: the sync still looks each one up before booking it, and never books a "
    "number twice."
)
READ_FAILED = noop("The books of %(label)s could not be read now: %(error)s")
BY_CODE = noop(
    "Customers not synced yet are compared by their customer code: an entry whose customer has "
    "another code in %(label)s counts as a conflict."
)


@dataclass
class Row:
    """One invoice of the preview and, when the tool holds its number, what the tool holds."""

    invoice: Invoice
    entry: BookEntry | None = None
    differences: list[str] = field(default_factory=list)
    by_code: bool = False


@dataclass
class Preview:
    to_send: list[Row] = field(default_factory=list)
    to_link: list[Row] = field(default_factory=list)
    conflicts: list[Row] = field(default_factory=list)
    # False: the tool cannot be read back (or could not now); `note` says which and why.
    books_read: bool = True
    note: StoredText | str = ""
    compared_by_code: bool = False
    calls: int = 0

    @property
    def counts(self) -> tuple[int, int, int]:
        return len(self.to_send), len(self.to_link), len(self.conflicts)

    @property
    def summary(self) -> str:
        send, link, conflicts = self.counts
        if not self.books_read:
            return gettext("%(send)s to send (the books were not read)") % {"send": send}
        line = gettext(
            "%(send)s to send, %(link)s already in the tool to link, %(conflicts)s in conflict"
        )
        return line % {"send": send, "link": link, "conflicts": conflicts}


def pending_invoices(integration: Integration):  # noqa: ANN201 (a queryset of Invoice)
    """The booked invoices the next sync would send: not synced, not excluded, not before the
    start date; oldest first."""
    synced = ExternalRecord.objects.filter(
        integration=integration, kind=ExternalRecord.Kind.INVOICE, state=ExternalRecord.State.SYNCED
    ).values("invoice_id")
    invoices = (
        Invoice.objects.filter(company_id=integration.company_id, status=Invoice.Status.BOOKED)
        .exclude(sync_state__in=[Invoice.SyncState.EXCLUDED, Invoice.SyncState.BEFORE_START])
        .exclude(pk__in=synced)
    )
    if integration.sync_from:
        invoices = invoices.filter(invoice_date__gte=integration.sync_from)
    return invoices.order_by("invoice_date", "id")


def needs_preview(integration: Integration | None) -> bool:
    """True when pressing Sync must show the first-sync preview instead of syncing."""
    if integration is None or integration.first_sync_confirmed or not integration.is_connected:
        return False
    return pending_invoices(integration).exists()


def build_preview(integration: Integration, *, connector: Connector | None = None) -> Preview:
    """Reads the tool's books once and sorts the invoices to send into new, to link and in
    conflict. Never raises a tool error: a tool that cannot be read gives a preview without
    the "already in the tool" part, and says why."""
    preview = Preview()
    try:
        connector = connector or connector_for(integration)
        preview.calls = read_books(integration, connector)
    except NotImplementedError:
        preview.books_read = False
        preview.note = later(UNREADABLE, label=integration.tool_label)
    except ConnectorError as exc:
        logger.warning("First-sync preview of %s: reading the books failed: %s", integration, exc)
        preview.books_read = False
        preview.note = later(READ_FAILED, label=integration.tool_label, error=describe_error(exc))
    invoices = pending_invoices(integration).select_related("customer")
    if not preview.books_read:
        preview.to_send = [Row(invoice) for invoice in invoices]
        return preview
    by_reference = entries_by_reference(integration)
    lines = Prefetch("lines", queryset=InvoiceLine.objects.only("id", "invoice_id"))
    customer_refs = _customer_refs(integration)
    for invoice in invoices.prefetch_related(lines):
        entries = by_reference.get(connector.reference(invoice), [])
        if not entries:
            preview.to_send.append(Row(invoice))
            continue
        row = _compare(invoice, entries, customer_refs.get(invoice.customer_id))
        preview.compared_by_code |= row.by_code
        (preview.conflicts if row.differences else preview.to_link).append(row)
    if preview.compared_by_code:
        preview.note = later(BY_CODE, label=integration.tool_label)
    return preview


def _customer_refs(integration: Integration) -> dict[int, RemoteRef]:
    records = ExternalRecord.objects.filter(
        integration=integration,
        kind=ExternalRecord.Kind.CUSTOMER,
        state=ExternalRecord.State.SYNCED,
    ).only("customer_id", "remote_id", "remote_number")
    return {r.customer_id: RemoteRef(r.remote_id, r.remote_number) for r in records}


def _compare(invoice: Invoice, entries: list[BookEntry], customer_ref: RemoteRef | None) -> Row:
    """The first entry that proves to be this invoice (to link), else the first one (conflict).
    A customer Booksync has not synced yet is compared by its code alone."""
    by_code = customer_ref is None
    ref = customer_ref or RemoteRef("", invoice.customer.code if invoice.customer else "")
    found: list[tuple[BookEntry, list[str]]] = [
        (entry, proof.differences(invoice, entry_ref(entry), ref)) for entry in entries
    ]
    entry, differences = next(((e, d) for e, d in found if not d), found[0])
    return Row(invoice, entry=entry, differences=differences, by_code=by_code)


def confirm_first_sync(
    integration: Integration, *, user: AbstractBaseUser, detail: str = ""
) -> tuple[SyncRun, bool]:
    """The admin confirmed the preview: recorded, then the sync starts (or joins the running
    one). Returns start_sync's (run, started)."""
    with transaction.atomic():
        Integration.objects.filter(pk=integration.pk).update(first_sync_confirmed=True)
        integration.first_sync_confirmed = True
        RecoveryAction.objects.create(
            integration=integration,
            action=RecoveryAction.Action.CONFIRM_FIRST_SYNC,
            detail=detail or later("Confirmed the first sync after its preview."),
            user=user,
        )
        return start_sync(integration.company, trigger=SyncRun.Trigger.MANUAL, user=user)
