"""The books are the truth, for Octopus: over real HTTP against the simulator, the sync links an
invoice keyed by hand instead of booking it twice (or refuses it when it is not the invoice), and
`manage.py reconcile` finds what was deleted or changed in Octopus behind Booksync's back, at a
cost of a few calls whatever the number of invoices."""

from __future__ import annotations

import io
import time
from decimal import Decimal

import pytest
from django.core.management import call_command

from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import BookEntry, Discrepancy, ExternalRecord, SyncIssue, SyncRun
from bookkeeping.proof import CONFLICT_CODE
from bookkeeping.reconcile import EARLIEST
from bookkeeping.simulators.octopus import SALES_JOURNAL
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

NUMBER = "2026-0001"
# The demo dossier's V1 of 2026 holds 41 bookings at reset: the next one is 42.
NEXT = 42
AGREE = "The books agree: every booked invoice is in Octopus as Booksync shows it (5 calls)."


def sync(company, user) -> SyncRun:
    return sync_company(company, trigger=SyncRun.Trigger.MANUAL, user=user)


def reconcile(slug: str = "acme") -> tuple[int, list[str]]:
    """(exit status, printed lines) of `manage.py reconcile`."""
    out = io.StringIO()
    try:
        call_command("reconcile", slug, stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue().splitlines()
    return 0, out.getvalue().splitlines()


@pytest.fixture
def invoice(acme):
    """2026-0001 of 295.00 EUR (2 x 100 at 21 %, 50 at 6 %), not yet sent."""
    return make_booked_invoice(acme, number=NUMBER, customer=CustomerFactory(company=acme))


@pytest.fixture
def synced(octopus, octopus_integration, invoice, alice):
    run = sync(invoice.company, alice)
    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    invoice.refresh_from_db()
    assert invoice.booking_number == f"V1/2026/{NEXT}"
    return invoice


# Read back -------------------------------------------------------------------------------------


def test_the_first_read_is_complete_and_a_later_one_asks_what_changed(
    octopus, octopus_integration, synced
):
    connector = get_connector(octopus_integration)

    first = connector.read_bookings(since=EARLIEST, cursor="")
    again = connector.read_bookings(since=EARLIEST, cursor=first.cursor)

    assert first.complete
    assert not again.complete
    [ours] = [b for b in first.bookings if b.reference == NUMBER]
    assert ours.remote_id == f"2:{SALES_JOURNAL}:{NEXT}"
    assert ours.number == synced.booking_number
    assert ours.total == Decimal("295.00")
    assert ours.date == synced.invoice_date
    record = ExternalRecord.objects.get(customer=synced.customer)
    assert ours.customer_id == record.remote_id
    assert first.cursor  # the latest modifiedTimeStamp Octopus showed
    # Login (2), book years (1), V1 and V2 (2); then V1 and V2 only.
    assert (first.calls, again.calls) == (5, 2)
    assert [b.reference for b in again.bookings] == [NUMBER]  # the latest change comes again


def test_a_fresh_connector_reads_completely_whatever_cursor_it_is_given(
    octopus, octopus_integration, synced
):
    cursor = get_connector(octopus_integration).read_bookings(since=EARLIEST).cursor
    octopus.delete_booking(NUMBER)

    read = get_connector(octopus_integration).read_bookings(since=EARLIEST, cursor=cursor)

    assert read.complete
    assert NUMBER not in [b.reference for b in read.bookings]


def test_journals_without_bookings_are_an_empty_read(octopus, octopus_integration):
    octopus.store.clear()

    read = get_connector(octopus_integration).read_bookings(since=EARLIEST)

    assert read.complete
    assert read.bookings == []
    assert read.cursor == ""


def test_a_credit_note_journal_booking_reads_back_in_octopus_sign(octopus, octopus_integration):
    number = octopus.book_elsewhere("V2")

    read = get_connector(octopus_integration).read_bookings(since=EARLIEST)

    [booking] = [b for b in read.bookings if b.reference == f"MANUAL-{number}"]
    assert booking.remote_id == f"2:V2:{number}"
    assert booking.number == f"V2/2026/{number}"
    assert booking.total == Decimal("-121.00")


# Keyed by hand before the first sync -------------------------------------------------------


def test_an_invoice_keyed_by_hand_before_the_first_sync_is_linked_not_booked_again(
    octopus, octopus_integration, invoice, acme, alice
):
    number = octopus.add_hand_keyed_booking(
        reference=NUMBER, total=invoice.total, relation=invoice.customer_id
    )

    run = sync(acme, alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    invoice.refresh_from_db()
    assert invoice.booking_number == f"V1/2026/{number}"
    assert invoice.sync_state == Invoice.SyncState.SYNCED
    record = ExternalRecord.objects.get(integration=octopus_integration, invoice=invoice)
    assert record.state == ExternalRecord.State.SYNCED
    assert record.remote_id == f"2:V1:{number}"
    assert len(octopus.bookings(NUMBER)) == 1
    assert reconcile() == (0, [AGREE])


def test_a_booking_keyed_by_hand_with_another_total_is_not_linked_and_nothing_is_sent(
    octopus, octopus_integration, invoice, acme, alice
):
    number = octopus.add_hand_keyed_booking(
        reference=NUMBER, total="300.00", relation=invoice.customer_id
    )

    run = sync(acme, alice)

    invoice.refresh_from_db()
    assert invoice.booking_number == ""
    assert invoice.sync_state == Invoice.SyncState.FAILED
    issue = SyncIssue.objects.get(run=run, invoice=invoice)
    assert issue.code == CONFLICT_CODE
    assert f"booking V1/2026/{number}" in str(issue.message)
    assert "€300.00" in str(issue.message)
    assert "€295.00" in str(issue.message)
    assert len(octopus.bookings(NUMBER)) == 1


# Changed behind Booksync's back --------------------------------------------------------------


def test_a_booking_deleted_in_octopus_is_missing_until_it_is_sent_again(
    octopus, octopus_integration, synced, acme, alice
):
    octopus.delete_booking(NUMBER)

    status, lines = reconcile()

    assert status == 1
    assert any(line.startswith(f"missing_in_tool {NUMBER}") for line in lines), lines
    # "Send again" in the console: unlinked, not synced.
    ExternalRecord.objects.filter(invoice=synced).delete()
    Invoice.objects.filter(pk=synced.pk).update(
        sync_state=Invoice.SyncState.NOT_SYNCED, booking_number=""
    )
    run = sync(acme, alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    [booking] = octopus.bookings(NUMBER)
    assert booking["documentSequenceNr"] == NEXT + 1


def test_an_amount_changed_in_octopus_is_a_mismatch_until_the_books_agree(
    octopus, octopus_integration, synced
):
    octopus.change_amount(NUMBER, "305.00")

    status, lines = reconcile()

    assert status == 1
    assert any(line.startswith(f"amount_mismatch {NUMBER}") for line in lines), lines
    assert "€305.00" in lines[0]
    assert "€295.00" in lines[0]

    octopus.change_amount(NUMBER, "295.00")
    status, lines = reconcile()

    assert status == 0
    assert lines == [AGREE]


def test_a_discrepancy_closes_by_itself_when_a_later_reconcile_no_longer_sees_it(
    octopus, octopus_integration, synced, acme, alice
):
    octopus.delete_booking(NUMBER)
    assert reconcile()[0] == 1
    discrepancy = Discrepancy.objects.get(invoice=synced, kind=Discrepancy.Kind.MISSING_IN_TOOL)
    assert discrepancy.closed_at is None
    # Someone keys it again in Octopus, exactly as it was.
    octopus.add_hand_keyed_booking(
        reference=NUMBER, total=synced.total, relation=synced.customer_id
    )
    ExternalRecord.objects.filter(invoice=synced).delete()
    Invoice.objects.filter(pk=synced.pk).update(sync_state=Invoice.SyncState.NOT_SYNCED)
    sync(acme, alice)  # links it

    status, _ = reconcile()

    discrepancy.refresh_from_db()
    assert status == 0
    assert discrepancy.closed_at is not None
    assert len(octopus.bookings(NUMBER)) == 1


# Cost ------------------------------------------------------------------------------------------


def seed_synced(octopus, integration, company, count: int) -> None:
    """`count` invoices booked in Octopus and linked in Booksync, as a sync leaves them."""
    customer = CustomerFactory(company=company)
    records = []
    for index in range(count):
        invoice = make_booked_invoice(
            company,
            number=f"2026-{index + 1:04d}",
            customer=customer,
            lines=[("1", "100", "21", "")],
        )
        number = octopus.add_hand_keyed_booking(
            reference=invoice.number, total=invoice.total, relation=customer.pk
        )
        records.append(
            ExternalRecord(
                integration=integration,
                invoice=invoice,
                kind=ExternalRecord.Kind.INVOICE,
                state=ExternalRecord.State.SYNCED,
                remote_id=f"2:V1:{number}",
                remote_number=f"V1/2026/{number}",
            )
        )
        invoice.booking_number = f"V1/2026/{number}"
    ExternalRecord.objects.bulk_create(records)
    Invoice.objects.filter(company=company).update(sync_state=Invoice.SyncState.SYNCED)
    for record in records:
        Invoice.objects.filter(pk=record.invoice_id).update(booking_number=record.remote_number)


def test_a_reconcile_of_a_thousand_invoices_costs_a_few_calls(
    octopus, octopus_integration, acme, capsys
):
    started = time.monotonic()
    seed_synced(octopus, octopus_integration, acme, 1000)
    seeded = time.monotonic()
    octopus.reset_calls()

    status, lines = reconcile()

    calls = octopus.calls
    with capsys.disabled():
        print(
            f"\nOctopus reconcile of 1,000 invoices: {len(calls)} calls "
            f"({', '.join(sorted({c.operation for c in calls}))}); seeding "
            f"{seeded - started:.1f} s, reconcile {time.monotonic() - seeded:.1f} s"
        )
    assert status == 0, lines
    assert len(calls) <= 1000 / 40 + 5
    assert BookEntry.objects.filter(integration=octopus_integration).count() >= 1000
