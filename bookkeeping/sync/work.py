"""What one run has to do, selected in a few queries."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from bookkeeping.connectors.base import RemoteRef
from bookkeeping.models import BookEntry, ExternalRecord, Integration, SyncIssue, SyncRun
from bookkeeping.tools import tool
from invoicing.models import Customer, Invoice


@dataclass
class Work:
    """What one run has to do, selected in a few queries."""

    # Ids only, 8 bytes each: a backlog of many thousands is loaded a chunk at a time.
    new_ids: array[int] = field(default_factory=lambda: array("q"))
    changed: list[tuple[Invoice, ExternalRecord]] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    customer_refs: dict[int, RemoteRef] = field(default_factory=dict)
    refused_customers: set[int] = field(default_factory=set)
    # State of the records the new invoices already have (none: never tried), kept up to date
    # by this run, and the invoices with open issues: read once instead of once per invoice.
    record_states: dict[int, str] = field(default_factory=dict)
    open_issues: set[int] = field(default_factory=set)
    # What the tool's books hold by reference, read once before the first push of invoices
    # never sent (None: not read, or the tool cannot be read back).
    book_entries: dict[str, list[BookEntry]] | None = None


def select_work(run: SyncRun, integration: Integration) -> Work:
    """Booked invoices without a synced record for this integration, Octopus's changed ones,
    and the customers of those without a record, in a few queries. Never a draft."""
    company_invoices = Invoice.objects.filter(company_id=integration.company_id)
    synced = ExternalRecord.objects.filter(
        integration=integration, kind=ExternalRecord.Kind.INVOICE, state=ExternalRecord.State.SYNCED
    )
    booked = company_invoices.filter(status=Invoice.Status.BOOKED).exclude(
        sync_state=Invoice.SyncState.EXCLUDED
    )
    if integration.sync_from:  # booked in the tool before Booksync: never sent
        early = booked.filter(invoice_date__lt=integration.sync_from).exclude(
            pk__in=synced.values("invoice_id")
        )
        early.exclude(sync_state=Invoice.SyncState.BEFORE_START).update(
            sync_state=Invoice.SyncState.BEFORE_START, sync_message=""
        )
        booked = booked.filter(invoice_date__gte=integration.sync_from)
    if run.only_invoice_ids:
        booked = booked.filter(pk__in=run.only_invoice_ids)
    work = Work()
    new_customer_ids = set()
    new_rows = (
        booked.exclude(pk__in=synced.values("invoice_id"))
        .order_by("invoice_date", "id")
        .values_list("pk", "customer_id")
    )
    for pk, customer_id in new_rows.iterator(chunk_size=2000):  # never all rows at once
        work.new_ids.append(pk)
        new_customer_ids.add(customer_id)
    unsynced = ExternalRecord.objects.filter(
        integration=integration, kind=ExternalRecord.Kind.INVOICE, invoice__in=booked
    ).exclude(state=ExternalRecord.State.SYNCED)
    work.record_states = dict(unsynced.values_list("invoice_id", "state"))
    work.open_issues = set(
        SyncIssue.objects.filter(
            run__integration=integration, resolved=False, invoice__isnull=False
        ).values_list("invoice_id", flat=True)
    )
    entry = tool(integration.tool)
    if entry is not None and entry.pushes_edits:
        candidates = (
            synced.filter(
                invoice__in=booked.filter(
                    sync_state__in=[Invoice.SyncState.CHANGED, Invoice.SyncState.FAILED]
                )
            )
            .select_related("invoice__customer")
            .prefetch_related("invoice__lines")
        )
        work.changed = [(record.invoice, record) for record in candidates]
    customer_ids = new_customer_ids | {inv.customer_id for inv, _ in work.changed}
    known = ExternalRecord.objects.filter(
        integration=integration,
        kind=ExternalRecord.Kind.CUSTOMER,
        state=ExternalRecord.State.SYNCED,
        customer_id__in=customer_ids,
    )
    for record in known:
        work.customer_refs[record.customer_id] = record_ref(record)
    work.customers = list(
        Customer.objects.filter(pk__in=customer_ids - set(work.customer_refs)).order_by("id")
    )
    run.total = len(work.new_ids) + len(work.changed)
    run.already_synced = synced.count()
    run.drafts_skipped = company_invoices.filter(status=Invoice.Status.DRAFT).count()
    SyncRun.objects.filter(pk=run.pk).update(
        total=run.total, already_synced=run.already_synced, drafts_skipped=run.drafts_skipped
    )
    return work


def record_ref(record: ExternalRecord) -> RemoteRef:
    return RemoteRef(record.remote_id, record.remote_number, record.remote_data)
