"""Invisible control characters are refused by every form and by the admin, naming the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from invoicing.forms import CustomerForm, InvoiceForm, line_formset
from invoicing.models import Customer, Invoice
from invoicing.validators import CONTROL_CHARACTER
from tests.invoicing.conftest import make_draft
from tests.invoicing.test_views import customer_post, invoice_post

pytestmark = pytest.mark.django_db

# C0 controls, DEL, C1 controls and a lone surrogate, in the middle of ordinary text.
CONTROLS = ["\x01", "\x00", "\x1b", "\x7f", "\x85", "\x9f", "\ud800"]
CUSTOMER_FIELDS = [
    ("name", "name"),
    ("code", "code"),
    ("address", "address"),
    ("postal_code", "postal code"),
    ("city", "city"),
    ("vat_number", "VAT number"),
    ("email", "email"),
]


def refused(field: str) -> str:
    return CONTROL_CHARACTER.format(field=field)


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize(("name", "label"), CUSTOMER_FIELDS)
def test_the_customer_form_refuses_a_control_character(acme, name, label, control):
    values = {"email": "info@example.com", "vat_number": "BE0403170701", "code": "1001"}
    value = values.get(name, "Peeters")
    data = customer_post(**{name: value[:2] + control + value[2:]})

    form = CustomerForm(data, company=acme)

    assert not form.is_valid()
    assert refused(label) in form.errors[name]


@pytest.mark.parametrize("control", ["\n", "\t", "\r"])
def test_single_line_customer_fields_refuse_line_breaks_and_tabs_inside(acme, control):
    form = CustomerForm(customer_post(name=f"Garage{control}Peeters"), company=acme)

    assert form.errors["name"] == [refused("name")]


def test_the_customer_page_shows_the_message(alice_client, acme):
    response = alice_client.post(
        reverse("invoicing:customer_create"), customer_post(name="Garage\x01Peeters")
    )

    assert response.status_code == 400
    assert refused("name") in response.content.decode()
    assert not Customer.objects.filter(company=acme).exists()


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize(
    ("header", "label"),
    [
        ({"notes": "PO 4711"}, "notes"),
        ({"credited_number": "2026-0001"}, "invoice number it credits"),
    ],
)
def test_the_invoice_form_refuses_a_control_character(acme_customer, header, label, control):
    (name, value), *_ = header.items()
    data = invoice_post(
        acme_customer, kind="credit_note", **{name: value[:2] + control + value[2:]}
    )

    form = InvoiceForm(data, company=acme_customer.company)

    assert not form.is_valid()
    assert refused(label) in form.errors[name]


def test_notes_keep_line_breaks_and_tabs_but_no_other_control(acme_customer):
    company = acme_customer.company
    kept = InvoiceForm(invoice_post(acme_customer, notes="PO 4711\r\n\tMarch"), company=company)
    vertical_tab = InvoiceForm(
        invoice_post(acme_customer, notes="PO 4711\x0bMarch"), company=company
    )

    assert kept.is_valid(), kept.errors
    assert vertical_tab.errors["notes"] == [refused("notes")]


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("description", "description"),
        ("revenue_account", "account"),
        ("cost_centre", "cost centre"),
    ],
)
def test_the_line_form_refuses_a_control_character(acme_customer, name, label, control):
    data = invoice_post(acme_customer)
    data[f"lines-0-{name}"] = f"70{control}00"

    formset = line_formset(acme_customer.company, data=data)

    assert not formset.is_valid()
    assert refused(label) in formset.errors[0][name]


def test_the_invoice_page_shows_the_message_of_a_line(alice_client, acme_customer):
    data = invoice_post(acme_customer, lines=[("Consul\x01tancy", "2", "100.00")])

    response = alice_client.post(reverse("invoicing:invoice_create"), data)

    assert response.status_code == 400
    assert refused("description") in response.content.decode()
    assert not Invoice.objects.exists()


def test_the_admin_refuses_a_control_character_in_a_customer(admin_client, acme):
    data = customer_post(name="Garage\x01Peeters", code="1001", company=acme.pk)

    response = admin_client.post(reverse("admin:invoicing_customer_add"), data)

    assert response.status_code == 200
    assert refused("name") in response.content.decode()
    assert not Customer.objects.exists()


def test_the_admin_refuses_a_control_character_in_a_line(admin_client, acme_customer):
    draft = make_draft(acme_customer.company, customer=acme_customer)
    line = draft.lines.get()
    url = reverse("admin:invoicing_invoiceline_change", args=[line.pk])
    data = {
        "invoice": draft.pk,
        "position": "0",
        "description": "Consul\x1btancy",
        "quantity": "2",
        "unit_price": "100.00",
        "vat_rate": "21",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert refused("description") in response.content.decode()
    line.refresh_from_db()
    assert line.description == "Consultancy"
