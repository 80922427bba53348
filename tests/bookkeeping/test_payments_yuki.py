"""Paid or not, on Yuki: the payment status comes back from Yuki's open debtor items
(`OutstandingDebtorItems`, one call for the administration), through the real parts: the
simulator over HTTP, the database, the sync and `manage.py reconcile`."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from bookkeeping import payments
from bookkeeping.connectors.registry import get_connector
from bookkeeping.connectors.yuki.books import DAILY_QUOTA
from bookkeeping.models import SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

Status = Invoice.PaymentStatus


def sync(company, user):
    run = sync_company(company, trigger=SyncRun.Trigger.MANUAL, user=user)
    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    return run


def reconcile(slug: str = "acme") -> str:
    """The output of `manage.py reconcile` (it exits 1 on a discrepancy: the books agree here)."""
    out = io.StringIO()
    call_command("reconcile", slug, stdout=out)
    return out.getvalue()


def status_of(invoice: Invoice) -> tuple[str, Decimal | None]:
    invoice.refresh_from_db()
    return invoice.payment_status, invoice.open_amount


def test_paid_partly_paid_and_open_invoices_after_a_sync(yuki, yuki_integration, acme, alice):
    paid, partly, unpaid = (
        make_booked_invoice(acme, number=f"2026-000{n}") for n in (1, 2, 3)
    )  # 295.00 EUR each
    sync(acme, alice)
    assert status_of(unpaid) == (Status.OPEN, Decimal("295.00"))

    yuki.pay("2026-0001")
    yuki.pay("2026-0002", "100.00")
    yuki.reset_calls()
    sync(acme, alice)

    assert status_of(paid) == (Status.PAID, Decimal("0.00"))
    assert status_of(partly) == (Status.PARTLY_PAID, Decimal("195.00"))
    assert status_of(unpaid) == (Status.OPEN, Decimal("295.00"))
    assert unpaid.payment_read_at is not None
    assert yuki.count(operation="OutstandingDebtorItems") == 1
    assert yuki.count(operation="CheckOutstandingItem") == 0


def test_a_reconcile_reads_the_payment_status_too(yuki, yuki_integration, acme, alice):
    invoice = make_booked_invoice(acme, number="2026-0001")
    sync(acme, alice)
    yuki.pay("2026-0001")

    reconcile()

    assert status_of(invoice) == (Status.PAID, Decimal("0.00"))


def test_a_crediting_credit_note_makes_the_invoice_paid_only_once_matched_in_yuki(
    yuki, yuki_integration, acme, alice
):
    customer = CustomerFactory(company=acme)
    invoice = make_booked_invoice(acme, number="2026-0001", customer=customer)
    credit_note = make_booked_invoice(
        acme, number="CN-2026-0001", customer=customer, kind=Invoice.Kind.CREDIT_NOTE
    )
    credit_note.credited_invoice = invoice
    credit_note.save()
    sync(acme, alice)
    [booked] = yuki.bookings("CN-2026-0001")
    assert booked["openamount"] == Decimal("-295.00")  # Yuki's sign of a credit note

    reconcile()  # not matched yet: both are open items of Yuki
    assert status_of(invoice) == (Status.OPEN, Decimal("295.00"))
    assert status_of(credit_note) == (Status.OPEN, Decimal("295.00"))

    yuki.match_credit_note("2026-0001", "CN-2026-0001")
    reconcile()

    assert status_of(invoice) == (Status.PAID, Decimal("0.00"))
    assert status_of(credit_note) == (Status.PAID, Decimal("0.00"))


def test_split_items_of_one_reference_are_summed(yuki, yuki_integration, acme, alice):
    invoice = make_booked_invoice(acme, number="2026-0001")
    sync(acme, alice)
    yuki.pay("2026-0001", "200.00")  # 95.00 left on the booked item
    # A second open item under the same Reference (Yuki: "reference by Invoice Number might
    # return several items").
    yuki.add_hand_keyed_invoice(
        reference="2026-0001", total="50.00", contact_code=invoice.customer.code
    )

    read = get_connector(yuki_integration).read_payments(["2026-0001", "2026-9999"])

    assert sorted(item.open_amount for item in read.open_items["2026-0001"]) == [
        Decimal("50.00"),
        Decimal("95.00"),
    ]
    assert "2026-9999" not in read.open_items  # not open (or not in Yuki): paid
    assert all(item.due_date == invoice.due_date for item in read.open_items["2026-0001"][:1])
    payments.refresh_payments(yuki_integration, get_connector(yuki_integration))
    assert status_of(invoice) == (Status.PARTLY_PAID, Decimal("145.00"))


def test_digits_only_references_are_matched_as_sent(yuki, yuki_integration, acme, alice):
    yuki_integration.set_credentials(
        {**yuki_integration.credentials, "digits_only_reference": True}
    )
    customer = CustomerFactory(company=acme)
    invoice = make_booked_invoice(acme, number="2026-0001", customer=customer)
    other = make_booked_invoice(acme, number="2026-0002", customer=customer)
    sync(acme, alice)
    assert yuki.bookings("20260001")

    yuki.pay("20260001", "95.00")
    reconcile()

    assert status_of(invoice) == (Status.PARTLY_PAID, Decimal("200.00"))
    assert status_of(other) == (Status.OPEN, Decimal("295.00"))


def test_a_payment_refresh_of_1000_synced_invoices_costs_two_calls(
    yuki, yuki_integration, acme, alice
):
    customer = CustomerFactory(company=acme)
    for n in range(1, 1001):
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer)
    sync(acme, alice)
    seeding = yuki.count(operation="ProcessSalesInvoices")
    assert seeding == 10
    for n in range(1, 301):
        yuki.pay(f"2026-{n:04d}")
    for n in range(301, 401):
        yuki.pay(f"2026-{n:04d}", "95.00")
    yuki.expire_tokens()  # the worst case: the cached session has expired
    yuki.reset_calls()

    refresh = payments.refresh_payments(yuki_integration, get_connector(yuki_integration))

    calls = len(yuki.calls)
    operations = sorted({call.operation for call in yuki.calls})
    print(
        f"\nYuki: seeding 1,000 invoices: {seeding} ProcessSalesInvoices calls; a payment refresh "
        f"of {refresh.invoices} invoices: {calls} calls ({', '.join(operations)}), "
        f"{100 * calls / DAILY_QUOTA:.1f}% of the daily quota of {DAILY_QUOTA}"
    )
    assert (refresh.invoices, refresh.paid, refresh.calls) == (1000, 300, calls)
    assert calls <= 1000 / 40 + 2
    assert calls == 2  # Authenticate, OutstandingDebtorItems
    assert yuki.write_calls == 0
    counts = {
        status: Invoice.objects.filter(company=acme, payment_status=status).count()
        for status in (Status.PAID, Status.PARTLY_PAID, Status.OPEN)
    }
    assert counts == {Status.PAID: 300, Status.PARTLY_PAID: 100, Status.OPEN: 600}
