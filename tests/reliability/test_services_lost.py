"""The broker and the database go away in the middle of a sync run by a real worker process.

Redis restarted: the worker reconnects, the run completes or the next task resumes it. The
worker's PostgreSQL connection terminated: the run fails cleanly (no half-saved booking) and the
next run books the rest, every invoice exactly once.
"""

from __future__ import annotations

import time

import pytest
from django.db import connection

from bookkeeping.models import ExternalRecord, SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.reliability.conftest import (
    assert_all_booked_exactly_once,
    assert_synced_ones_are_in_the_tool,
    book_invoices,
    record_figures,
    relax_rate_limits,
    restart_redis,
    wait_for,
    worker_process,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

INVOICES = 200
KEY = "exact_online"
BOOKING = ("POST", r"/salesentry/SalesEntries$")  # held: the outage comes mid-run for sure


@pytest.fixture
def tool(postgres, broker, exact_online, exact_online_integration):
    relax_rate_limits(exact_online)
    return exact_online


@pytest.fixture
def worker(settings, monkeypatch, postgres, broker):
    monkeypatch.setenv("SYNC_STALE_AFTER_SECONDS", "2")
    process = worker_process(settings)
    yield process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except Exception:
            process.kill()
            process.wait(timeout=10)


def run_of(company):
    return SyncRun.objects.filter(company=company).order_by("pk")


def finished_runs(company, count):
    """the runs to finish"""
    runs = list(run_of(company).exclude(status=SyncRun.Status.RUNNING))
    return runs if len(runs) >= count else None


def test_a_redis_restart_during_a_run_loses_nothing(tool, acme, alice, worker):
    from bookkeeping.tasks import sync_company_task

    invoices = book_invoices(acme, INVOICES, customers=5)
    with tool.hold(*BOOKING, after=30) as gate:  # the run waits in the tool during the outage
        sync_company_task.delay(acme.pk, SyncRun.Trigger.MANUAL, alice.pk)
        gate.wait_until_held(timeout=60)
        outage = restart_redis(outage_seconds=1.0)
        booked_when_back = tool.booking_count()
        gate.release()

    # The task in flight goes on without the broker; a task sent after the restart is taken by
    # the same worker once it has reconnected, and books what the first one left, if anything.
    [first] = wait_for(lambda: finished_runs(acme, 1), timeout=90)
    late = book_invoices_after(acme)
    sync_company_task.delay(acme.pk, SyncRun.Trigger.MANUAL, alice.pk)
    runs = wait_for(lambda: finished_runs(acme, 2), timeout=90)

    assert worker.poll() is None, "the worker died with the broker"
    assert first.status == SyncRun.Status.SUCCEEDED, str(first.summary)
    assert runs[-1].status == SyncRun.Status.SUCCEEDED, str(runs[-1].summary)
    assert runs[-1].invoices_booked == 1
    assert_all_booked_exactly_once(KEY, tool, [*invoices, late])
    record_figures(
        "redis_restart",
        {
            "outage_seconds": round(outage, 2),
            "booked_when_redis_was_back": booked_when_back,
            "runs": len(runs),
            "bookings_in_tool": tool.booking_count(),
            "duplicates": tool.booking_count() - INVOICES - 1,
        },
    )


def book_invoices_after(company) -> Invoice:
    from tests.factories import make_booked_invoice

    return make_booked_invoice(
        company, number="2026-9001", customer=Invoice.objects.first().customer
    )


def terminate_other_backends() -> int:
    """Terminates every other session on the test database (the worker's); returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_dropped_database_connection_fails_the_run_cleanly_and_the_next_run_finishes(
    tool, acme, alice, worker, settings
):
    from bookkeeping.tasks import sync_company_task

    invoices = book_invoices(acme, INVOICES, customers=5)
    # The worker's connection goes while it waits on the tool for its 41st booking.
    with tool.hold(*BOOKING, after=40) as gate:
        sync_company_task.delay(acme.pk, SyncRun.Trigger.MANUAL, alice.pk)
        gate.wait_until_held(timeout=60)
        assert terminate_other_backends() >= 1
        gate.release()
    [first] = wait_for(lambda: finished_runs(acme, 1), timeout=30)

    assert first.status == SyncRun.Status.FAILED
    assert first.error
    assert worker.poll() is None, "the worker died with its database connection"
    synced = assert_synced_ones_are_in_the_tool(KEY, tool, acme)
    half_saved = Invoice.objects.filter(company=acme).exclude(booking_number="")
    assert half_saved.exclude(sync_state=Invoice.SyncState.SYNCED).count() == 0
    assert synced < INVOICES
    in_flight = ExternalRecord.objects.filter(state=ExternalRecord.State.PUSHING).count()

    time.sleep(0.1)
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    assert_all_booked_exactly_once(KEY, tool, invoices)
    record_figures(
        "database_connection_dropped",
        {
            "synced_when_dropped": synced,
            "in_flight_when_dropped": in_flight,
            "runs": 2,
            "bookings_in_tool": tool.booking_count(),
            "duplicates": tool.booking_count() - INVOICES,
        },
    )
