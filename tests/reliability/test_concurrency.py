"""Two users press Sync while the nightly run starts: one run executes, the others join it, and
both users hear how it went."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from bookkeeping.models import SyncRun
from bookkeeping.sync import start_sync
from bookkeeping.tasks import sync_company_task
from notifications.models import Notification
from tests.reliability.conftest import book_invoices, record_figures, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

INVOICES = 20
# Exact Online's booking call: the run is held on its first one while the others join it.
BOOKING = ("POST", r"/salesentry/SalesEntries$")


@pytest.fixture
def eager(monkeypatch):
    """Enqueued tasks run at once in the thread that enqueued them (no broker needed)."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


def in_thread(target, *args, barrier: threading.Barrier | None = None, **kwargs):
    """Runs target in a thread with its own database connection; returns (thread, errors)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=10)
            target(*args, **kwargs)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def press_sync(company, user) -> None:
    start_sync(company, trigger=SyncRun.Trigger.MANUAL, user=user)


def nightly(company) -> None:
    sync_company_task(company.pk, SyncRun.Trigger.NIGHTLY)


def assert_one_run_and_both_told(sim, company, alice, bob) -> SyncRun:
    [run] = SyncRun.objects.filter(company=company)
    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    assert run.invoices_booked == INVOICES
    assert sim.booking_count() == INVOICES
    for user in (alice, bob):
        [note] = Notification.objects.filter(recipient=user)
        assert note.source == f"sync-run:{run.pk}"
        assert note.title == f"2 customers and {INVOICES} invoices synced to Exact Online"
    return run


def test_two_users_and_the_nightly_run_at_the_same_moment_make_one_run(
    postgres, exact_online, exact_online_integration, acme, alice, bob, eager
):
    book_invoices(acme, INVOICES, customers=2)
    barrier = threading.Barrier(3)

    # The run that wins waits in the tool on its first booking until the other two have joined
    # it: they cannot come after it finished, however the threads are scheduled.
    with exact_online.hold(*BOOKING) as gate:
        started = [
            in_thread(press_sync, acme, alice, barrier=barrier),
            in_thread(press_sync, acme, bob, barrier=barrier),
            in_thread(nightly, acme, barrier=barrier),
        ]
        gate.wait_until_held(timeout=60)
        wait_for(lambda: sum(not thread.is_alive() for thread, _ in started) == 2, timeout=60)
        gate.release()
        for thread, _ in started:
            thread.join(timeout=60)

    assert [error for _, errors in started for error in errors] == []
    run = assert_one_run_and_both_told(exact_online, acme, alice, bob)
    record_figures(
        "concurrency",
        {"requests": 3, "runs": 1, "trigger_that_won": run.trigger, "duplicates": 0},
    )


def test_users_who_press_sync_during_the_nightly_run_hear_how_it_went(
    postgres, exact_online, exact_online_integration, acme, alice, bob, eager
):
    book_invoices(acme, INVOICES, customers=2)

    with exact_online.hold(*BOOKING) as gate:  # the nightly run is going until released
        night, night_errors = in_thread(nightly, acme)
        gate.wait_until_held(timeout=60)
        press_sync(acme, alice)
        press_sync(acme, bob)
        gate.release()
        night.join(timeout=60)

    assert night_errors == []
    run = assert_one_run_and_both_told(exact_online, acme, alice, bob)
    assert run.trigger == SyncRun.Trigger.NIGHTLY
