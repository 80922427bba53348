"""A worker process killed with SIGKILL in the middle of a sync loses nothing and books nothing
twice: the next run asks the tool about the invoice that was in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from bookkeeping.connectors.base import CONNECTORS
from bookkeeping.models import ExternalRecord, SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice
from tests.integration.conftest import broker_reachable, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
INVOICES = 200


def relax_rate_limits(sim) -> None:
    """The test is about crashes, not quotas: give the simulator room for 200 invoices."""
    for name in ("minutely_limit", "daily_limit", "daily_quota"):
        if hasattr(sim, name):
            setattr(sim, name, 1_000_000)


def worker_process(settings) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EXACT_ONLINE_BASE_URL": settings.EXACT_ONLINE_BASE_URL,
        "EXACT_ONLINE_CLIENT_ID": settings.EXACT_ONLINE_CLIENT_ID,
        "EXACT_ONLINE_CLIENT_SECRET": settings.EXACT_ONLINE_CLIENT_SECRET,
        "OCTOPUS_BASE_URL": settings.OCTOPUS_BASE_URL,
        "OCTOPUS_SOFTWARE_HOUSE_UUID": settings.OCTOPUS_SOFTWARE_HOUSE_UUID,
        "YUKI_BASE_URL": settings.YUKI_BASE_URL,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["--concurrency=1", "--without-heartbeat", "--without-gossip", "--without-mingle"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


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
