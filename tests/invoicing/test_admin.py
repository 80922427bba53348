"""The admin pages of every invoicing model load, and booked invoices stay read-only there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from invoicing import services
from invoicing.models import (
    Customer,
    Invoice,
    InvoiceLine,
    Membership,
    NumberSequence,
    OverviewPreference,
)
from tests.invoicing.conftest import make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(acme, alice):
    booked = services.book_invoice(make_draft(acme), user=alice)
    make_draft(acme)
    services.save_overview_columns(alice, columns=["vat"])
    return {
        "company": acme,
        "membership": Membership.objects.get(user=alice),
        "customer": Customer.objects.filter(company=acme).first(),
        "numbersequence": NumberSequence.objects.get(company=acme),
        "invoice": booked,
        "invoiceline": InvoiceLine.objects.filter(invoice=booked).first(),
        "overviewpreference": OverviewPreference.objects.get(user=alice),
    }


@pytest.mark.parametrize(
    "model",
    [
        "company",
        "membership",
        "customer",
        "numbersequence",
        "invoice",
        "invoiceline",
        "overviewpreference",
    ],
)
def test_the_admin_changelist_search_and_change_page_load(admin_client, objects, model):
    changelist = reverse(f"admin:invoicing_{model}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "a"}).status_code == 200
    change = reverse(f"admin:invoicing_{model}_change", args=[objects[model].pk])
    assert admin_client.get(change).status_code == 200


def test_a_booked_invoice_shows_its_number_and_stamps_read_only(admin_client, objects):
    invoice = objects["invoice"]
    page = admin_client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))
    html = page.content.decode()
    assert "2026-0001" in html
    assert 'name="number"' not in html
    assert 'name="booking_number"' not in html
    assert 'name="customer"' not in html


def test_a_draft_can_be_edited_in_the_admin_and_totals_follow_the_lines(admin_client, acme):
    draft = make_draft(acme)
    url = reverse("admin:invoicing_invoice_change", args=[draft.pk])
    line = draft.lines.get()
    data = {
        "company": acme.pk,
        "customer": draft.customer_id,
        "kind": "invoice",
        "invoice_date": "2026-03-14",
        "due_date": "2026-04-13",
        "currency": "EUR",
        "notes": "",
        "credited_invoice": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": line.pk,
        "lines-0-invoice": draft.pk,
        "lines-0-position": "0",
        "lines-0-description": "Consultancy",
        "lines-0-quantity": "10",
        "lines-0-unit_price": "100.00",
        "lines-0-vat_rate": "21",
        "lines-0-revenue_account": "",
        "lines-0-cost_centre": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert str(draft.total) == "1210.00"
    assert draft.status == Invoice.Status.DRAFT


def test_number_sequences_cannot_be_added_by_hand(admin_client, objects):
    assert admin_client.get(reverse("admin:invoicing_numbersequence_add")).status_code == 403
