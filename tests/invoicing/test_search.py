"""The overview's search: what it matches (the same on SQLite and PostgreSQL) and, on PostgreSQL,
that the trigram indexes of migration 0011 serve every part of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from invoicing.models import Invoice
from invoicing.overview import OverviewFilters, overview_invoices
from tests.factories import CustomerFactory, make_booked_invoice
from tests.invoicing.test_overview import overview_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(acme, globex):
    verbeke = CustomerFactory(company=acme, name="Atelier Verbeke")
    peeters = CustomerFactory(company=acme, name="Garage Peeters")
    invoices = {
        "verbeke": make_booked_invoice(acme, number="2026-0042", customer=verbeke),
        "peeters": make_booked_invoice(acme, number="2026-0107", customer=peeters),
        "booked": make_booked_invoice(acme, number="2026-0300", customer=peeters),
    }
    Invoice.objects.filter(pk=invoices["booked"].pk).update(
        booking_number="VF-778812", sync_state=Invoice.SyncState.SYNCED
    )
    other = CustomerFactory(company=globex, name="Atelier Globex")
    make_booked_invoice(globex, number="2026-0042", customer=other)
    return invoices


def listed(client, q, invoices):
    page = client.get("/invoices/", {"q": q}).content.decode()
    return {name for name, invoice in invoices.items() if f'href="/invoices/{invoice.pk}/"' in page}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("0042", {"verbeke"}),  # the end of the number
        ("26-01", {"peeters"}),  # its middle
        ("2026", {"verbeke", "peeters", "booked"}),
        ("8812", {"booked"}),  # part of the booking number
        ("vf-77", {"booked"}),  # in any case
        ("VERBEKE", {"verbeke"}),  # part of the customer's name, in any case
        ("age peet", {"peeters", "booked"}),
        ("atelier", {"verbeke"}),  # never another company's customer
        ("%", set()),  # LIKE's wildcards are plain characters
        ("_", set()),
        ("nobody", set()),
    ],
)
def test_the_search_matches_any_part_of_the_numbers_or_the_customer_name(
    alice_client, ledger, q, expected
):
    assert listed(alice_client, q, ledger) == expected


def test_a_search_matching_many_customers_lists_all_their_invoices_in_as_many_queries(
    alice_client, acme
):
    bakeries = {
        f"b{i}": make_booked_invoice(
            acme,
            number=f"2026-{i:04d}",
            customer=CustomerFactory(company=acme, name=f"Bakkerij {i}"),
        )
        for i in range(1, 5)
    }
    alice_client.get("/invoices/")
    one, response = overview_queries(alice_client, "/invoices/?q=bakkerij+3")
    assert "1 invoice matches." in response.content.decode()
    many, response = overview_queries(alice_client, "/invoices/?q=bakkerij")
    assert "4 invoices match." in response.content.decode()
    assert one == many
    assert listed(alice_client, "bakkerij", bakeries) == set(bakeries)


@pytest.mark.postgres
def test_every_part_of_the_search_has_an_index_on_postgresql(acme, require_postgres):
    """Migration 0011's trigram indexes are on the very expressions the search compares, and the
    customers found are one array (computed once) rather than a subquery tested on every invoice
    of the company. At 100,000 invoices PostgreSQL then reads only the matching rows (one bitmap
    of the four indexes; see `make bench`, which measures it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm_idx"]
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {
        "invoice_number_trgm_idx",
        "invoice_booking_trgm_idx",
        "customer_name_trgm_idx",
    }
    for column in ("number", "booking_number", "name"):
        assert any(f"upper(({column})::text) gin_trgm_ops" in d for d in indexes.values()), column
    sql = str(overview_invoices(acme, OverviewFilters(q="verbeke")).query)
    assert 'UPPER("invoicing_invoice"."number"::text) LIKE' in sql
    assert 'UPPER("invoicing_invoice"."booking_number"::text) LIKE' in sql
    assert '"invoicing_invoice"."customer_id" = ANY(ARRAY(SELECT' in sql
    assert "IN (SELECT" not in sql


def test_a_search_lists_its_matches_newest_first(alice_client, acme):
    customer = CustomerFactory(company=acme, name="Atelier Verbeke")
    for number, day in (("2026-0001", 3), ("2026-0002", 20), ("2026-0003", 9)):
        make_booked_invoice(
            acme, number=number, customer=customer, invoice_date=dt.date(2026, 5, day)
        )
    page = alice_client.get("/invoices/", {"q": "verbeke"}).content.decode()
    positions = [page.index(number) for number in ("2026-0002", "2026-0003", "2026-0001")]
    assert positions == sorted(positions)
