"""Rules of invoicing: totals, booking and numbering, what a booked invoice may still change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from invoicing import services
from invoicing.models import Customer, Invoice, NumberSequence
from tests.factories import CustomerFactory, InvoiceFactory
from tests.invoicing.conftest import line, make_draft

pytestmark = pytest.mark.django_db


def test_it_stores_totals_with_vat_per_rate(acme, acme_customer):
    invoice = make_draft(
        acme,
        customer=acme_customer,
        lines=[line(quantity="3", price="0.35", rate="21"), line(quantity="3", price="0.35")],
    )
    # Per rate on the sum: 2.10 x 21 % = 0.441 -> 0.44 (per line it would be 0.22 + 0.22).
    assert (invoice.subtotal, invoice.vat_total, invoice.total) == (
        Decimal("2.10"),
        Decimal("0.44"),
        Decimal("2.54"),
    )
    assert [ln.position for ln in invoice.lines.all()] == [0, 1]


def test_due_date_follows_the_payment_terms_when_left_empty(acme):
    customer = CustomerFactory(company=acme, payment_terms_days=14)
    invoice = make_draft(acme, customer=customer, invoice_date=dt.date(2026, 3, 14))
    assert invoice.due_date == dt.date(2026, 3, 28)


def test_it_books_with_consecutive_numbers_per_year_and_kind(acme, alice):
    first = services.book_invoice(make_draft(acme), user=alice)
    second = services.book_invoice(make_draft(acme), user=alice)
    credit = services.book_invoice(
        make_draft(acme, kind=Invoice.Kind.CREDIT_NOTE, credited_invoice=first), user=alice
    )
    next_year = services.book_invoice(
        make_draft(acme, invoice_date=dt.date(2027, 1, 2)), user=alice
    )
    assert [first.number, second.number, credit.number, next_year.number] == [
        "2026-0001",
        "2026-0002",
        "CN-2026-0001",
        "2027-0001",
    ]
    assert first.status == Invoice.Status.BOOKED
    assert first.booked_by == alice
    assert first.booked_at is not None


def test_each_company_has_its_own_sequence(acme, globex, alice, charlie):
    services.book_invoice(make_draft(acme), user=alice)
    assert services.book_invoice(make_draft(globex), user=charlie).number == "2026-0001"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_lines", services.REFUSED_NO_LINES),
        ("no_customer", services.REFUSED_NO_CUSTOMER),
        ("zero_total", services.REFUSED_ZERO_TOTAL),
    ],
)
def test_booking_is_refused_with_the_reason_when_invoice_is_incomplete(acme, alice, setup, message):
    if setup == "no_lines":
        invoice = make_draft(acme, lines=[])
    elif setup == "no_customer":
        invoice = InvoiceFactory(company=acme, customer=None)
    else:
        invoice = make_draft(acme, lines=[line(price="0.00")])
    with pytest.raises(services.BookingRefused) as refused:
        services.book_invoice(invoice, user=alice)
    assert str(refused.value) == message
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.number == ""
    # A refused booking uses no number: the next one is still 0001.
    assert not NumberSequence.objects.filter(company=acme, last_number__gt=0).exists()


def test_booking_twice_is_refused_and_keeps_the_number(acme, alice):
    invoice = services.book_invoice(make_draft(acme), user=alice)
    with pytest.raises(services.BookingRefused, match="Invoice 2026-0001 is already booked"):
        services.book_invoice(invoice, user=alice)
    assert NumberSequence.objects.get(company=acme).last_number == 1


def test_a_booked_invoice_keeps_its_customer_kind_and_currency(acme, alice):
    invoice = services.book_invoice(make_draft(acme), user=alice)
    other = CustomerFactory(company=acme)
    data = services.InvoiceData(customer=other, invoice_date=invoice.invoice_date)
    with pytest.raises(services.InvoiceLocked, match="its customer can no longer change"):
        services.update_invoice(invoice, data=data, lines=[line()])
    data = services.InvoiceData(
        customer=invoice.customer,
        invoice_date=invoice.invoice_date,
        kind=Invoice.Kind.CREDIT_NOTE,
    )
    with pytest.raises(services.InvoiceLocked, match="its kind can no longer change"):
        services.update_invoice(invoice, data=data, lines=[line()])


def test_a_booked_invoice_may_correct_lines_and_dates_within_its_year(acme, alice):
    invoice = services.book_invoice(make_draft(acme), user=alice)
    data = services.InvoiceData(
        customer=invoice.customer, invoice_date=dt.date(2026, 4, 1), notes="PO 4711"
    )
    updated = services.update_invoice(invoice, data=data, lines=[line(quantity="5")])
    assert (updated.number, updated.total, updated.notes) == (
        "2026-0001",
        Decimal("605.00"),
        "PO 4711",
    )
    moved = services.InvoiceData(customer=invoice.customer, invoice_date=dt.date(2027, 1, 1))
    with pytest.raises(services.InvoiceLocked, match="its date must stay in 2026"):
        services.update_invoice(invoice, data=moved, lines=[line()])


def test_a_booked_invoice_cannot_lose_all_its_lines(acme, alice):
    invoice = services.book_invoice(make_draft(acme), user=alice)
    data = services.InvoiceData(customer=invoice.customer, invoice_date=invoice.invoice_date)
    with pytest.raises(services.InvoiceLocked, match="keeps at least one line"):
        services.update_invoice(invoice, data=data, lines=[])


def test_editing_a_synced_invoice_marks_it_changed_since_sync(acme, alice):
    invoice = services.book_invoice(make_draft(acme), user=alice)
    Invoice.objects.filter(pk=invoice.pk).update(sync_state="synced", booking_number="VF-17")
    data = services.InvoiceData(customer=invoice.customer, invoice_date=invoice.invoice_date)
    updated = services.update_invoice(invoice, data=data, lines=[line(quantity="7")])
    assert updated.sync_state == Invoice.SyncState.CHANGED
    assert updated.booking_number == "VF-17"


def test_editing_an_unsynced_invoice_leaves_its_sync_state(acme, alice):
    invoice = services.book_invoice(make_draft(acme), user=alice)
    data = services.InvoiceData(customer=invoice.customer, invoice_date=invoice.invoice_date)
    updated = services.update_invoice(invoice, data=data, lines=[line(quantity="7")])
    assert updated.sync_state == Invoice.SyncState.NOT_SYNCED


def test_only_drafts_can_be_deleted(acme, alice):
    draft = make_draft(acme)
    services.delete_draft(draft)
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    booked = services.book_invoice(make_draft(acme), user=alice)
    with pytest.raises(services.InvoiceLocked, match="only drafts can be deleted"):
        services.delete_draft(booked)


def test_customer_codes_are_assigned_when_left_empty(acme, globex):
    CustomerFactory(company=acme, code="1041")
    CustomerFactory(company=acme, code="ABC")
    CustomerFactory(company=globex, code="9999")
    first = services.create_customer(acme, customer=Customer(name="Garage Peeters"))
    second = services.create_customer(acme, customer=Customer(name="Bakkerij Janssens"))
    assert (first.code, second.code) == ("1042", "1043")
    assert services.create_customer(globex, customer=Customer(name="Other")).code == "10000"


def test_overview_columns_are_remembered_in_a_fixed_order(alice):
    assert services.overview_columns(alice) == []
    services.save_overview_columns(alice, columns=["vat", "booking_number", "nonsense"])
    assert services.overview_columns(alice) == ["booking_number", "vat"]
