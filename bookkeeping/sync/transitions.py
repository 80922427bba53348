"""Every state change of an invoice's sync, in one place: pending (being pushed), synced,
failed, number taken (conflict), updated; and the integration's "reconnect needed". A person's
decisions in the recovery console (linked or marked booked by hand, unlinked, never sent) too.

Each writes the invoice's sync fields, its ExternalRecord and the run's counters together; the
issue that explains a failure is filed by `reporting`, which only reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bookkeeping import reporting
from bookkeeping.content import content_hash
from bookkeeping.models import ExternalRecord, Integration, SyncIssue, SyncRun
from bookkeeping.sync.runtime import fence, heartbeat
from bookkeeping.texts import joined, later, noop
from invoicing.models import Invoice

if TYPE_CHECKING:
    from bookkeeping.connectors.base import AuthError, ConnectorError, RemoteRef
    from bookkeeping.sync.work import Work
    from config.texts import StoredText

TRANSIENT_HINT = noop("This is usually temporary: the next sync tries this invoice again.")


def mark_pushing(run: SyncRun, work: Work, batch: list[Invoice]) -> None:
    """The intent, committed before the call to the tool (one transaction for the batch):
    after a crash the next run asks the tool before it pushes again. Fenced: a run that was
    taken over marks nothing."""
    with transaction.atomic():
        fence(run)
        _mark(run, work, batch)
    _marked(work, batch)


def _marked(work: Work, batch: list[Invoice]) -> None:
    """After the commit (a rollback leaves the run's known states as they were)."""
    work.record_states.update(dict.fromkeys((i.pk for i in batch), ExternalRecord.State.PUSHING))


def _mark(run: SyncRun, work: Work, batch: list[Invoice]) -> None:
    now = timezone.now()
    ids = [invoice.pk for invoice in batch]
    existing = {pk for pk in ids if pk in work.record_states}
    if existing:
        ExternalRecord.objects.filter(integration=run.integration, invoice_id__in=existing).update(
            state=ExternalRecord.State.PUSHING, pushed_at=now, attempts=F("attempts") + 1
        )
    ExternalRecord.objects.bulk_create(
        ExternalRecord(
            integration=run.integration,
            invoice=invoice,
            kind=ExternalRecord.Kind.INVOICE,
            pushed_at=now,
            attempts=1,
        )
        for invoice in batch
        if invoice.pk not in existing
    )
    Invoice.objects.filter(pk__in=ids).update(sync_state=Invoice.SyncState.PENDING)


def save_booking(
    run: SyncRun,
    work: Work,
    invoice: Invoice,
    ref: RemoteRef,
    *,
    mark_next: list[Invoice] | None = None,
) -> bool:
    """Synced: booking number, record and the run's counters in one transaction, which also
    marks `mark_next` (the next batch) as pushing when given: one commit per invoice instead
    of two. Returns whether it marked them: a run taken over meanwhile still saves the booking
    (the tool holds it) but marks nothing (its next `mark_pushing` stops it)."""
    now = timezone.now()
    values = {
        "kind": ExternalRecord.Kind.INVOICE,
        "state": ExternalRecord.State.SYNCED,
        "remote_id": ref.remote_id,
        "remote_number": ref.number,
        "remote_data": dict(ref.extra),
        "content_hash": content_hash(invoice),
        "pushed_at": now,
    }
    with transaction.atomic():
        updated = ExternalRecord.objects.filter(
            integration=run.integration, invoice=invoice
        ).update(**values)
        if not updated:
            ExternalRecord.objects.create(integration=run.integration, invoice=invoice, **values)
        Invoice.objects.filter(pk=invoice.pk).update(
            booking_number=ref.number,
            sync_state=Invoice.SyncState.SYNCED,
            sync_message="",
            synced_at=now,
        )
        if invoice.pk in work.open_issues:
            SyncIssue.objects.filter(invoice=invoice, resolved=False).update(resolved=True)
            work.open_issues.discard(invoice.pk)
        owned = heartbeat(run, invoices_booked=1, done=1)
        if mark_next and owned:
            _mark(run, work, mark_next)
    work.record_states.pop(invoice.pk, None)
    if not (mark_next and owned):
        return False
    _marked(work, mark_next)
    return True


def fail(
    run: SyncRun,
    invoice: Invoice,
    exc: ConnectorError,
    *,
    work: Work | None = None,
    transient: bool = False,
    state: str = ExternalRecord.State.FAILED,
) -> None:
    """Failed: the invoice did not sync, for the reason its issue gives; the run goes on.

    After a temporary failure the record keeps its "pushing" mark: the tool may have booked it,
    so the next run asks the tool before it pushes again. `state` CONFLICT: the tool holds
    another booking under the number, looked up again before any push.
    """
    if transient and not exc.hint:
        exc.hint = later(TRANSIENT_HINT)
    issue = reporting.record_issue(run, exc, invoice=invoice)
    if getattr(exc, "customer_missing", False):  # the next run creates the customer again
        ExternalRecord.objects.filter(
            integration=run.integration, customer_id=invoice.customer_id
        ).delete()
    if not transient:
        records = ExternalRecord.objects.filter(integration=run.integration, invoice=invoice)
        if state == ExternalRecord.State.FAILED:
            records = records.filter(state=ExternalRecord.State.PUSHING)
        records.update(state=state)
        if work is not None and invoice.pk in work.record_states:
            work.record_states[invoice.pk] = state
    Invoice.objects.filter(pk=invoice.pk).update(
        sync_state=Invoice.SyncState.FAILED,
        # Read in the worker's language until Invoice.sync_message is a StoredTextField.
        sync_message=joined(issue.message, issue.hint),
    )
    heartbeat(run, invoices_failed=1, done=1)


def mark_updated(run: SyncRun, invoice: Invoice, record: ExternalRecord, ref: RemoteRef) -> None:
    """An edited invoice's booking was replaced in the tool (tools that take edits)."""
    ExternalRecord.objects.filter(pk=record.pk).update(
        content_hash=content_hash(invoice), remote_number=ref.number or record.remote_number
    )
    heartbeat(run, invoices_updated=1)
    mark_synced_again(run, invoice)


def mark_synced_again(run: SyncRun, invoice: Invoice) -> None:
    """A changed invoice is as the tool holds it again (pushed, or its change reached nothing
    that the tool keeps)."""
    Invoice.objects.filter(pk=invoice.pk).update(
        sync_state=Invoice.SyncState.SYNCED, sync_message="", synced_at=timezone.now()
    )
    heartbeat(run, done=1)


def reconnect_needed(run: SyncRun, exc: AuthError) -> None:
    """Access was refused for good: the integration needs a reconnect; the run ends."""
    Integration.objects.filter(pk=run.integration_id).update(
        status=Integration.Status.RECONNECT_NEEDED, last_error=joined(exc.message, exc.hint)
    )
    reporting.record_issue(run, exc)
    SyncRun.objects.filter(pk=run.pk).update(error=exc.message)
    run.error = exc.message


def close(run: SyncRun, *, status: str | None = None, error: StoredText | str = "") -> SyncRun:
    """Ends the run with its status (from its issues unless given) and tells who should know.
    A succeeded run clears an earlier error state of the integration."""
    run.refresh_from_db()
    if error:
        run.error = error
    issues = list(run.issues.select_related("invoice", "customer"))
    run.status = status or _status(run, len(issues))
    run.finished_at = timezone.now()
    summary = reporting.summarize(run, issues)
    run.summary = summary.text
    run.save(update_fields=["status", "finished_at", "error", "summary"])
    if (
        run.status == SyncRun.Status.SUCCEEDED
        and run.integration.status == Integration.Status.ERROR
    ):
        Integration.objects.filter(pk=run.integration_id).update(
            status=Integration.Status.CONNECTED, last_error=""
        )
    reporting.notify_run(run, summary, issues)
    return run


def _status(run: SyncRun, open_issues: int) -> str:
    if run.error:
        return SyncRun.Status.FAILED
    if open_issues:
        succeeded = run.invoices_booked + run.invoices_updated
        return SyncRun.Status.PARTIALLY_FAILED if succeeded else SyncRun.Status.FAILED
    return SyncRun.Status.SUCCEEDED


# A person's decisions in the recovery console (bookkeeping.recovery) -------------------------


def link_by_hand(
    integration: Integration, invoice: Invoice, *, remote_id: str, number: str, data: dict
) -> None:
    """Synced by a person's decision: the invoice is this booking of the tool (an entry found
    there, or a booking number typed by hand). Its open issues are resolved."""
    now = timezone.now()
    ExternalRecord.objects.update_or_create(
        integration=integration,
        invoice=invoice,
        defaults={
            "kind": ExternalRecord.Kind.INVOICE,
            "state": ExternalRecord.State.SYNCED,
            "remote_id": remote_id,
            "remote_number": number,
            "remote_data": data,
            "content_hash": content_hash(invoice),
            "pushed_at": now,
        },
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        booking_number=number, sync_state=Invoice.SyncState.SYNCED, sync_message="", synced_at=now
    )
    SyncIssue.objects.filter(invoice=invoice, resolved=False).update(resolved=True)


def unlink(integration: Integration, invoice: Invoice) -> None:
    """Not synced again: the booking was deleted in the tool, so the next sync books it."""
    ExternalRecord.objects.filter(integration=integration, invoice=invoice).delete()
    Invoice.objects.filter(pk=invoice.pk).update(
        booking_number="", sync_state=Invoice.SyncState.NOT_SYNCED, sync_message="", synced_at=None
    )


def exclude(invoice: Invoice, *, reason: str) -> None:
    """Never sent, for the reason a person gave (the sync skips excluded invoices)."""
    Invoice.objects.filter(pk=invoice.pk).update(
        sync_state=Invoice.SyncState.EXCLUDED, sync_message=reason
    )
    SyncIssue.objects.filter(invoice=invoice, resolved=False).update(resolved=True)
