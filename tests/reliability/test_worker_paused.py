"""A worker presumed dead that comes back (a long GC pause, a frozen VM, a stopped process) never
pushes beside the run that took over: it stops before its next call to the tool."""

from __future__ import annotations

import signal

import pytest
from django.utils import timezone

from bookkeeping.models import SyncRun
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from tests.integration.conftest import broker_reachable, wait_for
from tests.reliability.conftest import (
    WORKER_LOG,
    assert_synced_ones_are_in_the_tool,
    book_invoices,
    relax_rate_limits,
    worker_process,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

# The call that books invoices, per tool: the paused worker is held on it by the simulator.
BOOKING_CALL = {
    "exact_online": ("POST", "salesentry/SalesEntries"),
    "octopus": ("POST", "buysellbookings$"),
    "yuki": ("POST", "ProcessSalesInvoices"),
}
INVOICES = {"exact_online": 60, "octopus": 60, "yuki": 200}


def log_since(offset: int) -> str:
    with WORKER_LOG.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


@pytest.mark.parametrize("key", list(TOOLS))
def test_a_stopped_worker_that_resumes_after_a_takeover_books_nothing_twice(
    request, key, acme, alice, settings, require_postgres
):
    if not broker_reachable():
        pytest.fail("the broker is needed to run a worker process")
    sim = request.getfixturevalue(key)
    request.getfixturevalue(f"{key}_integration")
    relax_rate_limits(sim)
    invoices = book_invoices(acme, INVOICES[key], customers=5)
    method, path = BOOKING_CALL[key]
    # Yuki books 100 a call: hold its first batch; the others after 20 bookings.
    gate = sim.hold(method, path, after=0 if key == "yuki" else 20)
    from bookkeeping.tasks import sync_company_task
    from config.celery import app

    app.control.purge()
    WORKER_LOG.parent.mkdir(exist_ok=True)
    WORKER_LOG.touch()
    log_offset = WORKER_LOG.stat().st_size
    worker = worker_process(settings)
    try:
        sync_company_task.delay(acme.pk, SyncRun.Trigger.MANUAL, alice.pk)
        gate.wait_until_held(timeout=120)
        worker.send_signal(signal.SIGSTOP)  # frozen while its call is on the way
        gate.drop()  # the call is lost on the way: the tool never carried it out
        paused = SyncRun.objects.get(company=acme, status=SyncRun.Status.RUNNING)
        # Silent for longer than SYNC_STALE_AFTER_SECONDS: the next claim takes over.
        SyncRun.objects.filter(pk=paused.pk).update(
            heartbeat_at=timezone.now() - timezone.timedelta(days=1)
        )

        taking_over = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

        assert taking_over.pk != paused.pk
        assert taking_over.status == SyncRun.Status.SUCCEEDED, str(taking_over.summary)
        booked = sim.booking_count()
        worker.send_signal(signal.SIGCONT)
        stopped = f"Sync {paused.pk} was taken over by another run; this worker stops."
        wait_for(lambda: stopped in log_since(log_offset), timeout=120)
    finally:
        worker.send_signal(signal.SIGCONT)
        worker.kill()
        worker.wait(timeout=10)

    assert sim.booking_count() == booked == len(invoices)
    for invoice in invoices:
        assert len(sim.bookings(invoice.number)) == 1, f"{invoice.number} booked twice"
    assert assert_synced_ones_are_in_the_tool(key, sim, acme) == len(invoices)
    paused.refresh_from_db()
    assert paused.status == SyncRun.Status.FAILED
    assert SyncRun.objects.filter(company=acme, status=SyncRun.Status.SUCCEEDED).count() == 1
