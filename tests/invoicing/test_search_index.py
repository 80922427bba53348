"""The search through its index: the same matches as the plain LIKEs whatever the term (SQLite's
FTS5 trigram table of migration 0012, PostgreSQL's trigram indexes), an index that follows every
write (SQLite), and a search of few matches that counts and lists them in one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoicing import overview, search, services
from invoicing.models import Customer, Invoice
from tests.factories import CustomerFactory, make_booked_invoice
from tests.invoicing.conftest import line, make_draft
from tests.invoicing.test_overview import overview_queries
from tests.invoicing.test_search import listed

pytestmark = pytest.mark.django_db

ODD_NAMES = (
    "O'Brien & Zonen",
    'Drukkerij "De Pers"',
    "Korting 50% BV",
    "Snack_Bar Frituur",
    "AND OR NOT Consult",
    "NEAR(Partners) *Star*",
    "Émile Müller SPRL",
    "ÉMILE MÜLLER SA",
    "Ça Va Bien",
    "Koffie^Thee: col:number",
)
ODD_TERMS = (
    "o'b",
    "'",
    "O'Brien",
    '"de pers"',
    '"',
    'rij "',
    "50%",
    "%",
    "% b",
    "_",
    "k_bar",
    "snack_",
    "AND",
    "and or",
    "NOT",
    "OR NOT",
    "*",
    "*star",
    "NEAR(",
    "near(partners)",
    "émile",
    "ÉMILE",
    "müller",
    "MÜLLER",
    "ça",
    "Ç",
    "^thee",
    "col:number",
    ":",
    "e",
    "em",
    "zz",
    "2026-9",
    "9001",
    "VF-",
    "vf-90",
)


@pytest.fixture
def odd(acme, globex):
    invoices = {}
    for i, name in enumerate(ODD_NAMES, start=1):
        customer = CustomerFactory(company=acme, name=name)
        invoices[name] = make_booked_invoice(acme, number=f"2026-9{i:03d}", customer=customer)
    Invoice.objects.filter(pk=invoices[ODD_NAMES[0]].pk).update(booking_number="VF-9001")
    # Another company's twins are never found.
    for i, name in enumerate(ODD_NAMES, start=1):
        make_booked_invoice(
            globex, number=f"2026-9{i:03d}", customer=CustomerFactory(company=globex, name=name)
        )
    return invoices


def like_matches(company, q, invoices):
    """What the plain LIKEs (or, on PostgreSQL, UPPER LIKEs) match, without any index."""
    found = set(Invoice.objects.filter(company=company).filter(search.search(company, q)))
    return {name for name, invoice in invoices.items() if invoice in found}


@pytest.mark.parametrize("q", ODD_TERMS)
def test_a_search_through_the_index_matches_what_the_likes_match(alice_client, acme, odd, q):
    assert listed(alice_client, q, odd) == like_matches(acme, q, odd)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"de pers"', {'Drukkerij "De Pers"'}),  # quotes are characters, not FTS syntax
        ("o'brien", {"O'Brien & Zonen"}),
        ("50%", {"Korting 50% BV"}),  # % and _ are characters, not wildcards
        ("k_bar", {"Snack_Bar Frituur"}),
        ("and or not", {"AND OR NOT Consult"}),
        ("near(partners) *", {"NEAR(Partners) *Star*"}),
        ("col:number", {"Koffie^Thee: col:number"}),
        ("müller sprl", {"Émile Müller SPRL"}),  # ASCII letters in any case
        ("vf-900", {"O'Brien & Zonen"}),  # the booking number
        ("2026-9003", {"Korting 50% BV"}),
        ("nobody here", set()),
    ],
)
def test_odd_terms_find_what_they_say(alice_client, odd, q, expected):
    assert listed(alice_client, q, odd) == expected


def test_a_search_uses_the_index_from_three_characters_on_sqlite(alice_client, acme, odd):
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table is SQLite's")
    for q, indexed in (("müller", True), ("and", True), ("em", False)):
        with CaptureQueriesContext(connection) as queries:
            alice_client.get("/invoices/", {"q": q})
        sql = " ".join(query["sql"] for query in queries.captured_queries)
        assert ("invoicing_invoice_search MATCH" in sql) is indexed, q


def fts_rows(invoice):
    """What the FTS5 tables hold for `invoice`: (number, booking number, customer's name), None
    for a part that has no row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT number, booking_number FROM invoicing_invoice_search WHERE rowid = %s",
            [invoice.company_id * search.STRIDE + invoice.pk],
        )
        numbers = cursor.fetchone()
        if numbers is None:
            return None
        cursor.execute(
            "SELECT name FROM invoicing_customer_search WHERE rowid = %s",
            [invoice.customer.company_id * search.STRIDE + invoice.customer_id],
        )
        name = cursor.fetchone()
    return (*numbers, name[0] if name else None)


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table of migration 0012 is SQLite's")


def test_every_trigger_of_the_search_index_is_in_place(sqlite_only):
    """A migration that makes SQLite rebuild the invoice or customer table drops that table's
    triggers: it must create them again (migration 0012's `triggers`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        found = set(cursor.fetchall())
    for index, table in (
        ("invoicing_invoice_search", "invoicing_invoice"),
        ("invoicing_customer_search", "invoicing_customer"),
    ):
        for event in ("insert", "update", "delete"):
            assert (f"{index}_{event}", table) in found


def test_the_index_follows_creates_bookings_and_edits(sqlite_only, alice_client, acme):
    bakery = CustomerFactory(company=acme, name="Bakkerij Vermeulen")
    garage = CustomerFactory(company=acme, name="Garage Jacobs")
    draft = make_draft(acme, customer=bakery)
    assert fts_rows(draft) == ("", "", "Bakkerij Vermeulen")
    assert listed(alice_client, "vermeulen", {"draft": draft}) == {"draft"}

    # The draft now goes to another customer.
    data = services.InvoiceData(customer=garage, invoice_date=dt.date(2026, 3, 14))
    services.update_invoice(draft, data=data, lines=[line("Oil")])
    assert listed(alice_client, "vermeulen", {"draft": draft}) == set()
    assert listed(alice_client, "jacobs", {"draft": draft}) == {"draft"}

    booked = services.book_invoice(draft, user=None)
    assert listed(alice_client, booked.number, {"booked": booked}) == {"booked"}
    Invoice.objects.filter(pk=booked.pk).update(booking_number="VF-555123")  # as the sync does
    assert listed(alice_client, "555123", {"booked": booked}) == {"booked"}
    assert fts_rows(booked) == (booked.number, "VF-555123", "Garage Jacobs")


def test_the_index_follows_a_renamed_customer(sqlite_only, alice_client, acme):
    customer = CustomerFactory(company=acme, name="Atelier Verbeke")
    invoices = {
        f"i{i}": make_booked_invoice(acme, number=f"2026-00{i}", customer=customer)
        for i in range(1, 4)
    }
    customer.name = "Schrijnwerkerij Maes"
    services.update_customer(customer)
    assert listed(alice_client, "verbeke", invoices) == set()
    assert listed(alice_client, "werkerij maes", invoices) == set(invoices)
    Customer.objects.filter(pk=customer.pk).update(name="Maes & Zonen")  # a raw UPDATE too
    assert listed(alice_client, "& zonen", invoices) == set(invoices)


def customer_row(company_id, customer_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM invoicing_customer_search WHERE rowid = %s",
            [company_id * search.STRIDE + customer_id],
        )
        return cursor.fetchone()


def test_the_customer_index_follows_bulk_creates_and_deletes(sqlite_only, acme):
    Customer.objects.bulk_create(
        Customer(company=acme, name=f"Bakkerij {i}", code=f"B{i}") for i in range(2)
    )
    first, second = Customer.objects.filter(company=acme, code__startswith="B").order_by("code")
    assert customer_row(acme.pk, first.pk) == ("Bakkerij 0",)
    first_id, second_id = first.pk, second.pk
    first.delete()
    assert customer_row(acme.pk, first_id) is None
    Customer.objects.filter(pk=second_id).delete()
    assert customer_row(acme.pk, second_id) is None


def test_the_index_follows_bulk_inserts_and_deletes(sqlite_only, alice_client, acme, globex):
    customer = CustomerFactory(company=acme, name="Brouwerij Het Anker")
    Invoice.objects.bulk_create(
        Invoice(
            company=acme,
            customer=customer,
            status=Invoice.Status.DRAFT,
            invoice_date=dt.date(2026, 5, d),
            due_date=dt.date(2026, 6, d),
        )
        for d in (1, 2)
    )
    drafts = {
        f"d{i}": invoice for i, invoice in enumerate(Invoice.objects.filter(customer=customer))
    }
    assert listed(alice_client, "het anker", drafts) == set(drafts)

    first, second = drafts.values()
    services.delete_draft(first)
    assert fts_rows(first) is None
    with connection.cursor() as cursor:  # a raw DELETE
        cursor.execute("DELETE FROM invoicing_invoice WHERE id = %s", [second.pk])
    assert fts_rows(second) is None
    assert (
        "No invoices match these filters."
        in alice_client.get("/invoices/", {"q": "anker"}).content.decode()
    )

    # A bulk delete of the ORM (one DELETE ... WHERE id IN).
    other = make_booked_invoice(globex, number="2026-0001")
    assert fts_rows(other) is not None
    Invoice.objects.filter(company=globex).delete()
    assert fts_rows(other) is None


def test_more_matches_than_few_are_counted_and_listed_newest_first(alice_client, acme, monkeypatch):
    """Past FEW_MATCHES a search is counted, then walks the invoices newest first: the same list."""
    customer = CustomerFactory(company=acme, name="Drukkerij Peeters")
    for day in (3, 20, 9, 14):
        make_booked_invoice(
            acme, number=f"2026-05{day:02d}", customer=customer, invoice_date=dt.date(2026, 5, day)
        )
    for few in (100, 2):
        monkeypatch.setattr(search, "FEW_MATCHES", few)
        monkeypatch.setattr(overview, "FEW_MATCHES", few)
        page = alice_client.get("/invoices/", {"q": "drukkerij"}).content.decode()
        assert "4 invoices match." in page
        positions = [page.index(f"2026-05{day:02d}") for day in (20, 14, 9, 3)]
        assert positions == sorted(positions), few


def test_a_search_pages_its_matches_and_a_page_past_the_end_is_the_last(alice_client, acme):
    customer = CustomerFactory(company=acme, name="Garage Peeters")
    for i in range(1, 61):
        make_booked_invoice(
            acme,
            number=f"2026-{i:04d}",
            customer=customer,
            invoice_date=dt.date(2026, 1, 1) + dt.timedelta(days=i),
        )
    first = alice_client.get("/invoices/", {"q": "peeters"}).content.decode()
    assert "60 invoices match." in first
    assert "Page 1 of 2" in first
    assert "2026-0060" in first
    assert "2026-0011" in first
    assert "2026-0010" not in first
    for page in ("2", "99", "0"):
        last = alice_client.get("/invoices/", {"q": "peeters", "page": page}).content.decode()
        assert "Page 2 of 2" in last, page
        assert "2026-0010" in last, page
        assert "2026-0001" in last, page
        assert "2026-0011" not in last, page
    assert (
        "Page 1 of 2"
        in alice_client.get("/invoices/", {"q": "peeters", "page": "x"}).content.decode()
    )


def test_a_search_with_few_matches_makes_no_more_queries_than_the_plain_list(alice_client, acme):
    customer = CustomerFactory(company=acme, name="Garage Peeters")
    for i in range(1, 4):
        make_booked_invoice(acme, number=f"2026-{i:04d}", customer=customer)
    alice_client.get("/invoices/")
    plain, _ = overview_queries(alice_client, "/invoices/")
    searched, response = overview_queries(alice_client, "/invoices/?q=peeters")
    assert "3 invoices match." in response.content.decode()
    assert searched <= plain
