"""The invoice overview: constant queries, filters, search, sync badges and the column chooser."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoicing import services
from invoicing.models import Invoice
from tests.factories import CustomerFactory, InvoiceFactory
from tests.invoicing.conftest import make_draft

pytestmark = pytest.mark.django_db


def bulk_invoices(company, count, *, start=1, **fields):
    """`count` booked invoices spread over a few customers, inserted at once."""
    customers = [CustomerFactory(company=company) for _ in range(5)]
    Invoice.objects.bulk_create(
        Invoice(
            company=company,
            customer=customers[i % 5],
            status=Invoice.Status.BOOKED,
            number=f"2026-{start + i:04d}",
            invoice_date=dt.date(2026, 1, 1) + dt.timedelta(days=i % 300),
            due_date=dt.date(2026, 12, 31),
            total=Decimal("121.00"),
            vat_total=Decimal("21.00"),
            subtotal=Decimal("100.00"),
            booked_at=timezone.now(),
            **fields,
        )
        for i in range(count)
    )


def overview_queries(client, url="/invoices/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_the_overview_makes_as_many_queries_for_500_invoices_as_for_10(alice_client, alice, acme):
    services.save_overview_columns(alice, columns=list(services.OVERVIEW_COLUMNS))
    bulk_invoices(acme, 10)
    alice_client.get("/invoices/")  # the first visit stores the current company in the session
    few, _ = overview_queries(alice_client)
    bulk_invoices(acme, 490, start=11)
    many, response = overview_queries(alice_client)
    assert few == many
    assert "500 invoices." in response.content.decode()
    for url in ("/invoices/?page=3", "/invoices/?q=2026&status=booked&sync=not_synced"):
        assert overview_queries(alice_client, url)[0] == many


def test_the_overview_query_count_has_a_ceiling(alice_client, acme, django_assert_max_num_queries):
    bulk_invoices(acme, 120)
    alice_client.get("/invoices/")
    # Ours: session, user, membership, company switcher, preference, COUNT and the page (7).
    # The rest is the header's bell and the sync panel, a few queries each.
    with django_assert_max_num_queries(15):
        alice_client.get("/invoices/")


def test_the_overview_shows_number_customer_dates_total_and_status(
    alice_client, acme, acme_customer
):
    booked = services.book_invoice(make_draft(acme, customer=acme_customer), user=None)
    draft = make_draft(acme, customer=acme_customer)
    page = alice_client.get("/invoices/").content.decode()
    assert "2026-0001" in page
    assert draft.display_number in page
    assert "Brouwerij De Klok" in page
    assert "2026-03-14" in page
    assert "2026-04-13" in page
    assert "€242.00" in page
    assert 'class="badge badge--draft">Draft' in page
    assert 'class="badge badge--booked">Booked' in page
    assert 'class="badge badge--waiting">Waiting' in page
    assert booked.get_absolute_url() in page


def test_it_pages_by_fifty(alice_client, acme):
    bulk_invoices(acme, 120)
    first = alice_client.get("/invoices/").content.decode()
    third = alice_client.get("/invoices/?page=3").content.decode()
    assert first.count("<tr>") - 1 == 50
    assert third.count("<tr>") - 1 == 20
    assert "Page 1 of 3" in first
    assert alice_client.get("/invoices/?page=999").status_code == 200
    assert alice_client.get("/invoices/?page=abc").status_code == 200


def test_pagination_links_keep_the_filters(alice_client, acme):
    bulk_invoices(acme, 60)
    page = alice_client.get("/invoices/?status=booked&q=2026").content.decode()
    assert "?q=2026&amp;status=booked&amp;page=2" in page


@pytest.fixture
def mixed(acme):
    """One invoice in every state the filters tell apart."""
    klok = CustomerFactory(company=acme, name="Brouwerij De Klok")
    peeters = CustomerFactory(company=acme, name="Garage Peeters")
    draft = make_draft(acme, customer=klok)
    waiting = services.book_invoice(make_draft(acme, customer=klok), user=None)
    synced = services.book_invoice(make_draft(acme, customer=peeters), user=None)
    failed = services.book_invoice(make_draft(acme, customer=peeters), user=None)
    changed = services.book_invoice(make_draft(acme, customer=peeters), user=None)
    Invoice.objects.filter(pk=synced.pk).update(sync_state="synced", booking_number="VF-0007")
    Invoice.objects.filter(pk=failed.pk).update(
        sync_state="failed", sync_message="VAT code 4 does not exist in division 123"
    )
    Invoice.objects.filter(pk=changed.pk).update(sync_state="changed", booking_number="VF-0008")
    return {
        "draft": draft,
        "waiting": waiting,
        "synced": synced,
        "failed": failed,
        "changed": changed,
    }


def shown(client, query, invoices):
    """Which of `invoices` (name -> invoice) the overview lists for `query`."""
    page = client.get(f"/invoices/?{query}").content.decode()
    return {name for name, invoice in invoices.items() if f'href="/invoices/{invoice.pk}/"' in page}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"draft", "waiting", "synced", "failed", "changed"}),
        ("status=draft", {"draft"}),
        ("status=booked", {"waiting", "synced", "failed", "changed"}),
        ("sync=not_synced", {"waiting", "failed"}),
        ("sync=failed", {"failed"}),
        ("sync=synced", {"synced"}),
        ("sync=changed", {"changed"}),
        ("q=klok", {"draft", "waiting"}),
        ("q=2026-0002", {"synced"}),
        ("q=peeters&sync=not_synced", {"failed"}),
        ("status=nonsense", {"draft", "waiting", "synced", "failed", "changed"}),
        ("q=nobody", set()),
    ],
)
def test_filters_and_search_find_the_right_invoices(alice_client, mixed, query, expected):
    assert shown(alice_client, query, mixed) == expected


def test_an_empty_result_says_so(alice_client, mixed):
    page = alice_client.get("/invoices/?q=nobody").content.decode()
    assert "No invoices match these filters." in page


def test_sync_badges_say_the_state_and_the_failure_reason(alice_client, mixed):
    page = alice_client.get("/invoices/").content.decode()
    assert 'class="badge badge--synced">Synced' in page
    assert 'title="VAT code 4 does not exist in division 123">Sync failed' in page
    assert ">Changed since sync<" in page


def test_the_column_chooser_is_remembered_per_user(alice_client, bob_client, mixed):
    page = alice_client.get("/invoices/").content.decode()
    assert '<details class="column-chooser">' in page
    assert 'data-column="booking_number"' not in page
    response = alice_client.post(
        "/invoices/columns/",
        {"columns": ["booking_number", "kind"], "next": "/invoices/?status=booked"},
    )
    assert response.status_code == 302
    assert response.url == "/invoices/?status=booked"
    page = alice_client.get("/invoices/").content.decode()
    assert '<th scope="col" data-column="booking_number">Booking number</th>' in page
    assert '<td data-column="booking_number" data-label="Booking number">VF-0007</td>' in page
    # The booking number column is empty for an invoice that is not synced.
    assert '<td data-column="booking_number" data-label="Booking number"></td>' in page
    assert 'value="booking_number" checked' in page
    assert 'data-column="vat"' not in page
    # Bob has his own choice.
    assert 'data-column="booking_number"' not in bob_client.get("/invoices/").content.decode()


def test_the_column_chooser_ignores_a_foreign_next_url(alice_client, acme):
    response = alice_client.post(
        "/invoices/columns/", {"columns": ["vat"], "next": "https://evil.example/"}
    )
    assert response.url == "/invoices/"


def test_the_overview_has_no_inline_script_or_style(alice_client, mixed):
    page = alice_client.get("/invoices/").content.decode()
    assert "<script>" not in page
    assert "style=" not in page
    assert " onclick=" not in page


def test_a_huge_list_is_counted_only_up_to_the_cap(alice_client, acme, monkeypatch):
    from invoicing.overview import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 5)
    for _ in range(8):
        InvoiceFactory(company=acme)

    response = alice_client.get("/invoices/")

    assert "More than 5 invoices: use the search or the filters" in response.content.decode()
    assert response.context["page"].paginator.num_pages == 1
