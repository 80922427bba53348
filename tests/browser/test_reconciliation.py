"""In the browser: alice fixes what the books and Booksync disagree on in the recovery console."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from bookkeeping.models import BookEntry, Discrepancy, ExternalRecord, SyncIssue, SyncRun
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.browser

MISSING = "Invoice 2026-0001 is synced as 90001 but Exact Online no longer holds that booking."
REFUSED = "Exact Online answers that reference 2026-0002 already exists."


def missing_in_tool(company, integration) -> Invoice:
    """Synced once, then deleted in Exact Online: the reconcile found it missing."""
    invoice = make_booked_invoice(
        company,
        number="2026-0001",
        customer=CustomerFactory(company=company, name="Garage Lenaerts"),
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        booking_number="90001", sync_state=Invoice.SyncState.SYNCED
    )
    ExternalRecord.objects.create(
        integration=integration,
        invoice=invoice,
        kind=ExternalRecord.Kind.INVOICE,
        state=ExternalRecord.State.SYNCED,
        remote_id="guid-deleted",
        remote_number="90001",
    )
    Discrepancy.objects.create(
        integration=integration,
        invoice=invoice,
        kind=Discrepancy.Kind.MISSING_IN_TOOL,
        message=MISSING,
        hint="If it was deleted on purpose, choose “Never send”; otherwise “Send again”.",
    )
    return invoice


def failed_but_in_the_books(company, integration) -> Invoice:
    """Refused by the tool, which holds an entry under its number (keyed by hand)."""
    invoice = make_booked_invoice(
        company,
        number="2026-0002",
        customer=CustomerFactory(company=company, name="Atelier Verbeke"),
    )
    run = SyncRun.objects.create(
        integration=integration,
        company=company,
        trigger=SyncRun.Trigger.MANUAL,
        status=SyncRun.Status.FAILED,
    )
    SyncIssue.objects.create(
        run=run,
        invoice=invoice,
        kind=SyncIssue.Kind.REJECTED,
        message=REFUSED,
        hint="Link the entry if it is this invoice.",
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        sync_state=Invoice.SyncState.FAILED, sync_message=REFUSED
    )
    BookEntry.objects.create(
        integration=integration,
        remote_id="guid-by-hand",
        number="90002",
        reference="2026-0002",
        total=Decimal(invoice.total),
        date=invoice.invoice_date,
        customer_name="Atelier Verbeke",
    )
    return invoice


def test_alice_links_one_invoice_and_marks_another_booked_by_hand(
    page, live_server, login, acme, alice, exact_online_integration, shoot
):
    missing = missing_in_tool(acme, exact_online_integration)
    failed = failed_but_in_the_books(acme, exact_online_integration)
    login("alice")

    page.get_by_label("Sync", exact=True).select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Fix in the reconciliation console").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Reconciliation with Exact Online")
    deleted = page.get_by_role("region", name=re.compile(r"^Invoice 2026-0001"))
    refused = page.get_by_role("region", name=re.compile(r"^Invoice 2026-0002"))
    expect(deleted).to_contain_text(MISSING)
    expect(refused).to_contain_text(REFUSED)
    expect(refused.get_by_label(re.compile(r"Entry 90002"))).to_be_checked()
    shoot("reconciliation-console")

    refused.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Invoice 2026-0002 is linked to booking 90002 in Exact Online."
    )
    deleted.get_by_label("Booking number in Exact Online").fill("90117")
    deleted.get_by_role("button", name="Mark as booked by hand").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Invoice 2026-0001 is marked as booked by hand as 90117."
    )
    expect(
        page.get_by_text("The books agree: no open discrepancy and no failed invoice.")
    ).to_be_visible()
    shoot("reconciliation-console-done")
    page.get_by_role("link", name="Sync history", exact=True).click()
    actions = page.get_by_role("region", name="Recovery actions")
    expect(actions.get_by_role("row", name=re.compile("Marked as booked by hand"))).to_contain_text(
        "alice"
    )
    expect(actions.get_by_role("row", name=re.compile("Linked to an entry"))).to_contain_text(
        "2026-0002"
    )
    missing.refresh_from_db()
    failed.refresh_from_db()
    assert (missing.booking_number, missing.sync_state) == ("90117", "synced")
    assert (failed.booking_number, failed.sync_state) == ("90002", "synced")
