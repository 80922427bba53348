"""Locked booked invoices (corrected only with a credit note) and the overview's search by the
booking number."""

from __future__ import annotations

import pytest

from invoicing import services
from invoicing.models import Company, Invoice
from tests.factories import CustomerFactory, make_booked_invoice
from tests.invoicing.conftest import line, make_draft
from tests.invoicing.test_overview import bulk_invoices, overview_queries

pytestmark = pytest.mark.django_db

LOCKED = "Booked invoices are locked: correct this one with a credit note."


@pytest.fixture
def locked_acme(acme):
    Company.objects.filter(pk=acme.pk).update(lock_booked_invoices=True)
    acme.refresh_from_db()
    return acme


def edit_data(invoice, **changes):
    data = {
        "customer": invoice.customer_id,
        "kind": invoice.kind,
        "invoice_date": invoice.invoice_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "currency": invoice.currency,
        "notes": "changed",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Other work",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "999.00",
        "lines-0-vat_rate": "21",
    }
    data.update(changes)
    return data


def test_the_edit_page_refuses_a_booked_invoice_when_locked(alice_client, locked_acme):
    invoice = make_booked_invoice(locked_acme, number="2026-0007")
    response = alice_client.get(f"/invoices/{invoice.pk}/edit/", follow=True)
    assert LOCKED in response.content.decode()
    response = alice_client.post(f"/invoices/{invoice.pk}/edit/", edit_data(invoice), follow=True)
    assert LOCKED in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.total == make_booked_invoice_total()
    assert invoice.notes != "changed"


def make_booked_invoice_total():
    return 295  # 2 x 100 at 21% + 50 at 6% (tests.factories.make_booked_invoice)


def test_the_detail_page_offers_a_credit_note_instead_of_edit(alice_client, locked_acme):
    invoice = make_booked_invoice(locked_acme, number="2026-0008")
    page = alice_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert LOCKED in page
    assert f"/invoices/{invoice.pk}/edit/" not in page
    assert f"/invoices/new/?credits={invoice.pk}" in page
    form = alice_client.get(f"/invoices/new/?credits={invoice.pk}").content.decode()
    assert 'value="2026-0008"' in form
    assert 'value="credit_note" selected' in form or 'value="credit_note" checked' in form


def test_the_service_refuses_too(locked_acme):
    invoice = make_booked_invoice(locked_acme, number="2026-0009")
    data = services.InvoiceData(
        customer=invoice.customer,
        kind=invoice.kind,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
    )
    with pytest.raises(services.InvoiceLocked, match="Booked invoices are locked"):
        services.update_invoice(invoice, data=data, lines=[line()])


def test_drafts_stay_editable_when_locked(alice_client, locked_acme, acme_customer):
    draft = make_draft(locked_acme, customer=acme_customer)
    response = alice_client.get(f"/invoices/{draft.pk}/edit/")
    assert response.status_code == 200
    assert LOCKED not in response.content.decode()


def test_booked_invoices_stay_editable_without_the_lock(alice_client, acme):
    invoice = make_booked_invoice(acme, number="2026-0010")
    response = alice_client.get(f"/invoices/{invoice.pk}/edit/")
    assert response.status_code == 200
    assert LOCKED not in response.content.decode()


def test_the_search_finds_an_invoice_by_its_booking_number(alice_client, acme):
    customer = CustomerFactory(company=acme, name="Atelier Verbeke")
    wanted = make_booked_invoice(acme, number="2026-0042", customer=customer)
    other = make_booked_invoice(acme, number="2026-0043", customer=customer)
    Invoice.objects.filter(pk=wanted.pk).update(
        booking_number="VF-778812", sync_state=Invoice.SyncState.SYNCED
    )
    Invoice.objects.filter(pk=other.pk).update(
        booking_number="VF-100001", sync_state=Invoice.SyncState.SYNCED
    )
    page = alice_client.get("/invoices/?q=778812").content.decode()
    assert "2026-0042" in page
    assert "2026-0043" not in page


def test_searching_by_booking_number_keeps_the_query_count(alice_client, acme):
    bulk_invoices(acme, 10, booking_number="VF-1", sync_state=Invoice.SyncState.SYNCED)
    alice_client.get("/invoices/")
    few, _ = overview_queries(alice_client, "/invoices/?q=VF-1")
    bulk_invoices(acme, 200, start=11, booking_number="VF-2", sync_state="synced")
    many, response = overview_queries(alice_client, "/invoices/?q=VF-")
    assert few == many
    assert "210 invoices match." in response.content.decode()
