"""In the browser: Sync on a newly connected integration with history shows the first-sync
preview; the admin confirms it, and the sync runs on a real worker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bookkeeping.models import Integration, RecoveryAction, SyncRun
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SYNC_TIMEOUT = 45_000


def test_pressing_sync_on_a_new_integration_previews_then_the_admin_confirms(
    page, live_server, login, acme, alice, yuki, yuki_integration, celery_worker, shoot
):
    Integration.objects.filter(pk=yuki_integration.pk).update(first_sync_confirmed=False)
    customer = CustomerFactory(company=acme, name="Brasserie du Parc", code="BRAS01")
    invoices = [
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer) for n in (1, 2, 3)
    ]
    # Keyed by hand in Yuki before Booksync was connected: linked, never booked twice.
    keyed = yuki.add_hand_keyed_invoice(
        reference="2026-0003",
        total=invoices[2].total,
        contact_code="BRAS01",
        contact_name="Brasserie du Parc",
        date=invoices[2].invoice_date,
    )
    login("alice")

    page.locator("[data-sync-button]").click()
    page.wait_for_url(f"{live_server.url}/bookkeeping/sync/preview/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("First sync to Yuki")
    expect(page.locator("#preview-counts")).to_contain_text("2 invoices to send")
    expect(page.locator("#preview-counts")).to_contain_text("1 already in Yuki to link")
    to_send = page.locator("#to-send")
    for invoice in invoices[:2]:
        expect(to_send.get_by_role("row", name=re.compile(invoice.number))).to_be_visible()
    expect(
        page.locator("#to-link").get_by_role("row", name=re.compile("2026-0003"))
    ).to_be_visible()
    shoot("first-sync-preview")
    assert not SyncRun.objects.exists()

    page.get_by_role("button", name="Confirm and sync").click()
    page.wait_for_url(f"{live_server.url}/invoices/")
    expect(page.locator("[data-sync-progress]")).to_be_hidden(timeout=SYNC_TIMEOUT)
    wait_for(
        lambda: SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED).exists(),
        timeout=SYNC_TIMEOUT / 1000,
    )
    assert RecoveryAction.objects.filter(action=RecoveryAction.Action.CONFIRM_FIRST_SYNC).exists()
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.sync_state == Invoice.SyncState.SYNCED
        assert len(yuki.bookings(invoice.number)) == 1
    assert invoices[2].booking_number == keyed
    page.reload()
    expect(page.locator(".sync-panel")).to_contain_text("Everything booked is synced")
