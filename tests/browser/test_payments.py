"""In the browser: alice adds the Paid column and filters open, overdue and paid invoices."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.browser

Status = Invoice.PaymentStatus


def booked(acme, number, customer, status, open_amount, *, due_in_days, paid_at=None):
    """A booked invoice whose payment status is set as the tool's read would set it."""
    invoice = make_booked_invoice(acme, number=number, customer=customer)
    Invoice.objects.filter(pk=invoice.pk).update(
        booking_number=f"VF-{number[-4:]}",
        sync_state=Invoice.SyncState.SYNCED,
        payment_status=status,
        open_amount=open_amount,
        paid_at=paid_at,
        payment_read_at=timezone.now(),
        due_date=timezone.localdate() + dt.timedelta(days=due_in_days),
    )
    return invoice


def numbers_shown(page) -> set[str]:
    cells = page.locator("table.invoice-table tbody tr td:first-child").all_inner_texts()
    return {cell.strip() for cell in cells}


def test_alice_adds_the_paid_column_and_filters_by_payment(
    page, live_server, login, alice, acme, shoot
):
    klok = CustomerFactory(company=acme, name="Brouwerij De Klok")
    peeters = CustomerFactory(company=acme, name="Garage Peeters")
    booked(acme, "2026-0001", klok, Status.PAID, Decimal("0.00"), due_in_days=-20,
           paid_at=dt.date(2026, 11, 20))  # fmt: skip
    booked(acme, "2026-0002", peeters, Status.PARTLY_PAID, Decimal("40.00"), due_in_days=-3)
    booked(acme, "2026-0003", klok, Status.OPEN, Decimal("263.00"), due_in_days=12)
    login("alice")

    page.get_by_label("Choose columns").click()
    page.get_by_label("Paid", exact=True).check()
    page.get_by_role("button", name="Save columns").click()
    # The choice is saved once the overview says so (a reload before would race the form post).
    expect(page.get_by_text("Columns saved.")).to_be_visible()
    page.reload()

    expect(page.get_by_role("columnheader", name="Paid", exact=True)).to_be_visible()
    paid_cell = "td[data-column=payment]"
    expect(
        page.get_by_role("row", name=re.compile("2026-0001")).locator(paid_cell)
    ).to_contain_text("Paid")
    expect(page.get_by_role("row", name=re.compile("2026-0002")).locator(paid_cell)).to_have_text(
        re.compile(r"Partly paid\s*·\s*€40\.00 open\s*·\s*overdue")
    )
    expect(page.get_by_role("row", name=re.compile("2026-0003")).locator(paid_cell)).to_have_text(
        re.compile(r"Open\s*·\s*€263\.00 open\s*$")
    )
    shoot("overview-paid-column")

    for choice, expected in [
        ("Open", {"2026-0002", "2026-0003"}),
        ("Overdue", {"2026-0002"}),
        ("Paid", {"2026-0001"}),
    ]:
        page.get_by_label("Payment").select_option(label=choice)
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(rf"payment={choice.lower()}"))
        expect(page.locator("table.invoice-table tbody tr")).to_have_count(len(expected))
        assert numbers_shown(page) == expected
        # The column stays chosen after the filter.
        expect(page.get_by_role("columnheader", name="Paid", exact=True)).to_be_visible()
