"""Pushing a run's customers, before its invoices: find before create, in as few reads as the
tool allows.

The run's customers are looked up together (`find_customers`: at most one read per 20
customers where the tool can batch), then the missing ones are created one at a time, each
result saved as it comes. Tools whose create answers without naming the record it made (Yuki's
UpdateContact) create them all first and find the created ones afterwards in one batched
lookup, instead of one read per customer.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from bookkeeping import reporting
from bookkeeping.connectors.base import Connector, InvoiceRejected, RemoteRef, TransientError
from bookkeeping.models import ExternalRecord, SyncRun
from bookkeeping.sync import runtime
from bookkeeping.sync.runtime import call
from bookkeeping.sync.work import Work
from invoicing.models import Customer

logger = logging.getLogger(__name__)

# How often one customer is tried inside a run after temporary failures.
MAX_ATTEMPTS_PER_RUN = 3
NOT_FOUND_AFTER_CREATE = "{label} saved customer {code} but does not find it yet."
NOT_FOUND_AFTER_CREATE_HINT = "The next sync looks it up again."


def push_customers(run: SyncRun, connector: Connector, work: Work) -> None:
    """Find before create for every customer of the run's invoices that has no record yet.
    When the batched lookup fails, each customer is looked up alone before it is created."""
    if not work.customers:
        return
    try:
        found = call(run, lambda: connector.find_customers(work.customers))
    except (InvoiceRejected, TransientError) as exc:
        logger.info("Sync %s looks customers up one by one: %s", run.pk, exc.message)
        found = None
    missing = []
    for customer in work.customers:
        ref = found.get(customer.pk) if found is not None else None
        if ref is not None:
            _save(run, work, customer, ref, created=False)
        elif found is not None and not connector.create_names_customer:
            missing.append(customer)
        else:
            _create_one(run, connector, work, customer, looked_up=found is not None)
    if missing:
        _create_then_find(run, connector, work, missing)


def _create_one(
    run: SyncRun, connector: Connector, work: Work, customer: Customer, *, looked_up: bool
) -> None:
    try:
        ref, created = _find_or_create_customer(run, connector, customer, looked_up=looked_up)
    except (InvoiceRejected, TransientError) as exc:
        _refused(run, work, customer, exc)
        return
    _save(run, work, customer, ref, created=created)


def _find_or_create_customer(
    run: SyncRun, connector: Connector, customer: Customer, *, looked_up: bool
) -> tuple[RemoteRef, bool]:
    """(ref, created); `looked_up`: the tool was just asked and does not hold it. Temporary
    failures are tried again a few times: find first each time, so a create that reached the
    tool before its reply was lost is not made twice."""
    attempt = 1
    while True:
        try:
            if not looked_up:
                ref = call(run, lambda: connector.find_customer(customer))
                if ref is not None:
                    return ref, False
            looked_up = False
            return call(run, lambda: connector.push_customer(customer)), True
        except TransientError:
            if attempt >= MAX_ATTEMPTS_PER_RUN:
                raise
            connector.sleep(connector.backoff(attempt))
            attempt += 1


def _create_then_find(
    run: SyncRun, connector: Connector, work: Work, customers: list[Customer]
) -> None:
    """Tools whose create names no record: creates (upserts, safe to repeat) every missing
    customer, then finds the created ones in one batched lookup. A crash in between loses
    nothing: the next run finds them before it creates anything."""
    created = []
    for customer in customers:
        try:
            call(run, lambda c=customer: connector.create_customer(c))
        except (InvoiceRejected, TransientError) as exc:
            _refused(run, work, customer, exc)
            continue
        created.append(customer)
    if not created:
        return
    try:
        found = call(run, lambda: connector.find_customers(created))
    except (InvoiceRejected, TransientError) as exc:  # found again by the next run
        for customer in created:
            _refused(run, work, customer, exc)
        return
    for customer in created:
        ref = found.get(customer.pk)
        if ref is None:
            error = TransientError(
                NOT_FOUND_AFTER_CREATE.format(label=connector.label, code=customer.code),
                hint=NOT_FOUND_AFTER_CREATE_HINT,
            )
            _refused(run, work, customer, error)
            continue
        _save(run, work, customer, ref, created=True)


def _refused(
    run: SyncRun, work: Work, customer: Customer, exc: InvoiceRejected | TransientError
) -> None:
    work.refused_customers.add(customer.pk)
    reporting.record_issue(run, exc, customer=customer)


def _save(run: SyncRun, work: Work, customer: Customer, ref: RemoteRef, *, created: bool) -> None:
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
    runtime.heartbeat(run, customers_created=int(created))
