"""Never "everything synced" while it is not: invoices changed since their sync and open
discrepancies with the books need attention, in the sync panel and in the run's notification."""

from __future__ import annotations

import pytest

from bookkeeping.models import Discrepancy, ExternalRecord, SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from notifications.models import Notification
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

ALL_SYNCED = "Everything booked is synced"
RECONCILIATION = 'href="/bookkeeping/reconciliation/"'


def synced_invoice(company, number="2026-0001", state=Invoice.SyncState.SYNCED):
    invoice = make_booked_invoice(
        company, number=number, customer=CustomerFactory(company=company, name="Garage Lenaerts")
    )
    Invoice.objects.filter(pk=invoice.pk).update(booking_number="V-" + number, sync_state=state)
    return invoice


def test_the_panel_says_all_synced_when_it_is(alice_client, exact_online_integration, acme):
    synced_invoice(acme)
    page = alice_client.get("/invoices/").content.decode()
    assert ALL_SYNCED in page
    assert "Needs attention" not in page


def test_an_invoice_changed_since_sync_needs_attention(
    alice_client, exact_online_integration, acme
):
    synced_invoice(acme, state=Invoice.SyncState.CHANGED)
    page = alice_client.get("/invoices/").content.decode()
    assert ALL_SYNCED not in page
    assert "Needs attention: 1 invoice changed since sync is not in the tool as here." in page
    assert RECONCILIATION in page


def test_an_open_discrepancy_needs_attention_until_it_is_closed(
    alice_client, exact_online_integration, acme
):
    from django.utils import timezone

    invoice = synced_invoice(acme)
    discrepancy = Discrepancy.objects.create(
        integration=exact_online_integration,
        invoice=invoice,
        kind=Discrepancy.Kind.AMOUNT_MISMATCH,
        message="Invoice 2026-0001 totals 295.00 EUR here, but 300.00 EUR in Exact Online.",
    )
    page = alice_client.get("/invoices/").content.decode()
    assert "1 open discrepancy with the books" in page
    assert ALL_SYNCED not in page
    Discrepancy.objects.filter(pk=discrepancy.pk).update(closed_at=timezone.now())
    assert ALL_SYNCED in alice_client.get("/invoices/").content.decode()


def test_octopus_says_the_next_sync_pushes_a_changed_invoice(
    alice_client, octopus_integration, acme
):
    synced_invoice(acme, state=Invoice.SyncState.CHANGED)
    page = alice_client.get("/invoices/").content.decode()
    assert "1 invoice changed since sync is pushed by the next sync" in page


def test_a_run_with_nothing_new_but_a_changed_invoice_is_not_all_well(
    yuki, yuki_integration, acme, alice
):
    invoice = synced_invoice(acme, state=Invoice.SyncState.CHANGED)
    ExternalRecord.objects.create(
        integration=yuki_integration,
        kind=ExternalRecord.Kind.INVOICE,
        invoice=invoice,
        state=ExternalRecord.State.SYNCED,
        remote_id="yuki-1",
        remote_number="V-2026-0001",
    )
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    assert run.status == SyncRun.Status.SUCCEEDED
    note = Notification.objects.get(recipient=alice)
    assert note.title.startswith("No changes")
    assert note.level == Notification.Level.WARNING
    assert "Needs attention: 1 invoice changed since sync is not in the tool as here." in note.body
    assert note.link == "/bookkeeping/reconciliation/"


def test_a_run_that_synced_everything_stays_a_success(yuki, yuki_integration, acme, alice):
    make_booked_invoice(acme, number="2026-0005")
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    note = Notification.objects.get(recipient=alice)
    assert note.level == Notification.Level.SUCCESS
    assert note.body == ""
