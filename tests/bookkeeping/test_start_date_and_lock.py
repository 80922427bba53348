"""Settings page: "Sync invoices dated from" (never sent before it, marked at once) and the
company's lock on booked invoices (on by default for tools that do not take edits)."""

from __future__ import annotations

import datetime as dt

import pytest

from bookkeeping import integrations
from bookkeeping.models import ExternalRecord, SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Company, Invoice
from notifications.models import Notification
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

START = "/bookkeeping/settings/start-date/"
LOCK = "/bookkeeping/settings/lock/"


def invoices_around(company):
    customer = CustomerFactory(company=company, name="Garage Lenaerts")
    return {
        "old": make_booked_invoice(
            company, number="2025-0001", customer=customer, invoice_date=dt.date(2025, 11, 3)
        ),
        "older": make_booked_invoice(
            company, number="2025-0002", customer=customer, invoice_date=dt.date(2025, 12, 30)
        ),
        "new": make_booked_invoice(
            company, number="2026-0001", customer=customer, invoice_date=dt.date(2026, 1, 5)
        ),
    }


def states(invoices):
    return {key: Invoice.objects.get(pk=inv.pk).sync_state for key, inv in invoices.items()}


# Start date -----------------------------------------------------------------------------------


def test_the_settings_page_offers_the_start_date_with_its_help(alice_client, yuki_integration):
    page = alice_client.get("/bookkeeping/settings/").content.decode()
    assert "Sync invoices dated from" in page
    assert 'name="sync_from"' in page
    assert "Invoices dated before this day are never sent" in page


def test_saving_the_start_date_marks_earlier_invoices_at_once(alice_client, yuki_integration, acme):
    invoices = invoices_around(acme)
    response = alice_client.post(START, {"sync_from": "2026-01-01"}, follow=True)
    page = response.content.decode()
    assert "2 invoices marked “Before the start date”" in page
    yuki_integration.refresh_from_db()
    assert yuki_integration.sync_from == dt.date(2026, 1, 1)
    assert states(invoices) == {
        "old": Invoice.SyncState.BEFORE_START,
        "older": Invoice.SyncState.BEFORE_START,
        "new": Invoice.SyncState.NOT_SYNCED,
    }
    overview = alice_client.get("/invoices/").content.decode()
    assert "Before the start date" in overview


def test_moving_the_start_date_back_releases_the_invoices_no_longer_before_it(
    alice_client, yuki_integration, acme
):
    invoices = invoices_around(acme)
    alice_client.post(START, {"sync_from": "2026-01-01"})
    response = alice_client.post(START, {"sync_from": "2025-12-01"}, follow=True)
    assert "1 invoice will be sent again by the next sync" in response.content.decode()
    assert states(invoices)["older"] == Invoice.SyncState.NOT_SYNCED
    assert states(invoices)["old"] == Invoice.SyncState.BEFORE_START
    alice_client.post(START, {"sync_from": ""})
    assert set(states(invoices).values()) == {Invoice.SyncState.NOT_SYNCED}


def test_a_start_date_leaves_synced_and_excluded_invoices_alone(yuki_integration, acme):
    invoices = invoices_around(acme)
    synced, excluded = invoices["old"], invoices["older"]
    Invoice.objects.filter(pk=synced.pk).update(
        booking_number="V1", sync_state=Invoice.SyncState.SYNCED
    )
    ExternalRecord.objects.create(
        integration=yuki_integration,
        kind=ExternalRecord.Kind.INVOICE,
        invoice=synced,
        state=ExternalRecord.State.SYNCED,
        remote_id="r1",
    )
    Invoice.objects.filter(pk=excluded.pk).update(sync_state=Invoice.SyncState.EXCLUDED)
    change = integrations.set_sync_from(yuki_integration, sync_from=dt.date(2026, 1, 1))
    assert change.before == 0
    assert states(invoices)["old"] == Invoice.SyncState.SYNCED
    assert states(invoices)["older"] == Invoice.SyncState.EXCLUDED


def test_the_sync_never_sends_invoices_before_the_start_date(
    alice_client, yuki, yuki_integration, acme, alice
):
    invoices = invoices_around(acme)
    alice_client.post(START, {"sync_from": "2026-01-01"})
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    assert run.invoices_booked == 1
    assert yuki.bookings("2025-0001") == []
    assert yuki.bookings("2025-0002") == []
    assert len(yuki.bookings("2026-0001")) == 1
    assert states(invoices)["old"] == Invoice.SyncState.BEFORE_START


def test_a_bad_start_date_is_refused_in_words(alice_client, yuki_integration):
    response = alice_client.post(START, {"sync_from": "next tuesday"}, follow=True)
    assert "Enter the start date as a date" in response.content.decode()
    yuki_integration.refresh_from_db()
    assert yuki_integration.sync_from is None


def test_members_cannot_save_the_start_date(bob_client, yuki_integration, acme):
    invoices = invoices_around(acme)
    response = bob_client.post(START, {"sync_from": "2026-01-01"})
    assert response.status_code in (403, 404)
    yuki_integration.refresh_from_db()
    assert yuki_integration.sync_from is None
    assert set(states(invoices).values()) == {Invoice.SyncState.NOT_SYNCED}


# Lock on booked invoices ------------------------------------------------------------------------


def lock_of(company):
    return Company.objects.get(pk=company.pk).lock_booked_invoices


@pytest.mark.parametrize(("tool", "locked"), [("yuki", True), ("octopus", False)])
def test_picking_a_tool_sets_the_lock_to_its_default(alice_client, acme, tool, locked):
    alice_client.post("/bookkeeping/settings/tool/", {"tool": tool})
    assert lock_of(acme) is locked


def test_an_admin_choice_of_the_lock_outlives_picking_another_tool(alice_client, acme):
    alice_client.post("/bookkeeping/settings/tool/", {"tool": "yuki"})
    assert lock_of(acme)
    response = alice_client.post(LOCK, {}, follow=True)
    assert "Booked invoices can be edited again." in response.content.decode()
    alice_client.post("/bookkeeping/settings/tool/", {"tool": "octopus", "confirm": "1"})
    alice_client.post("/bookkeeping/settings/tool/", {"tool": "yuki", "confirm": "1"})
    assert not lock_of(acme)


def test_the_settings_page_shows_and_changes_the_lock(alice_client, acme):
    page = alice_client.get("/bookkeeping/settings/").content.decode()
    assert "Lock booked invoices" in page
    assert "correct it with a credit note" in page
    alice_client.post(LOCK, {"lock_booked_invoices": "on"})
    assert lock_of(acme)
    page = alice_client.get("/bookkeeping/settings/").content.decode()
    assert (
        'name="lock_booked_invoices" aria-describedby="id_lock_booked_invoices_help" id="id_lock_booked_invoices" checked'
        in page
    )


def test_members_cannot_change_the_lock(bob_client, acme):
    assert bob_client.post(LOCK, {"lock_booked_invoices": "on"}).status_code in (403, 404)
    assert not lock_of(acme)


def test_the_demo_integrations_are_confirmed_and_locked_where_the_tool_takes_no_edits(db):
    from django.core.management import call_command

    call_command("seed_demo", invoices=1, verbosity=0)
    for slug, locked in (("demo-exact", True), ("demo-octopus", False), ("demo-yuki", True)):
        company = Company.objects.get(slug=slug)
        assert company.lock_booked_invoices is locked
        assert company.integrations.get(is_active=True).first_sync_confirmed
    assert not Notification.objects.exists()
