"""Pushing a run's work (customers first: `bookkeeping.sync.customers`), invoices in the tool's
batches (find before create for anything that may be there already), then the edits of tools
that take them. Every state change goes through `transitions`."""

from __future__ import annotations

import logging

from bookkeeping import proof, reconcile, reporting
from bookkeeping.connectors.base import (
    Connector,
    InvoiceRejected,
    PushResult,
    RemoteRef,
    TransientError,
)
from bookkeeping.content import content_hash
from bookkeeping.models import BookEntry, ExternalRecord, SyncRun
from bookkeeping.sync import transitions
from bookkeeping.sync.runtime import call
from bookkeeping.sync.work import Work, record_ref
from bookkeeping.texts import later, noop
from invoicing.models import Invoice

logger = logging.getLogger(__name__)

# How often one invoice is tried inside a run after temporary failures.
MAX_ATTEMPTS_PER_RUN = 3
# Invoices loaded from the database at a time while pushing.
LOAD_CHUNK = 200
# Invoices marked as pushing at once with the save of a booking, for tools that take one an
# invoice a call. More saves statements; after a crash the next run asks the tool about each of
# them before it pushes again (one call each), so a few.
MARK_AHEAD = 10
NO_RESULT = noop(
    "%(label)s gave no result for invoice %(number)s; the next sync asks %(label)s whether it "
    "was booked before it sends it again."
)


def _left_out(batch: list[Invoice], results: list[PushResult]) -> list[Invoice]:
    """The invoices of the batch that the connector gave no result for."""
    answered = {result.invoice_id for result in results}
    return [invoice for invoice in batch if invoice.pk not in answered]


def _no_result(invoice: Invoice, connector: Connector) -> TransientError:
    return TransientError(later(NO_RESULT, label=connector.label, number=invoice.number))


# Invoices ----------------------------------------------------------------------------------


def push_invoices(run: SyncRun, connector: Connector, work: Work) -> None:
    """Pushes the new invoices in batches of the tool's size (Yuki many, others one), loading
    them from the database a chunk at a time."""
    chunk = max(LOAD_CHUNK, connector.max_batch)
    if any(pk not in work.record_states for pk in work.new_ids):
        work.book_entries = _read_books(run, connector)
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
            transitions.fail(run, invoice, reporting.customer_refused(invoice, connector.label))
            continue
        pending.append(invoice)
    ready, waiting = _split_waiting_credit_notes(run, pending)
    _push_batches(run, connector, work, ready)
    ready, waiting = _split_waiting_credit_notes(run, waiting)
    _push_batches(run, connector, work, ready)
    for credit_note in waiting:
        transitions.fail(
            run, credit_note, reporting.credited_invoice_missing(credit_note, connector.label)
        )


def _push_batches(run: SyncRun, connector: Connector, work: Work, invoices: list[Invoice]) -> None:
    """Asks the tool first about the invoices an earlier push may have reached, then pushes the
    others in batches. The save of a booking marks the next invoices as pushing in the same
    transaction, MARK_AHEAD of them at a time (one batch for tools that take many): a commit per
    invoice, and the intent of the next ones only every few invoices."""
    try:
        invoices = _settle_in_flight(run, connector, work, invoices)
        settled = True
    except (TransientError, InvoiceRejected):  # each batch asks again before its push
        invoices, settled = _unsaved(run, invoices), False
    size = max(1, connector.max_batch)
    batches = [invoices[start : start + size] for start in range(0, len(invoices), size)]
    ahead: set[int] = set()  # marked as pushing by this run, not pushed yet
    for index, batch in enumerate(batches):
        upcoming = batches[index + 1 : index + 1 + max(1, MARK_AHEAD // size)] if settled else []
        following = None
        if upcoming and upcoming[0][0].pk not in ahead:
            following = [invoice for part in upcoming for invoice in part]
        marked = all(invoice.pk in ahead for invoice in batch)
        if _push_batch(
            run, connector, work, batch, settled=settled, marked=marked, following=following
        ):
            ahead.update(invoice.pk for invoice in following or [])
        ahead.difference_update(invoice.pk for invoice in batch)


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


def _push_batch(
    run: SyncRun,
    connector: Connector,
    work: Work,
    batch: list[Invoice],
    *,
    settled: bool,
    marked: bool,
    following: list[Invoice] | None,
) -> bool:
    """Pushes one batch (`settled`: already asked about; `marked`: already marked as pushing)
    and saves its results. Returns whether `following` was marked with its last booking."""
    for attempt in range(1, MAX_ATTEMPTS_PER_RUN + 1):
        try:
            if attempt > 1 or not settled:
                batch = _settle_in_flight(run, connector, work, batch)
                if not batch:
                    return False
            if not marked:
                transitions.mark_pushing(run, work, batch)
            marked = False
            results = call(
                run, lambda b=batch: connector.push_invoices(b, customer_refs=work.customer_refs)
            )
        except TransientError as exc:
            batch = _unsaved(run, batch)  # a settle may have saved some before it failed
            if attempt == MAX_ATTEMPTS_PER_RUN:
                for invoice in batch:
                    transitions.fail(run, invoice, exc, work=work, transient=True)
                return False
            connector.sleep(connector.backoff(attempt))
            continue
        except InvoiceRejected as exc:  # a refusal of the whole call: every invoice in it
            for invoice in batch:
                transitions.fail(run, invoice, exc, work=work)
            return False
        return _save_results(run, connector, work, batch, results, following)
    return False


def _save_results(
    run: SyncRun,
    connector: Connector,
    work: Work,
    batch: list[Invoice],
    results: list[PushResult],
    following: list[Invoice] | None,
) -> bool:
    """Saves each result of a push; the last booking saved also marks `following` as pushing
    (returns whether it did: not when the run was taken over meanwhile)."""
    by_id = {invoice.pk: invoice for invoice in batch}
    for invoice in _left_out(batch, results):
        transitions.fail(run, invoice, _no_result(invoice, connector), transient=True)
    booked = [r for r in results if r.ok and not r.already_booked and r.invoice_id in by_id]
    last = booked[-1] if booked and following else None
    marked = False
    for result in results:
        invoice = by_id[result.invoice_id]
        if result.already_booked:
            ref = result.ref or call(run, lambda i=invoice: connector.find_invoice(i))
            _link_if_proven(run, connector, work, invoice, ref)
        elif result.ok:
            carry = following if result is last else None
            saved_with_next = transitions.save_booking(
                run, work, invoice, result.ref, mark_next=carry
            )
            marked = marked or saved_with_next
        else:
            transitions.fail(run, invoice, result.error, work=work)
    return marked


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
            ref = call(run, lambda i=invoice: connector.find_invoice(i))
        elif invoice.pk not in work.record_states and work.book_entries:
            entries = work.book_entries.get(connector.reference(invoice), [])
            if len(entries) > 1:  # held twice already: nothing is linked, nothing is sent
                _fail_held_twice(run, connector, work, invoice, entries)
                continue
            if entries:  # the mirror may be older than the books: the proof comes from the tool
                ref = call(run, lambda i=invoice: connector.find_invoice(i))
        if ref is not None:
            _link_if_proven(run, connector, work, invoice, ref)
        else:
            remaining.append(invoice)
    return remaining


def _read_books(run: SyncRun, connector: Connector) -> dict[str, list[BookEntry]] | None:
    """The tool's bookings by reference, read once for the run (None: it cannot be read)."""
    try:
        call(run, lambda: reconcile.read_books(run.integration, connector))
    except NotImplementedError:
        return None
    return reconcile.entries_by_reference(run.integration)


def _fail_held_twice(
    run: SyncRun, connector: Connector, work: Work, invoice: Invoice, entries: list[BookEntry]
) -> None:
    """A never-sent invoice whose number the books already hold more than once."""
    numbers = ", ".join(entry.number or entry.remote_id for entry in entries)
    error = proof.conflict(
        invoice,
        reconcile.entry_ref(entries[0]),
        [f"the books hold it {len(entries)} times ({numbers})"],
        label=connector.label,
        reference=invoice.number,
    )
    transitions.fail(run, invoice, error, work=work, state=ExternalRecord.State.CONFLICT)


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
        transitions.save_booking(run, work, invoice, ref)
        return
    error = proof.conflict(invoice, ref, found, label=connector.label, reference=invoice.number)
    transitions.fail(run, invoice, error, work=work, state=ExternalRecord.State.CONFLICT)


def _unsaved(run: SyncRun, batch: list[Invoice]) -> list[Invoice]:
    """The invoices of the batch whose booking is not saved yet."""
    saved = set(
        ExternalRecord.objects.filter(
            integration=run.integration, invoice__in=batch, state=ExternalRecord.State.SYNCED
        ).values_list("invoice_id", flat=True)
    )
    return [invoice for invoice in batch if invoice.pk not in saved]


# Updates (tools that accept changes to a booking) -----------------------------------------


def push_updates(run: SyncRun, connector: Connector, work: Work) -> None:
    """Tools that take edits: replaces the booking of every invoice changed since its sync."""
    for invoice, record in work.changed:
        if content_hash(invoice) == record.content_hash:
            transitions.mark_synced_again(run, invoice)
            continue
        customer_ref = work.customer_refs.get(invoice.customer_id)
        if customer_ref is None:
            transitions.fail(run, invoice, reporting.customer_refused(invoice, connector.label))
            continue
        try:
            ref = call(
                run,
                lambda i=invoice, r=record, c=customer_ref: connector.update_invoice(
                    i, record_ref(r), customer_ref=c
                ),
            )
        except (InvoiceRejected, TransientError) as exc:
            transitions.fail(run, invoice, exc, transient=isinstance(exc, TransientError))
            continue
        transitions.mark_updated(run, invoice, record, ref)
