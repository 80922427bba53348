"""The books are the truth, for Exact Online: the sync links an entry keyed by hand instead of
booking it twice, and `manage.py reconcile` lists what changed in the tool behind Booksync's back.
Through the real parts: the simulator over HTTP, the database, `sync_company`, the command."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import Discrepancy, ExternalRecord, SyncIssue, SyncRun
from bookkeeping.simulators.exact_online import data
from bookkeeping.sync import sync_company
from invoicing.models import Invoice, InvoiceLine
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

NUMBER = "2026-0001"
TOTAL = Decimal("295.00")  # make_booked_invoice: 2 x 100.00 at 21 % and 50.00 at 6 %


def sync(company, user=None):
    return sync_company(company, trigger=SyncRun.Trigger.MANUAL, user=user)


def reconcile(slug: str = "acme") -> tuple[int, str]:
    """(exit status, output) of `manage.py reconcile`."""
    out = io.StringIO()
    try:
        call_command("reconcile", slug, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def sync_calls(sim) -> int:
    """The read-back calls the simulator served (both sync endpoints)."""
    return sum(
        sim.count(operation=operation)
        for operation in ("GET sync/Financial/TransactionLines", "GET sync/Deleted")
    )


@pytest.fixture
def invoice(acme):
    return make_booked_invoice(acme, number=NUMBER, customer=CustomerFactory(company=acme))


@pytest.fixture
def synced(exact_online, exact_online_integration, invoice):
    """The invoice booked in Exact Online by a sync."""
    sync(invoice.company)
    record = ExternalRecord.objects.get(invoice=invoice, state=ExternalRecord.State.SYNCED)
    assert len(exact_online.bookings(NUMBER)) == 1
    return record


# The sync links what the books already hold ------------------------------------------------


def test_an_invoice_keyed_by_hand_before_the_first_sync_is_linked_not_booked_again(
    exact_online, exact_online_integration, invoice
):
    entry_number = exact_online.add_hand_keyed_entry(
        reference=NUMBER,
        total=TOTAL,
        customer_code=invoice.customer.code,
        date=invoice.invoice_date,
    )

    sync(invoice.company)

    invoice.refresh_from_db()
    record = ExternalRecord.objects.get(invoice=invoice)
    assert record.state == ExternalRecord.State.SYNCED
    assert record.remote_number == invoice.booking_number == str(entry_number)
    assert len(exact_online.bookings(NUMBER)) == 1
    assert exact_online.count(operation="POST salesentry/SalesEntries") == 0


def test_an_entry_with_the_number_and_another_total_is_not_linked_and_nothing_is_booked(
    exact_online, exact_online_integration, invoice
):
    entry_number = exact_online.add_hand_keyed_entry(
        reference=NUMBER,
        total="300.00",
        customer_code=invoice.customer.code,
        date=invoice.invoice_date,
    )

    sync(invoice.company)

    invoice.refresh_from_db()
    issue = SyncIssue.objects.get(invoice=invoice)
    assert str(entry_number) in str(issue.message)
    assert "€300.00" in str(issue.message)
    assert "€295.00" in str(issue.message)
    assert invoice.booking_number == ""
    assert not ExternalRecord.objects.filter(
        invoice=invoice, state=ExternalRecord.State.SYNCED
    ).exists()
    assert len(exact_online.bookings(NUMBER)) == 1


# Reconcile: what changed in the tool behind Booksync's back --------------------------------


def test_a_booking_deleted_in_the_tool_is_missing_and_send_again_books_it_once(
    exact_online, synced, invoice
):
    exact_online.delete_booking(NUMBER)

    status, output = reconcile()

    assert status == 1
    assert any(line.startswith(f"missing_in_tool {NUMBER}") for line in output.splitlines())
    # What the console's "Send again" does: unlink, and the next sync books it once.
    ExternalRecord.objects.filter(invoice=invoice).delete()
    Invoice.objects.filter(pk=invoice.pk).update(
        sync_state=Invoice.SyncState.NOT_SYNCED, booking_number=""
    )
    sync(invoice.company)
    assert len(exact_online.bookings(NUMBER)) == 1
    assert reconcile()[0] == 0


def test_an_amount_changed_in_the_tool_is_a_mismatch_until_the_books_agree_again(
    exact_online, synced
):
    exact_online.change_amount(NUMBER, "300.00")

    status, output = reconcile()
    assert status == 1
    assert any(line.startswith(f"amount_mismatch {NUMBER}") for line in output.splitlines())

    exact_online.change_amount(NUMBER, TOTAL)
    status, output = reconcile()
    assert status == 0
    assert output.strip().splitlines()[-1].startswith("The books agree")


def test_a_discrepancy_closes_by_itself_when_a_later_reconcile_no_longer_sees_it(
    exact_online, synced, invoice
):
    exact_online.change_amount(NUMBER, "300.00")
    reconcile()
    discrepancy = Discrepancy.objects.get(invoice=invoice)
    assert discrepancy.kind == Discrepancy.Kind.AMOUNT_MISMATCH
    assert discrepancy.closed_at is None

    exact_online.change_amount(NUMBER, TOTAL)
    reconcile()

    discrepancy.refresh_from_db()
    assert discrepancy.closed_at is not None
    assert not Discrepancy.objects.filter(closed_at__isnull=True).exists()


def test_a_hand_keyed_entry_of_a_synced_number_is_a_duplicate(exact_online, synced, invoice):
    exact_online.add_hand_keyed_entry(
        reference=NUMBER, total=TOTAL, customer_code=invoice.customer.code
    )

    status, output = reconcile()

    assert status == 1
    assert any(line.startswith(f"duplicate_in_tool {NUMBER}") for line in output.splitlines())


# Read-back: what it costs, and what it reads -----------------------------------------------


def seed_synced_invoices(acme, integration, sim, count: int) -> None:
    """`count` invoices booked in Exact and synced, written in bulk (no sync run)."""
    customer = CustomerFactory(company=acme)
    date = dt.date(2026, 11, 2)
    invoices = Invoice.objects.bulk_create(
        Invoice(
            company=acme,
            customer=customer,
            status=Invoice.Status.BOOKED,
            number=f"2026-{n:04d}",
            invoice_date=date,
            due_date=date + dt.timedelta(days=30),
            subtotal=Decimal("100.00"),
            vat_total=Decimal("21.00"),
            total=Decimal("121.00"),
            sync_state=Invoice.SyncState.SYNCED,
        )
        for n in range(1, count + 1)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=0,
            description="Advice",
            quantity=Decimal(1),
            unit_price=Decimal("100.00"),
            vat_rate=Decimal("21.00"),
        )
        for invoice in invoices
    )
    for invoice in invoices:
        sim.add_hand_keyed_entry(
            reference=invoice.number, total="121.00", customer_code=customer.code, date=date
        )
    entries = {
        row["YourRef"]: row for row in sim.tables[data.DEMO_DIVISION]["salesentry/SalesEntries"]
    }
    ExternalRecord.objects.bulk_create(
        ExternalRecord(
            integration=integration,
            kind=ExternalRecord.Kind.INVOICE,
            invoice=invoice,
            state=ExternalRecord.State.SYNCED,
            remote_id=entries[invoice.number]["EntryID"],
            remote_number=str(entries[invoice.number]["EntryNumber"]),
        )
        for invoice in invoices
    )
    for invoice in invoices:
        invoice.booking_number = str(entries[invoice.number]["EntryNumber"])
    Invoice.objects.bulk_update(invoices, ["booking_number"])


def test_a_reconcile_of_1000_invoices_costs_a_few_calls_and_one_or_two_with_the_cursor(
    acme, exact_online, exact_online_integration
):
    seed_synced_invoices(acme, exact_online_integration, exact_online, 1000)
    exact_online.reset_calls()

    status, output = reconcile()
    first = sync_calls(exact_online)
    first_all = exact_online.read_calls
    exact_online.reset_calls()
    again_status, _ = reconcile()
    again = sync_calls(exact_online)
    # A reconcile also refreshes the payment status (one read per 40 invoices): apart here.
    payment_reads = exact_online.count(operation="GET bulk/Cashflow/Receivables")
    again_all = exact_online.read_calls - payment_reads

    print(f"reconcile of 1,000 invoices: first read {first} calls ({first_all} reads in all)")
    print(f"reconcile with the cursor: {again} calls ({again_all} reads in all)")
    assert (status, again_status) == (0, 0), output
    assert "The books agree" in output
    assert first_all <= 1000 / 40 + 5
    assert again_all <= 2


def test_a_read_back_takes_only_the_integration_journals_and_the_facts_of_each_entry(
    exact_online, synced, invoice, exact_online_integration
):
    credit = exact_online.add_hand_keyed_entry(
        reference="2026-9001", total="-12.10", customer_name="Walk-in customer"
    )
    exact_online.add_hand_keyed_entry(
        reference="M-1", total="10.00", customer_name="X", journal="90"
    )
    connector = get_connector(exact_online_integration)

    read = connector.read_bookings(since=dt.date(2026, 1, 1))

    by_reference = {booking.reference: booking for booking in read.bookings}
    booking = by_reference[NUMBER]
    record = ExternalRecord.objects.get(invoice=invoice)
    assert read.complete
    assert read.calls == 2
    assert read.cursor.startswith("lines:")
    assert "|deleted:" in read.cursor
    assert booking.remote_id == record.remote_id
    assert booking.number == record.remote_number
    assert booking.total == TOTAL
    assert booking.date == invoice.invoice_date
    assert booking.customer_code == invoice.customer.code
    assert by_reference["2026-9001"].total == Decimal("-12.10")
    assert by_reference["2026-9001"].number == str(credit)
    assert by_reference["2026-9001"].customer_name == "Walk-in customer"
    assert "M-1" not in by_reference  # the general journal is not the integration's
    assert connector.read_bookings(since=dt.date(2027, 1, 1)).bookings == []

    later = connector.read_bookings(since=dt.date(2026, 1, 1), cursor=read.cursor)
    assert (later.complete, later.bookings, later.calls) == (False, [], 2)
    # A deleted line cannot be tied to its entry by its key: the next read is complete again.
    exact_online.delete_booking("2026-9001")
    after_delete = connector.read_bookings(since=dt.date(2026, 1, 1), cursor=later.cursor)
    assert after_delete.complete
    assert [b.reference for b in after_delete.bookings] == [NUMBER]
