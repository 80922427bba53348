"""Sync through a real Celery worker: pressing Sync enqueues, the worker books, the bell tells."""

from __future__ import annotations

import pytest
from django.test import Client

from bookkeeping.models import SyncRun
from bookkeeping.tasks import schedule_nightly_syncs
from bookkeeping.tools import TOOLS
from invoicing.models import Invoice
from notifications.models import Notification
from tests.factories import CompanyFactory, CustomerFactory, make_booked_invoice
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def finished_run(company):
    """a finished sync run"""
    return SyncRun.objects.filter(company=company).exclude(status=SyncRun.Status.RUNNING).first()


@pytest.mark.parametrize("key", list(TOOLS))
def test_pressing_sync_books_the_invoices_through_the_worker(
    request, key, acme, alice, celery_worker
):
    sim = request.getfixturevalue(key)
    integration = request.getfixturevalue(f"{key}_integration")
    customer = CustomerFactory(company=acme)
    invoices = [
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer) for n in (1, 2, 3)
    ]
    client = Client()
    client.force_login(alice)

    response = client.post("/bookkeeping/sync/", HTTP_REFERER="/invoices/")

    assert response.status_code == 302
    run = wait_for(lambda: finished_run(acme))
    assert run.status == SyncRun.Status.SUCCEEDED
    note = wait_for(lambda: Notification.objects.filter(recipient=alice).first())
    assert note.title == f"1 customer and 3 invoices synced to {integration.tool_label}"
    for invoice in invoices:
        invoice.refresh_from_db()
        [booking] = sim.bookings(invoice.number)
        assert invoice.booking_number
        assert invoice.sync_state == Invoice.SyncState.SYNCED
    client.post("/invoices/columns/", {"columns": ["booking_number"]})
    overview = client.get("/invoices/?sync=synced")
    assert invoices[0].booking_number in overview.content.decode()


def test_nightly_fan_out_syncs_only_companies_with_the_switch_on(
    exact_online, exact_online_integration, acme, alice, settings, celery_worker
):
    settings.NIGHTLY_SYNC_SPREAD_SECONDS = 0
    exact_online_integration.nightly_sync = True
    exact_online_integration.save()
    make_booked_invoice(acme, number="2026-0001")
    quiet = CompanyFactory(slug="quiet")
    make_booked_invoice(quiet, number="2026-0001")

    assert schedule_nightly_syncs.delay() is not None

    run = wait_for(lambda: finished_run(acme))
    assert run.trigger == SyncRun.Trigger.NIGHTLY
    assert run.status == SyncRun.Status.SUCCEEDED
    assert len(exact_online.bookings("2026-0001")) == 1
    assert not SyncRun.objects.filter(company=quiet).exists()
    assert not Notification.objects.exists()  # all went well: nobody is woken up


def test_a_nightly_run_with_errors_notifies_the_admins(
    exact_online, exact_online_integration, acme, alice, bob, settings, celery_worker
):
    settings.NIGHTLY_SYNC_SPREAD_SECONDS = 0
    exact_online_integration.nightly_sync = True
    exact_online_integration.save()
    make_booked_invoice(acme, number="2026-0009", lines=[("1", "10.00", "9", "")])

    schedule_nightly_syncs.delay()

    note = wait_for(lambda: Notification.objects.filter(recipient=alice).first())
    assert note.level == Notification.Level.ERROR
    assert "2026-0009" in note.body
    assert not Notification.objects.filter(recipient=bob).exists()
