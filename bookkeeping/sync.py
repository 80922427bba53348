"""The sync: books a company's booked invoices, with their customers, in its bookkeeping tool.

`sync_company` is the one entry point (Celery task, `manage.py sync`, retry buttons). It reads as
its steps: claim the run, select the work, push customers, push invoices, push updates, finish.

Exactly once: before each call that creates something in the tool, the invoice's ExternalRecord is
marked "pushing" and committed. A crash between the call and the save leaves that mark, and the
next run asks the tool (`find_invoice`) before it creates anything. No transaction is held open
across a call to the tool.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from bookkeeping import proof, reporting
from bookkeeping.connectors.base import (
    AuthError,
    CallsForbidden,
    Connector,
    InvoiceRejected,
    RateLimited,
    RemoteRef,
    TransientError,
)
from bookkeeping.connectors.registry import get_connector
from bookkeeping.content import content_hash
from bookkeeping.models import ExternalRecord, Integration, SyncIssue, SyncRun
from invoicing.models import Customer, Invoice

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from invoicing.models import Company

logger = logging.getLogger(__name__)

# How often one invoice is tried inside a run after temporary failures.
MAX_ATTEMPTS_PER_RUN = 3
# Invoices loaded from the database at a time while pushing.
LOAD_CHUNK = 200


class SyncNotPossible(Exception):
    """The company cannot sync now (no connected integration); the message says why."""


class SyncRescheduled(Exception):
    """The tool asked us to wait longer than a run may sleep; retry after `retry_after` s."""

    def __init__(self, run: SyncRun, retry_after: float):
        super().__init__(f"Sync {run.pk} rescheduled in {retry_after:.0f} s")
        self.run = run
        self.retry_after = retry_after


class RunAborted(Exception):
    """Ends a run early (access refused); the run is finished as failed."""


class RunTakenOver(CallsForbidden):
    """This run no longer owns its integration: another run took it over (this worker was
    presumed dead). The worker stops before its next call to the tool and leaves the run as the
    takeover closed it."""


@dataclass
class Work:
    """What one run has to do, selected in a few queries."""

    # Ids only: a backlog of many thousands is loaded a chunk at a time (flat memory).
    new_ids: list[int] = field(default_factory=list)
    changed: list[tuple[Invoice, ExternalRecord]] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    customer_refs: dict[int, RemoteRef] = field(default_factory=dict)
    refused_customers: set[int] = field(default_factory=set)
    # State of the records the new invoices already have (none: never tried), kept up to date
    # by this run, and the invoices with open issues: read once instead of once per invoice.
    record_states: dict[int, str] = field(default_factory=dict)
    open_issues: set[int] = field(default_factory=set)


# Entry points ------------------------------------------------------------------------------


def active_integration(company: Company) -> Integration:
    integration = Integration.objects.filter(company=company, is_active=True).first()
    if integration is None:
        raise SyncNotPossible(
            "No bookkeeping tool is connected. A company admin connects one in Integration settings."
        )
    if integration.status == Integration.Status.NOT_CONNECTED:
        raise SyncNotPossible(
            f"{integration.tool_label} is not connected yet: finish connecting it in Integration settings."
        )
    return integration


def start_sync(
    company: Company,
    *,
    trigger: str,
    user: AbstractBaseUser | None = None,
    invoice_ids: list[int] | None = None,
) -> tuple[SyncRun, bool]:
    """Claims a run (or joins the running one) and enqueues it for a worker after commit.

    Returns (run, started): `started` is False when another run was already going.
    """
    from bookkeeping.tasks import sync_company_task

    integration = active_integration(company)
    run, started = claim_run(integration, trigger=trigger, user=user, invoice_ids=invoice_ids)
    if started:
        user_id = user.pk if user else None
        transaction.on_commit(
            lambda: sync_company_task.delay(company.pk, trigger, user_id, run_id=run.pk)
        )
    return run, started


def sync_company(
    company: Company,
    *,
    trigger: str,
    user: AbstractBaseUser | None = None,
    run: SyncRun | None = None,
    invoice_ids: list[int] | None = None,
) -> SyncRun:
    """Syncs the company now, in this process, and returns the finished run.

    Joins (returns) the running run when another one is going. Raises SyncNotPossible without a
    connected integration and SyncRescheduled when the tool asked for a long pause.
    """
    integration = active_integration(company)
    if run is not None and not _still_running(run):
        # A task delivered again after its run finished (or was taken over): nothing to do.
        logger.info("Sync %s already ended (%s)", run.pk, run.status)
        return run
    if run is None:
        run, started = claim_run(integration, trigger=trigger, user=user, invoice_ids=invoice_ids)
        if not started:
            return run
    connector = get_connector(integration)
    connector.before_call = lambda: fence(run)  # every call, also inside one connector method
    try:
        if integration.credentials_unreadable:  # say so even when nothing waits to be synced
            _call(run, connector.test_connection)
        work = select_work(run, integration)
        push_customers(run, connector, work)
        push_invoices(run, connector, work)
        push_updates(run, connector, work)
        fence(run)  # a run that was taken over meanwhile is closed by the one that took over
    except RunAborted:
        pass
    except RunTakenOver:
        logger.warning("Sync %s was taken over by another run; this worker stops.", run.pk)
        return run
    except RateLimited as exc:
        reporting.finish(run, status=SyncRun.Status.RESCHEDULED, error=exc.message)
        raise SyncRescheduled(run, exc.retry_after) from exc
    except Exception as exc:
        logger.exception("Sync %s of %s failed", run.pk, company)
        _reconnect_if_lost()
        reporting.finish(run, status=SyncRun.Status.FAILED, error=_unexpected(exc))
        raise
    reporting.finish(run)
    return run


# Claim -------------------------------------------------------------------------------------


def claim_run(
    integration: Integration,
    *,
    trigger: str,
    user: AbstractBaseUser | None,
    invoice_ids: list[int] | None = None,
    _retrying: bool = False,
) -> tuple[SyncRun, bool]:
    """One running run per integration, by a partial unique constraint.

    A running run whose heartbeat is stale (its worker died) is closed first, so that this claim
    takes over. Returns (run, True) for a new run, (running run, False) to join it.
    """
    cutoff = timezone.now() - timezone.timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS)
    SyncRun.objects.filter(
        integration=integration, status=SyncRun.Status.RUNNING, heartbeat_at__lt=cutoff
    ).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error="This sync stopped without finishing (its worker stopped); the next run took over.",
    )
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                integration=integration,
                company_id=integration.company_id,
                trigger=trigger,
                started_by=user,
                only_invoice_ids=invoice_ids or [],
            )
    except IntegrityError:
        running = SyncRun.objects.filter(
            integration=integration, status=SyncRun.Status.RUNNING
        ).first()
        if running is None:
            if _retrying:  # not the one-running-run constraint: a real error
                raise
            # The running run finished in between: try once more.
            return claim_run(
                integration, trigger=trigger, user=user, invoice_ids=invoice_ids, _retrying=True
            )
        if user is not None and user.pk != running.started_by_id:
            _add_watcher(running, user.pk)
        return running, False
    return run, True


def _add_watcher(run: SyncRun, user_id: int) -> None:
    with transaction.atomic():
        locked = SyncRun.objects.select_for_update().get(pk=run.pk)
        if user_id not in locked.watcher_ids:
            locked.watcher_ids.append(user_id)
            locked.save(update_fields=["watcher_ids"])


def _still_running(run: SyncRun) -> bool:
    run.refresh_from_db()
    return run.status == SyncRun.Status.RUNNING


def heartbeat(run: SyncRun, **increments: int) -> bool:
    """Proves the run is alive and moves its counters (one UPDATE). Returns False, changing
    nothing, when the run no longer owns its integration (another run took it over)."""
    updates = {name: F(name) + value for name, value in increments.items()}
    owned = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
        heartbeat_at=timezone.now(), **updates
    )
    for name, value in increments.items():
        setattr(run, name, getattr(run, name) + value)
    return bool(owned)


def fence(run: SyncRun) -> None:
    """Raises RunTakenOver unless this run still owns its integration: checked before every
    call to the tool and with every "pushing" mark, so a worker that was only paused (and
    presumed dead) never pushes beside the run that took over."""
    if not heartbeat(run):
        raise RunTakenOver(run.pk)


# Select ------------------------------------------------------------------------------------


def select_work(run: SyncRun, integration: Integration) -> Work:
    """Booked invoices without a synced record for this integration, Octopus's changed ones,
    and the customers of those without a record, in a few queries. Never a draft."""
    company_invoices = Invoice.objects.filter(company_id=integration.company_id)
    synced = ExternalRecord.objects.filter(
        integration=integration, kind=ExternalRecord.Kind.INVOICE, state=ExternalRecord.State.SYNCED
    )
    booked = company_invoices.filter(status=Invoice.Status.BOOKED)
    if run.only_invoice_ids:
        booked = booked.filter(pk__in=run.only_invoice_ids)
    work = Work()
    new_rows = list(
        booked.exclude(pk__in=synced.values("invoice_id"))
        .order_by("invoice_date", "id")
        .values_list("pk", "customer_id")
    )
    work.new_ids = [pk for pk, _ in new_rows]
    unsynced = ExternalRecord.objects.filter(
        integration=integration, kind=ExternalRecord.Kind.INVOICE, invoice__in=booked
    ).exclude(state=ExternalRecord.State.SYNCED)
    work.record_states = dict(unsynced.values_list("invoice_id", "state"))
    work.open_issues = set(
        SyncIssue.objects.filter(
            run__integration=integration, resolved=False, invoice__isnull=False
        ).values_list("invoice_id", flat=True)
    )
    if get_connector(integration).supports_updates:
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
    customer_ids = {customer_id for _, customer_id in new_rows} | {
        inv.customer_id for inv, _ in work.changed
    }
    known = ExternalRecord.objects.filter(
        integration=integration,
        kind=ExternalRecord.Kind.CUSTOMER,
        state=ExternalRecord.State.SYNCED,
        customer_id__in=customer_ids,
    )
    for record in known:
        work.customer_refs[record.customer_id] = _ref(record)
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


def _ref(record: ExternalRecord) -> RemoteRef:
    return RemoteRef(record.remote_id, record.remote_number, record.remote_data)


# Customers ---------------------------------------------------------------------------------


def push_customers(run: SyncRun, connector: Connector, work: Work) -> None:
    """Find before create, one customer at a time, saving each result as it comes."""
    for customer in work.customers:
        try:
            ref, created = _find_or_create_customer(run, connector, customer)
        except (InvoiceRejected, TransientError) as exc:
            work.refused_customers.add(customer.pk)
            reporting.record_issue(run, exc, customer=customer)
            continue
        ExternalRecord.objects.update_or_create(
            integration=run.integration,
            customer=customer,
            defaults={
                "kind": ExternalRecord.Kind.CUSTOMER,
                "state": ExternalRecord.State.SYNCED,
                "remote_id": ref.remote_id,
                "remote_number": ref.number,
                "remote_data": dict(ref.extra),
                "pushed_at": timezone.now(),
            },
        )
        work.customer_refs[customer.pk] = ref
        heartbeat(run, customers_created=int(created))


def _find_or_create_customer(
    run: SyncRun, connector: Connector, customer: Customer
) -> tuple[RemoteRef, bool]:
    """(ref, created). Temporary failures are tried again a few times: find first each time, so
    a create that reached the tool before its reply was lost is not made twice."""
    attempt = 1
    while True:
        try:
            ref = _call(run, lambda: connector.find_customer(customer))
            if ref is not None:
                return ref, False
            return _call(run, lambda: connector.push_customer(customer)), True
        except TransientError:
            if attempt >= MAX_ATTEMPTS_PER_RUN:
                raise
            connector.sleep(connector.backoff(attempt))
            attempt += 1


# Invoices ----------------------------------------------------------------------------------


def push_invoices(run: SyncRun, connector: Connector, work: Work) -> None:
    """Pushes the new invoices in batches of the tool's size (Yuki many, others one), loading
    them from the database a chunk at a time."""
    chunk = max(LOAD_CHUNK, connector.max_batch)
    for start in range(0, len(work.new_ids), chunk):
        ids = work.new_ids[start : start + chunk]
        invoices = (
            Invoice.objects.filter(pk__in=ids)
            .select_related("customer")
            .prefetch_related("lines")
            .order_by("invoice_date", "id")
        )
        _push_chunk(run, connector, work, list(invoices))


def _push_chunk(run: SyncRun, connector: Connector, work: Work, invoices: list[Invoice]) -> None:
    """Pushes a chunk in batches; a credit note only once the invoice it credits is in the
    tool (a second pass takes those whose invoice this chunk booked)."""
    pending = []
    for invoice in invoices:
        if invoice.customer_id in work.refused_customers:
            reporting.fail_invoice(
                run, invoice, reporting.customer_refused(invoice, connector.label)
            )
            continue
        pending.append(invoice)
    ready, waiting = _split_waiting_credit_notes(run, pending)
    _push_batches(run, connector, work, ready)
    ready, waiting = _split_waiting_credit_notes(run, waiting)
    _push_batches(run, connector, work, ready)
    for credit_note in waiting:
        reporting.fail_invoice(
            run, credit_note, reporting.credited_invoice_missing(credit_note, connector.label)
        )


def _push_batches(run: SyncRun, connector: Connector, work: Work, invoices: list[Invoice]) -> None:
    size = max(1, connector.max_batch)
    for start in range(0, len(invoices), size):
        _push_batch(run, connector, work, invoices[start : start + size])


def _split_waiting_credit_notes(
    run: SyncRun, invoices: list[Invoice]
) -> tuple[list[Invoice], list[Invoice]]:
    """(ready, waiting): credit notes whose credited invoice is not in the tool yet wait, so
    that the books never hold a credit without the invoice it credits."""
    credited = {
        invoice.credited_invoice_id
        for invoice in invoices
        if invoice.kind == Invoice.Kind.CREDIT_NOTE and invoice.credited_invoice_id
    }
    if not credited:
        return invoices, []
    in_tool = set(
        ExternalRecord.objects.filter(
            integration=run.integration,
            invoice_id__in=credited,
            state=ExternalRecord.State.SYNCED,
        ).values_list("invoice_id", flat=True)
    )
    ready, waiting = [], []
    for invoice in invoices:
        credited_id = (
            invoice.credited_invoice_id if invoice.kind == Invoice.Kind.CREDIT_NOTE else None
        )
        (waiting if credited_id and credited_id not in in_tool else ready).append(invoice)
    return ready, waiting


def _push_batch(run: SyncRun, connector: Connector, work: Work, batch: list[Invoice]) -> None:
    for attempt in range(1, MAX_ATTEMPTS_PER_RUN + 1):
        try:
            batch = _settle_in_flight(run, connector, work, batch)
            if not batch:
                return
            _mark_pushing(run, work, batch)
            results = _call(
                run, lambda b=batch: connector.push_invoices(b, customer_refs=work.customer_refs)
            )
        except TransientError as exc:
            batch = _unsaved(run, batch)  # a settle may have saved some before it failed
            if attempt == MAX_ATTEMPTS_PER_RUN:
                for invoice in batch:
                    reporting.fail_invoice(run, invoice, exc, transient=True)
                return
            connector.sleep(connector.backoff(attempt))
            continue
        except InvoiceRejected as exc:  # a refusal of the whole call: every invoice in it
            for invoice in batch:
                work.record_states[invoice.pk] = ExternalRecord.State.FAILED
                reporting.fail_invoice(run, invoice, exc)
            return
        by_id = {invoice.pk: invoice for invoice in batch}
        for result in results:
            invoice = by_id[result.invoice_id]
            if result.already_booked:
                ref = result.ref or _call(run, lambda i=invoice: connector.find_invoice(i))
                _link_if_proven(run, connector, work, invoice, ref)
            elif result.ok:
                _save_booking(run, work, invoice, result.ref)
            else:
                work.record_states[invoice.pk] = ExternalRecord.State.FAILED
                reporting.fail_invoice(run, invoice, result.error)
        return


# Records whose invoice the tool may already hold: asked about before any push.
LOOK_UP_FIRST = (ExternalRecord.State.PUSHING, ExternalRecord.State.CONFLICT)


def _settle_in_flight(
    run: SyncRun, connector: Connector, work: Work, batch: list[Invoice]
) -> list[Invoice]:
    """Asks the tool about every invoice whose earlier push may have reached it (or whose number
    another booking held); links what the tool provably has, fails what it holds for another
    booking, and returns the invoices that still need a push."""
    remaining = []
    for invoice in batch:
        ref = None
        if work.record_states.get(invoice.pk) in LOOK_UP_FIRST:
            ref = _call(run, lambda i=invoice: connector.find_invoice(i))
        if ref is not None:
            _link_if_proven(run, connector, work, invoice, ref)
        else:
            remaining.append(invoice)
    return remaining


def _link_if_proven(
    run: SyncRun, connector: Connector, work: Work, invoice: Invoice, ref: RemoteRef | None
) -> None:
    """Saves `ref` as this invoice's booking only when the tool shows the same reference,
    customer and total; otherwise the invoice fails with an issue naming the booking that holds
    its number, and the next run looks again before it pushes."""
    found = (
        ["no booking shown"]
        if ref is None
        else proof.differences(invoice, ref, work.customer_refs.get(invoice.customer_id))
    )
    if ref is not None and not found:
        _save_booking(run, work, invoice, ref)
        return
    error = proof.conflict(invoice, ref, found, label=connector.label, reference=invoice.number)
    reporting.fail_invoice(run, invoice, error)
    ExternalRecord.objects.filter(integration=run.integration, invoice=invoice).update(
        state=ExternalRecord.State.CONFLICT
    )
    work.record_states[invoice.pk] = ExternalRecord.State.CONFLICT


def _unsaved(run: SyncRun, batch: list[Invoice]) -> list[Invoice]:
    """The invoices of the batch whose booking is not saved yet."""
    saved = set(
        ExternalRecord.objects.filter(
            integration=run.integration, invoice__in=batch, state=ExternalRecord.State.SYNCED
        ).values_list("invoice_id", flat=True)
    )
    return [invoice for invoice in batch if invoice.pk not in saved]


def _mark_pushing(run: SyncRun, work: Work, batch: list[Invoice]) -> None:
    """The intent, committed before the call to the tool (one transaction for the batch)."""
    now = timezone.now()
    ids = [invoice.pk for invoice in batch]
    existing = {pk for pk in ids if pk in work.record_states}
    with transaction.atomic():
        fence(run)
        if existing:
            ExternalRecord.objects.filter(
                integration=run.integration, invoice_id__in=existing
            ).update(state=ExternalRecord.State.PUSHING, pushed_at=now, attempts=F("attempts") + 1)
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
    work.record_states.update(dict.fromkeys(ids, ExternalRecord.State.PUSHING))


def _save_booking(run: SyncRun, work: Work, invoice: Invoice, ref: RemoteRef) -> None:
    """Booking number, record and the run's counters in one transaction."""
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
        heartbeat(run, invoices_booked=1, done=1)
    work.record_states.pop(invoice.pk, None)


# Updates (tools that accept changes to a booking) -----------------------------------------


def push_updates(run: SyncRun, connector: Connector, work: Work) -> None:
    for invoice, record in work.changed:
        new_hash = content_hash(invoice)
        if new_hash != record.content_hash:
            customer_ref = work.customer_refs.get(invoice.customer_id)
            if customer_ref is None:
                reporting.fail_invoice(
                    run, invoice, reporting.customer_refused(invoice, connector.label)
                )
                continue
            try:
                ref = _call(
                    run,
                    lambda i=invoice, r=record, c=customer_ref: connector.update_invoice(
                        i, _ref(r), customer_ref=c
                    ),
                )
            except (InvoiceRejected, TransientError) as exc:
                reporting.fail_invoice(run, invoice, exc, transient=isinstance(exc, TransientError))
                continue
            ExternalRecord.objects.filter(pk=record.pk).update(
                content_hash=new_hash, remote_number=ref.number or record.remote_number
            )
            heartbeat(run, invoices_updated=1)
        Invoice.objects.filter(pk=invoice.pk).update(
            sync_state=Invoice.SyncState.SYNCED, sync_message="", synced_at=timezone.now()
        )
        heartbeat(run, done=1)


# Calls -------------------------------------------------------------------------------------


def _call(run: SyncRun, call):  # noqa: ANN001, ANN202 (a thunk and its result)
    """Runs one connector call under the run's policy for rate limits and lost access.

    A short rate-limit wait is slept here and the call repeated; a long one propagates (the run
    is rescheduled). AuthError ends the run and asks for a reconnect.
    """
    while True:
        try:
            return call()
        except RateLimited as exc:
            if exc.retry_after > settings.SYNC_MAX_INLINE_WAIT_SECONDS:
                raise
            logger.info("Sync %s waits %.1f s for the rate limit", run.pk, exc.retry_after)
            heartbeat(run)
            time.sleep(exc.retry_after)
        except AuthError as exc:
            reporting.reconnect_needed(run, exc)
            raise RunAborted from exc


def _reconnect_if_lost() -> None:
    """A database connection that broke under the run is replaced, so the run can be closed
    (outside a transaction only: inside one, the caller owns the connection)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def _unexpected(exc: Exception) -> str:
    if isinstance(exc, TransientError | InvoiceRejected):
        return exc.message
    if isinstance(exc, ImproperlyConfigured):  # the connectors word it for the user; no secrets
        return str(exc)
    return "The sync stopped on an unexpected error; the team has been told. Try again later."
