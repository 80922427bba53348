"""The books are the truth, on Yuki: the sync links what the books already hold, and
`manage.py reconcile` lists what the books hold differently (the simulator over HTTP, the
database, the sync and the command, as they run)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from bookkeeping.connectors.yuki.books import DAILY_QUOTA
from bookkeeping.models import Discrepancy, ExternalRecord, SyncIssue, SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db


def sync(company, user):
    return sync_company(company, trigger=SyncRun.Trigger.MANUAL, user=user)


def reconcile(slug: str = "acme") -> tuple[int, str]:
    """(exit status, output) of `manage.py reconcile`."""
    out = io.StringIO()
    try:
        call_command("reconcile", slug, stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


def keyed_by_hand(yuki, invoice: Invoice, total: Decimal | None = None) -> str:
    return yuki.add_hand_keyed_invoice(
        reference=invoice.number,
        total=invoice.total if total is None else total,
        contact_code=invoice.customer.code,
        contact_name=invoice.customer.name,
        date=invoice.invoice_date,
    )


# Before the first sync: the books already hold the invoice -----------------------------------


def test_an_invoice_keyed_by_hand_before_the_first_sync_is_linked_not_booked_twice(
    yuki, yuki_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0001")
    document_id = keyed_by_hand(yuki, invoice)

    run = sync(acme, alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    assert len(yuki.bookings("2026-0001")) == 1
    assert yuki.count(operation="ProcessSalesInvoices") == 0
    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.SYNCED
    assert invoice.booking_number == document_id


def test_an_invoice_keyed_by_hand_with_another_total_is_not_pushed_and_named_in_an_issue(
    yuki, yuki_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0001")
    document_id = keyed_by_hand(yuki, invoice, total=Decimal("100.00"))

    run = sync(acme, alice)

    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.FAILED
    assert invoice.booking_number == ""
    assert len(yuki.bookings("2026-0001")) == 1
    assert yuki.count(operation="ProcessSalesInvoices") == 0
    issue = SyncIssue.objects.get(run=run, invoice=invoice)
    assert document_id in str(issue.message)
    assert "its total is €100.00, not €295.00" in str(issue.message)


# After the sync: the books change behind Booksync's back -------------------------------------


def test_a_booking_deleted_in_yuki_is_reported_missing_and_sent_again_once(
    yuki, yuki_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0001")
    assert sync(acme, alice).status == SyncRun.Status.SUCCEEDED
    yuki.delete_booking("2026-0001")

    status, output = reconcile()

    assert status == 1
    assert any(line.startswith("missing_in_tool 2026-0001") for line in output.splitlines())
    assert "1 open discrepancy with Yuki" in output

    # What the console's "send again" does.
    ExternalRecord.objects.filter(invoice=invoice).delete()
    Invoice.objects.filter(pk=invoice.pk).update(
        sync_state=Invoice.SyncState.NOT_SYNCED, booking_number="", synced_at=None
    )
    run = sync(acme, alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    [booking] = yuki.bookings("2026-0001")
    invoice.refresh_from_db()
    assert invoice.booking_number == booking["documentid"]
    status, output = reconcile()
    assert status == 0, output


def test_an_amount_changed_in_yuki_is_an_amount_mismatch_and_agreeing_books_exit_0(
    yuki, yuki_integration, acme, alice
):
    make_booked_invoice(acme, number="2026-0001")
    make_booked_invoice(acme, number="2026-0002")
    assert sync(acme, alice).status == SyncRun.Status.SUCCEEDED

    status, output = reconcile()
    assert status == 0
    assert output.strip().startswith(
        "The books agree: every booked invoice is in Yuki as Booksync shows it ("
    )

    yuki.change_amount("2026-0002", "300.00")
    status, output = reconcile()

    assert status == 1
    [line] = [line for line in output.splitlines() if line.startswith("amount_mismatch")]
    assert line.startswith("amount_mismatch 2026-0002 ")
    assert "€295.00" in line
    assert "€300.00" in line


def test_a_discrepancy_closes_by_itself_when_the_books_agree_again(
    yuki, yuki_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0001")
    assert sync(acme, alice).status == SyncRun.Status.SUCCEEDED
    yuki.change_amount("2026-0001", "1.00")
    assert reconcile()[0] == 1
    discrepancy = Discrepancy.objects.get(invoice=invoice, kind=Discrepancy.Kind.AMOUNT_MISMATCH)
    assert discrepancy.closed_at is None

    yuki.change_amount("2026-0001", invoice.total)
    status, output = reconcile()

    assert status == 0, output
    discrepancy.refresh_from_db()
    assert discrepancy.closed_at is not None


def test_the_read_back_of_a_hand_keyed_invoice_shows_its_facts(yuki, yuki_integration, acme):
    from bookkeeping.connectors.registry import get_connector

    customer = CustomerFactory(company=acme, code="C-9")
    invoice = make_booked_invoice(acme, number="2026-0009", customer=customer)
    document_id = keyed_by_hand(yuki, invoice)

    read = get_connector(yuki_integration).read_bookings(since=dt.date(2000, 1, 1))

    [facts] = read.bookings
    assert read.complete
    assert read.cursor
    assert (facts.remote_id, facts.number, facts.reference) == (
        document_id,
        document_id,
        "2026-0009",
    )
    assert (facts.total, facts.customer_code, facts.date) == (
        invoice.total,
        "C-9",
        invoice.invoice_date,
    )
    assert read.calls == 2  # Authenticate, GetTransactionDetails


# The cost of a reconcile -----------------------------------------------------------------


def test_a_reconcile_of_1000_synced_invoices_costs_a_few_calls(yuki, yuki_integration, acme, alice):
    customer = CustomerFactory(company=acme)
    for n in range(1, 1001):
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer)

    run = sync(acme, alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    seeding = yuki.count(operation="ProcessSalesInvoices")
    assert seeding == 10
    yuki.reset_calls()

    status, output = reconcile()

    calls = len(yuki.calls)
    operations = sorted({call.operation for call in yuki.calls})
    print(
        f"\nYuki: seeding 1,000 invoices: {seeding} ProcessSalesInvoices calls; a reconcile: "
        f"{calls} calls ({', '.join(operations)}), {100 * calls / DAILY_QUOTA:.1f}% of the "
        f"daily quota of {DAILY_QUOTA}"
    )
    assert status == 0, output
    assert f"({calls} calls)" in output
    assert yuki.write_calls == 0
    assert calls <= 1000 / 40 + 5


def test_the_reconcile_command_says_how_much_of_yukis_daily_quota_it_used(
    yuki, yuki_integration, acme, alice
):
    make_booked_invoice(acme, number="2026-0001")
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    out = io.StringIO()

    call_command("reconcile", "acme", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("The books agree")
    assert re.fullmatch(r"That is 0\.\d% of the tool's daily quota of 1,000 calls\.", lines[1])
