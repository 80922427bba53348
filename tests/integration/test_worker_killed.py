"""A worker process killed with SIGKILL in the middle of a sync loses nothing and books nothing
twice: the next run asks the tool about the invoice that was in flight."""

from __future__ import annotations

import signal
import time

import pytest

from bookkeeping.connectors.base import CONNECTORS
from bookkeeping.models import ExternalRecord, SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice
from tests.integration.conftest import (
    broker_reachable,
    relax_rate_limits,
    wait_for,
    worker_process,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

INVOICES = 200


@pytest.mark.parametrize("key", list(CONNECTORS))
def test_a_worker_killed_mid_sync_books_every_invoice_exactly_once(
    request, key, acme, alice, settings, require_postgres
):
    if not broker_reachable():
        pytest.fail("the broker is needed to run a worker process")
    sim = request.getfixturevalue(key)
    request.getfixturevalue(f"{key}_integration")
    relax_rate_limits(sim)
    sim.latency_ms = 15
    customers = [CustomerFactory(company=acme) for _ in range(10)]
    invoices = [
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customers[n % 10])
        for n in range(1, INVOICES + 1)
    ]
    from bookkeeping.tasks import sync_company_task
    from config.celery import app

    app.control.purge()
    worker = worker_process(settings)
    try:
        sync_company_task.delay(acme.pk, SyncRun.Trigger.MANUAL, alice.pk)
        # Kill it once a part of the invoices is booked in the tool (Yuki books in batches of
        # 100: kill it while the first batch is in flight or just after).
        threshold = 1 if key == "yuki" else 40
        wait_for(lambda: sim.booking_count() >= threshold, timeout=120)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert SyncRun.objects.get(company=acme).status == SyncRun.Status.RUNNING
    booked_before = sim.booking_count()
    assert booked_before < INVOICES

    settings.SYNC_STALE_AFTER_SECONDS = 1
    time.sleep(1.5)
    sim.latency_ms = 0
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    assert sim.booking_count() == INVOICES
    for invoice in Invoice.objects.filter(pk__in=[i.pk for i in invoices]):
        bookings = sim.bookings(invoice.number)
        assert len(bookings) == 1, f"{invoice.number} is in {sim.name} {len(bookings)} times"
        assert invoice.booking_number
    numbers = list(Invoice.objects.filter(company=acme).values_list("booking_number", flat=True))
    assert len(set(numbers)) == INVOICES
    assert ExternalRecord.objects.filter(kind="invoice", state="synced").count() == INVOICES
