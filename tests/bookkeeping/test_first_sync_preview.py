"""The first-sync preview: Sync on an unconfirmed integration with history shows what the first
sync would send, link and refuse; only an admin's confirmation starts it."""

from __future__ import annotations

import datetime as dt

import pytest

from bookkeeping import first_sync
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import ExternalRecord, Integration, RecoveryAction, SyncRun
from invoicing.models import Invoice
from tests.bookkeeping.test_fourth_tool import ledgerly, ledgerly_integration  # noqa: F401
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

PREVIEW = "/bookkeeping/sync/preview/"
CONFIRM = "/bookkeeping/sync/preview/confirm/"


@pytest.fixture
def new_integration(yuki, yuki_integration):
    """Yuki just connected: its first sync not confirmed yet."""
    Integration.objects.filter(pk=yuki_integration.pk).update(first_sync_confirmed=False)
    yuki_integration.refresh_from_db()
    yuki_integration.yuki_sim = yuki
    return yuki_integration


@pytest.fixture
def history(acme):
    """Three booked invoices (each 2x100 at 21% + 50 at 6%: 295.00): one new to the tool, one
    the tool holds as it is, one whose number the tool holds for another total."""
    brasserie = CustomerFactory(company=acme, name="Brasserie du Parc", code="BRAS01")
    return {
        "new": make_booked_invoice(acme, number="2026-0001", customer=brasserie),
        "held": make_booked_invoice(acme, number="2026-0002", customer=brasserie),
        "conflict": make_booked_invoice(acme, number="2026-0003", customer=brasserie),
    }


def hold_in_books(integration, invoice, *, total, code="BRAS01"):
    """An invoice keyed by hand in Yuki under the invoice's reference; returns its document id."""
    return integration.yuki_sim.add_hand_keyed_invoice(
        reference=get_connector(integration).reference(invoice),
        total=total,
        contact_code=code,
        contact_name="Brasserie du Parc" if code == "BRAS01" else "Someone Else",
        date=invoice.invoice_date,
    )


def test_sync_shows_the_preview_instead_of_syncing_an_unconfirmed_integration(
    alice_client, new_integration, history
):
    response = alice_client.post("/bookkeeping/sync/", HTTP_REFERER="/invoices/")
    assert response.status_code == 302
    assert response["Location"] == PREVIEW
    assert not SyncRun.objects.exists()


def test_a_confirmed_integration_syncs_without_a_preview(alice_client, yuki_integration, history):
    response = alice_client.post("/bookkeeping/sync/", HTTP_REFERER="/invoices/")
    assert response["Location"] == "/invoices/"
    assert SyncRun.objects.filter(integration=yuki_integration).count() == 1


def test_nothing_to_send_needs_no_preview(alice_client, new_integration):
    assert not first_sync.needs_preview(new_integration)
    response = alice_client.post("/bookkeeping/sync/", HTTP_REFERER="/invoices/")
    assert response["Location"] == "/invoices/"


def test_the_preview_counts_what_to_send_link_and_what_conflicts(
    alice_client, new_integration, history
):
    hold_in_books(new_integration, history["held"], total="295.00")
    document = hold_in_books(new_integration, history["conflict"], total="999.00")
    response = alice_client.get(PREVIEW)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>1</strong> invoice to send" in page
    assert "<strong>1</strong> already in Yuki to link" in page
    assert "<strong>1</strong> conflict (same number, another customer or total)" in page
    conflicts = page.split('id="conflicts"')[1]
    assert "2026-0003" in conflicts
    assert f"Booking {document}" in conflicts
    assert "its total is €999.00, not €295.00" in conflicts
    assert "2026-0002" in page.split('id="to-link"')[1].split('id="conflicts"')[0]
    assert "Confirm and sync" in page
    # The customer was never synced: compared by its code, and the page says so.
    assert "compared by their customer code" in page


def test_an_entry_of_another_customer_is_a_conflict(new_integration, history):
    hold_in_books(new_integration, history["held"], total="295.00", code="OTHER9")
    preview = first_sync.build_preview(new_integration)
    assert [row.invoice.number for row in preview.conflicts] == ["2026-0002"]
    assert "its customer is OTHER9" in str(preview.conflicts[0].differences[0])


def test_a_synced_customer_is_compared_by_its_key_in_the_tool(new_integration, history, yuki):
    hold_in_books(new_integration, history["held"], total="295.00")
    [contact] = [c for c in yuki.contacts.values() if c["Code"] == "BRAS01"]
    ExternalRecord.objects.create(
        integration=new_integration,
        kind=ExternalRecord.Kind.CUSTOMER,
        customer=history["held"].customer,
        state=ExternalRecord.State.SYNCED,
        remote_id=contact["ID"],
        remote_number="BRAS01",
    )
    preview = first_sync.build_preview(new_integration)
    assert [row.invoice.number for row in preview.to_link] == ["2026-0002"]
    assert not preview.compared_by_code


def test_a_tool_that_cannot_be_read_back_is_previewed_without_the_books(
    request, alice_client, history
):
    # Ledgerly, the tool defined by tests/bookkeeping/test_fourth_tool.py, reads nothing back.
    request.getfixturevalue("ledgerly_integration")
    page = alice_client.get(PREVIEW).content.decode()
    assert "<strong>3</strong> invoices to send" in page
    assert "already in Ledgerly to link" not in page
    assert "Ledgerly cannot be read back by Booksync yet" in page


def test_invoices_before_the_start_date_are_not_in_the_preview(new_integration, history, acme):
    make_booked_invoice(acme, number="2025-0099", invoice_date=dt.date(2025, 12, 1))
    new_integration.sync_from = dt.date(2026, 1, 1)
    new_integration.save()
    numbers = [row.invoice.number for row in first_sync.build_preview(new_integration).to_send]
    assert "2025-0099" not in numbers


def test_the_admin_confirms_and_the_sync_starts(alice_client, alice, new_integration, history):
    response = alice_client.post(CONFIRM, {"summary": "3 to send"})
    assert response.status_code == 302
    assert response["Location"] == "/invoices/"
    new_integration.refresh_from_db()
    assert new_integration.first_sync_confirmed
    action = RecoveryAction.objects.get(integration=new_integration)
    assert action.action == RecoveryAction.Action.CONFIRM_FIRST_SYNC
    assert action.user == alice
    assert action.detail == "3 to send"
    run = SyncRun.objects.get(integration=new_integration)
    assert run.trigger == SyncRun.Trigger.MANUAL
    assert run.started_by == alice
    # The next press of Sync syncs at once.
    assert not first_sync.needs_preview(new_integration)


def test_members_see_the_preview_but_cannot_confirm(bob_client, new_integration, history):
    page = bob_client.get(PREVIEW).content.decode()
    assert "3</strong> invoices to send" in page
    assert "Confirm and sync" not in page
    assert "A company admin confirms the first sync." in page
    response = bob_client.post(CONFIRM)
    assert response.status_code in (403, 404)
    new_integration.refresh_from_db()
    assert not new_integration.first_sync_confirmed
    assert not RecoveryAction.objects.exists()
    assert not SyncRun.objects.exists()


def test_another_company_sees_no_preview_of_acme(charlie_client, new_integration, history):
    response = charlie_client.get(PREVIEW)
    assert response.status_code == 302
    assert "2026-0001" not in response.content.decode()


def test_the_preview_of_a_confirmed_integration_leads_back_to_the_overview(
    alice_client, yuki_integration, history
):
    assert alice_client.get(PREVIEW)["Location"] == "/invoices/"
    assert alice_client.post(CONFIRM)["Location"] == "/invoices/"
    assert not RecoveryAction.objects.exists()


def test_an_invoice_already_synced_is_not_sent_again(new_integration, history):
    ExternalRecord.objects.create(
        integration=new_integration,
        kind=ExternalRecord.Kind.INVOICE,
        invoice=history["new"],
        state=ExternalRecord.State.SYNCED,
        remote_id="x",
    )
    Invoice.objects.filter(pk=history["new"].pk).update(booking_number="V1")
    numbers = [row.invoice.number for row in first_sync.build_preview(new_integration).to_send]
    assert numbers == ["2026-0002", "2026-0003"]
