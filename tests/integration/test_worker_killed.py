"""A worker process killed with SIGKILL in the middle of a sync loses nothing and books nothing
twice: the next run asks the tool about the invoice that was in flight."""

from __future__ import annotations

import signal
import time

import pytest

from bookkeeping.models import ExternalRecord, SyncRun
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice
from tests.integration.conftest import (
    broker_reachable,
    relax_rate_limits,
    worker_process,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

INVOICES = 200
# The call that books invoices in each tool, held by the test to kill the worker while it waits.
BOOKING_CALL = {
    "exact_online": ("POST", r"/salesentry/SalesEntries$"),
    "octopus": ("POST", r"/buysellbookings$"),
    "yuki": ("POST", "ProcessSalesInvoices"),
}


@pytest.mark.parametrize("key", list(TOOLS))
def test_a_worker_killed_mid_sync_books_every_invoice_exactly_once(
    request, key, acme, alice, settings, require_postgres
):
    if not broker_reachable():
        pytest.fail("the broker is needed to run a worker process")
    sim = request.getfixturevalue(key)
    request.getfixturevalue(f"{key}_integration")
    relax_rate_limits(sim)
    customers = [CustomerFactory(company=acme) for _ in range(10)]
    invoices = [
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customers[n % 10])
        for n in range(1, INVOICES + 1)
    ]
    from bookkeeping.tasks import sync_company_task
    from config.celery import app

    app.control.purge()
    # Kill it once a part of the invoices is booked in the tool, while its next booking call is
    # in the tool (Yuki books in batches of 100: while the second batch is in flight). The tool
    # carries that call out after the worker died, as a real one would.
    threshold = 1 if key == "yuki" else 40
    worker = worker_process(settings)
    with sim.hold(*BOOKING_CALL[key], after=threshold) as gate:
        try:
            sync_company_task.delay(acme.pk, SyncRun.Trigger.MANUAL, alice.pk)
            gate.wait_until_held(timeout=120)
            assert sim.booking_count() >= threshold
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        booked_before = sim.booking_count()
        gate.release()
        gate.wait_until_passed(timeout=10)
    assert SyncRun.objects.get(company=acme).status == SyncRun.Status.RUNNING
    assert booked_before < INVOICES

    settings.SYNC_STALE_AFTER_SECONDS = 1
    time.sleep(1.5)  # the killed run's heartbeat grows older than that: stale, taken over
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    assert sim.booking_count() == INVOICES
    for invoice in Invoice.objects.filter(pk__in=[i.pk for i in invoices]):
        bookings = sim.bookings(invoice.number)
        assert len(bookings) == 1, f"{invoice.number} is in {sim.name} {len(bookings)} times"
        assert invoice.booking_number
    numbers = list(Invoice.objects.filter(company=acme).values_list("booking_number", flat=True))
    assert len(set(numbers)) == INVOICES
    assert ExternalRecord.objects.filter(kind="invoice", state="synced").count() == INVOICES
