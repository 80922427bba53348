"""Paid or not, for Exact Online: the payment status of synced invoices read from the tool's
receivables. Through the real parts: the simulator over HTTP, the database, `sync_company` and
`manage.py reconcile`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import ExternalRecord
from bookkeeping.payments import refresh_payments
from invoicing.models import Invoice
from tests.bookkeeping.test_reconcile_exact_online import reconcile, seed_synced_invoices, sync
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

Status = Invoice.PaymentStatus
TOTAL = Decimal("295.00")  # make_booked_invoice: 2 x 100.00 at 21 % and 50.00 at 6 %
RECEIVABLES = "GET bulk/Cashflow/Receivables"


def status_of(invoice: Invoice) -> tuple[str, Decimal | None, dt.date | None]:
    invoice.refresh_from_db()
    return invoice.payment_status, invoice.open_amount, invoice.paid_at


@pytest.fixture
def invoices(acme, exact_online, exact_online_integration):
    """Three invoices of one customer, booked in Exact Online by a sync."""
    customer = CustomerFactory(company=acme)
    made = [make_booked_invoice(acme, number=f"2026-000{n}", customer=customer) for n in (1, 2, 3)]
    sync(acme)
    synced = ExternalRecord.objects.filter(
        kind=ExternalRecord.Kind.INVOICE, state=ExternalRecord.State.SYNCED
    )
    assert synced.count() == 3
    return made


def test_a_sync_reads_paid_partly_paid_and_open_from_the_receivables(exact_online, invoices):
    paid, partly, still_open = invoices
    assert [status_of(invoice)[0] for invoice in invoices] == [Status.OPEN] * 3

    exact_online.pay(paid.number, date=dt.date(2026, 12, 1))
    # A split payment: two partial payments, each its own paid term, the rest one open term.
    exact_online.pay(partly.number, amount="60.00", date=dt.date(2026, 12, 2))
    exact_online.pay(partly.number, amount="40.00", date=dt.date(2026, 12, 3))
    sync(paid.company)

    assert status_of(paid) == (Status.PAID, Decimal("0.00"), dt.date(2026, 12, 1))
    assert status_of(partly) == (Status.PARTLY_PAID, Decimal("195.00"), None)
    assert status_of(still_open) == (Status.OPEN, TOTAL, None)
    assert exact_online.count(operation=RECEIVABLES) >= 1


def test_the_receivables_of_a_paid_and_a_partly_paid_entry_follow_the_facts(
    exact_online, exact_online_integration, invoices
):
    paid, partly, _ = invoices
    exact_online.pay(paid.number, date=dt.date(2026, 12, 1))
    exact_online.pay(partly.number, amount="100.00", date=dt.date(2026, 12, 2))
    connector = get_connector(exact_online_integration)

    def rows(entity: str, select: str) -> list[dict]:
        response = connector.request("GET", connector._path(entity), params={"$select": select})
        return connector._entity(response)["results"]

    listed = rows("read/financial/ReceivablesList", "YourRef,Amount")
    terms = rows("cashflow/Receivables", "YourRef,AmountDC,IsFullyPaid,Status,LastPaymentDate")

    # ReceivablesList: open items only, the paid entry is absent, the partly paid one has its rest.
    assert sorted((row["YourRef"], row["Amount"]) for row in listed) == [
        (partly.number, 195.0),
        ("2026-0003", 295.0),
    ]
    by_reference: dict[str, list[tuple]] = {}
    for row in terms:
        by_reference.setdefault(row["YourRef"], []).append(
            (row["AmountDC"], row["IsFullyPaid"], row["Status"], bool(row["LastPaymentDate"]))
        )
    assert by_reference[paid.number] == [(295.0, True, 50, True)]
    assert by_reference[partly.number] == [(100.0, True, 50, True), (195.0, False, 20, True)]
    assert by_reference["2026-0003"] == [(295.0, False, 20, False)]


def test_a_credit_note_makes_its_invoice_paid_only_once_the_tool_matched_them(
    exact_online, invoices
):
    invoice = invoices[0]
    credit_note = make_booked_invoice(
        invoice.company,
        number="2026-C001",
        customer=invoice.customer,
        kind=Invoice.Kind.CREDIT_NOTE,
    )
    Invoice.objects.filter(pk=credit_note.pk).update(credited_invoice=invoice)
    sync(invoice.company)
    assert len(exact_online.bookings("2026-C001")) == 1

    status, output = reconcile()
    assert status == 0, output
    # It fully credits the invoice, but the tool has not matched them: both are still open.
    assert status_of(invoice) == (Status.OPEN, TOTAL, None)
    assert status_of(credit_note) == (Status.OPEN, TOTAL, None)

    exact_online.match_credit_note(invoice.number, "2026-C001", date=dt.date(2026, 12, 5))
    status, output = reconcile()

    assert status == 0, output
    assert status_of(invoice) == (Status.PAID, Decimal("0.00"), dt.date(2026, 12, 5))
    assert status_of(credit_note) == (Status.PAID, Decimal("0.00"), dt.date(2026, 12, 5))
    assert status_of(invoices[1])[0] == Status.OPEN


def test_a_partial_credit_note_matched_leaves_the_rest_of_the_invoice_open(exact_online, invoices):
    invoice = invoices[0]
    credit_note = make_booked_invoice(
        invoice.company,
        number="2026-C002",
        customer=invoice.customer,
        kind=Invoice.Kind.CREDIT_NOTE,
        lines=[("1", "100.00", "21", "")],
    )
    sync(invoice.company)

    exact_online.match_credit_note(invoice.number, credit_note.number)
    reconcile()

    assert status_of(invoice)[:2] == (Status.PARTLY_PAID, Decimal("174.00"))
    assert status_of(credit_note)[:2] == (Status.PAID, Decimal("0.00"))


def test_a_payment_refresh_of_1000_invoices_costs_one_call_per_40(
    acme, exact_online, exact_online_integration
):
    seed_synced_invoices(acme, exact_online_integration, exact_online, 1000)
    for n in range(1, 1001, 10):
        exact_online.pay(f"2026-{n:04d}", date=dt.date(2026, 12, 1))
    for n in range(2, 1001, 10):
        exact_online.pay(f"2026-{n:04d}", amount="21.00")
        exact_online.pay(f"2026-{n:04d}", amount="50.00")
    exact_online.reset_calls()

    status, output = reconcile()
    calls = exact_online.count(operation=RECEIVABLES)

    print(f"payment refresh of 1,000 invoices: {calls} calls")
    assert status == 0, output
    assert calls <= 1000 / 40 + 2
    counts = {
        status: Invoice.objects.filter(company=acme, payment_status=status).count()
        for status in Status
    }
    assert counts == {
        Status.UNKNOWN: 0,
        Status.OPEN: 800,
        Status.PARTLY_PAID: 100,
        Status.PAID: 100,
    }
    partly = Invoice.objects.get(number="2026-0002")
    assert partly.open_amount == Decimal("50.00")
    # The refresh counts what it cost, as the tool saw it.
    exact_online.reset_calls()
    refresh = refresh_payments(exact_online_integration, get_connector(exact_online_integration))
    assert refresh.calls == exact_online.count(operation=RECEIVABLES) == calls
    assert (refresh.invoices, refresh.paid) == (1000, 100)


def test_an_invoice_whose_entry_is_gone_from_the_tool_is_not_taken_for_paid(
    exact_online, exact_online_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0001")
    sync(acme, alice)
    invoice.refresh_from_db()
    assert invoice.payment_status == Invoice.PaymentStatus.OPEN
    exact_online.delete_booking("2026-0001")

    sync(acme, alice)

    invoice.refresh_from_db()
    assert invoice.payment_status == Invoice.PaymentStatus.UNKNOWN
    assert exact_online.count(operation="GET bulk/Cashflow/Receivables") >= 1
    assert invoice.open_amount is None


def test_a_payment_reply_that_cannot_be_read_leaves_the_run_and_its_bookings_alone(
    exact_online, exact_online_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0001")
    receivables = f"/api/v1/{exact_online_integration.target_id}/bulk/Cashflow"
    exact_online.fail_next("GET", receivables, kind="malformed", times=10)

    run = sync(acme, alice)

    assert run.status == "succeeded", str(run.summary)
    invoice.refresh_from_db()
    assert invoice.booking_number
    assert invoice.payment_status == Invoice.PaymentStatus.UNKNOWN
    assert exact_online.count(operation="GET bulk/Cashflow/Receivables") >= 1


def test_a_payment_refresh_reads_its_invoices_a_slice_at_a_time(
    acme, exact_online, exact_online_integration
):
    """A worker holds one slice of invoices in memory, not every synced invoice of the company:
    250 invoices in slices of 100 are read as 100 + 100 + 50 references (3 + 3 + 2 calls of at
    most 40), and each gets its status."""
    seed_synced_invoices(acme, exact_online_integration, exact_online, 250)
    for n in range(1, 251, 5):
        exact_online.pay(f"2026-{n:04d}", date=dt.date(2026, 12, 1))
    connector = get_connector(exact_online_integration)
    connector.payment_references_per_read = 100
    exact_online.reset_calls()

    refresh = refresh_payments(exact_online_integration, connector)

    assert exact_online.count(operation=RECEIVABLES) == refresh.calls == 8
    assert (refresh.invoices, refresh.paid) == (250, 50)
    assert Invoice.objects.filter(company=acme, payment_status=Status.OPEN).count() == 200


def test_many_invoices_that_change_alike_are_read_right(
    acme, exact_online, exact_online_integration
):
    """Invoices whose status changes alike are saved together (a first sync: all open for their
    whole total; a day of payments: all paid that day); each still gets its own facts."""
    customer = CustomerFactory(company=acme)
    made = [make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer) for n in range(50)]
    sync(acme)
    assert {status_of(invoice) for invoice in made} == {(Status.OPEN, TOTAL, None)}
    read_first = Invoice.objects.get(pk=made[0].pk).payment_read_at

    for invoice in made[:30]:
        exact_online.pay(invoice.number, date=dt.date(2026, 12, 1))
    exact_online.pay(made[30].number, amount="95.00", date=dt.date(2026, 12, 2))
    sync(acme)

    assert {status_of(invoice) for invoice in made[:30]} == {
        (Status.PAID, Decimal("0.00"), dt.date(2026, 12, 1))
    }
    assert status_of(made[30]) == (Status.PARTLY_PAID, Decimal("200.00"), None)
    assert {status_of(invoice) for invoice in made[31:]} == {(Status.OPEN, TOTAL, None)}
    # Unchanged or not, every invoice says when its status was read.
    assert Invoice.objects.get(pk=made[40].pk).payment_read_at > read_first
