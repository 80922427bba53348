"""The overview's Paid column and payment filters: chosen and remembered, the right invoices,
bad values ignored, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing import services
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice
from tests.invoicing.test_overview import bulk_invoices, overview_queries

pytestmark = pytest.mark.django_db

Status = Invoice.PaymentStatus


def cell_texts(page: str) -> list[str]:
    """The text of every Paid cell, tags stripped and spaces collapsed."""
    cells = re.findall(r'<td data-column="payment"[^>]*>(.*?)</td>', page, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def numbers(page: str) -> set[str]:
    return set(re.findall(r">(2026-\d{4})</a>", page))


def set_payment(invoice, status, open_amount=None, *, due_date=None, paid_at=None):
    fields = {
        "payment_status": status,
        "open_amount": open_amount,
        "paid_at": paid_at,
        "payment_read_at": timezone.now(),
    }
    if due_date is not None:
        fields["due_date"] = due_date
    Invoice.objects.filter(pk=invoice.pk).update(**fields)


@pytest.fixture
def payments(acme):
    """Paid, partly paid (overdue), open (not yet due), open (overdue) and unknown invoices."""
    customer = CustomerFactory(company=acme, name="Brouwerij De Klok")
    today = timezone.localdate()
    made = {
        name: make_booked_invoice(acme, number=number, customer=customer)
        for name, number in [
            ("paid", "2026-0001"),
            ("partly_paid", "2026-0002"),
            ("open", "2026-0003"),
            ("overdue", "2026-0004"),
            ("unknown", "2026-0005"),
        ]
    }
    set_payment(made["paid"], Status.PAID, Decimal("0.00"), paid_at=dt.date(2026, 11, 20))
    set_payment(
        made["partly_paid"],
        Status.PARTLY_PAID,
        Decimal("40.00"),
        due_date=today - dt.timedelta(days=3),
    )
    set_payment(made["open"], Status.OPEN, Decimal("121.00"), due_date=today + dt.timedelta(days=9))
    set_payment(made["overdue"], Status.OPEN, Decimal("75.50"), due_date=today - dt.timedelta(1))
    return made


def test_the_paid_column_is_offered_and_remembered(alice_client, alice, payments):
    page = alice_client.get("/invoices/").content.decode()
    assert '<input type="checkbox" name="columns" value="payment">' in page
    assert 'data-column="payment"' not in page

    alice_client.post("/invoices/columns/", {"columns": ["payment"], "next": "/invoices/"})

    assert services.overview_columns(alice) == ["payment"]
    page = alice_client.get("/invoices/").content.decode()
    assert '<th scope="col" data-column="payment">Paid</th>' in page
    assert 'value="payment" checked' in page


def test_the_paid_column_shows_the_status_and_the_open_amount(alice_client, alice, payments):
    services.save_overview_columns(alice, columns=["payment"])
    cells = cell_texts(alice_client.get("/invoices/").content.decode())
    # Newest first: the five share an invoice date, so by id, descending.
    assert cells == [
        "Unknown",
        "Open · €75.50 open · overdue",
        "Open · €121.00 open",
        "Partly paid · €40.00 open · overdue",
        "Paid 2026-11-20",
    ]


@pytest.mark.parametrize(
    ("payment", "expected"),
    [
        ("open", {"2026-0002", "2026-0003", "2026-0004"}),
        ("overdue", {"2026-0002", "2026-0004"}),
        ("paid", {"2026-0001"}),
        ("", {"2026-0001", "2026-0002", "2026-0003", "2026-0004", "2026-0005"}),
    ],
)
def test_the_payment_filters_find_the_right_invoices(alice_client, payments, payment, expected):
    page = alice_client.get(f"/invoices/?payment={payment}").content.decode()
    assert numbers(page) == expected


def test_the_payment_filter_combines_with_the_others_and_keeps_itself(alice_client, payments):
    page = alice_client.get("/invoices/?payment=overdue&q=0004").content.decode()
    assert numbers(page) == {"2026-0004"}
    assert '<option value="overdue" selected>Overdue</option>' in page
    assert "1 invoice matches." in page


def test_the_payment_filter_survives_the_pagination_links(alice_client, acme):
    bulk_invoices(acme, 60, payment_status=Status.PAID)
    page = alice_client.get("/invoices/?payment=paid").content.decode()
    assert "?payment=paid&amp;page=2" in page


@pytest.mark.parametrize(
    "value",
    ["bogus", "OPEN", "paid'--", "%00", "unknown", "x" * 5000, "partly_paid"],
)
def test_a_bad_payment_filter_is_ignored_never_a_500(alice_client, payments, value):
    response = alice_client.get("/invoices/", {"payment": value})
    assert response.status_code == 200
    assert len(numbers(response.content.decode())) == 5


def test_a_repeated_payment_filter_takes_the_last_value(alice_client, payments):
    page = alice_client.get("/invoices/?payment=bogus&payment=paid").content.decode()
    assert numbers(page) == {"2026-0001"}


def test_the_paid_column_costs_as_many_queries_for_500_invoices_as_for_10(
    alice_client, alice, acme
):
    services.save_overview_columns(alice, columns=list(services.OVERVIEW_COLUMNS))
    bulk_invoices(acme, 10, payment_status=Status.PARTLY_PAID, open_amount=Decimal("40.00"))
    alice_client.get("/invoices/")  # the first visit stores the current company in the session
    few, _ = overview_queries(alice_client)
    bulk_invoices(acme, 490, start=11, payment_status=Status.PAID, open_amount=Decimal("0.00"))
    Invoice.objects.filter(company=acme).update(due_date=dt.date(2026, 1, 1))  # all overdue
    many, response = overview_queries(alice_client)
    assert few == many
    assert 'class="badge badge--paid">Paid' in response.content.decode()
    for url in ("/invoices/?payment=open", "/invoices/?payment=overdue&q=2026"):
        assert overview_queries(alice_client, url)[0] == many
    _, response = overview_queries(alice_client, "/invoices/?payment=open")
    assert cell_texts(response.content.decode())[0] == "Partly paid · €40.00 open · overdue"
    assert overview_queries(alice_client, "/invoices/?payment=paid&page=3")[0] == many


def test_the_paid_column_adds_no_query_per_row_with_an_integration(
    alice_client, alice, acme, octopus_integration
):
    services.save_overview_columns(alice, columns=["payment"])
    bulk_invoices(acme, 10)
    alice_client.get("/invoices/")
    few, _ = overview_queries(alice_client)
    bulk_invoices(acme, 490, start=11)
    many, response = overview_queries(alice_client)
    assert few == many
    assert "Octopus does not report payments to Booksync" in response.content.decode()
