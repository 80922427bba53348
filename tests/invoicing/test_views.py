"""The invoicing pages as users see them: scoping, permissions, forms and their errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from invoicing import services
from invoicing.models import Customer, Invoice
from tests.factories import CustomerFactory
from tests.invoicing.conftest import make_draft

pytestmark = pytest.mark.django_db


def invoice_post(customer, /, *, lines=None, **header):
    """POST data of the invoice form: the header, then the lines as (description, qty, price)."""
    lines = [("Consultancy", "2", "100.00")] if lines is None else lines
    data = {
        "customer": customer.pk if customer else "",
        "kind": "invoice",
        "invoice_date": "2026-03-14",
        "due_date": "",
        "currency": "EUR",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines) + 1),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }
    data.update(header)
    for i, (description, quantity, price) in enumerate(lines):
        data.update(
            {
                f"lines-{i}-description": description,
                f"lines-{i}-quantity": quantity,
                f"lines-{i}-unit_price": price,
                f"lines-{i}-vat_rate": "21",
            }
        )
    data[f"lines-{len(lines)}-vat_rate"] = "21"  # an empty row, as the page sends it
    return data


def customer_post(**fields):
    data = {
        "name": "Garage Peeters",
        "code": "",
        "country": "BE",
        "vat_number": "BE0403170701",
        "email": "",
        "address": "",
        "postal_code": "",
        "city": "",
        "payment_terms_days": "30",
    }
    data.update(fields)
    return data


# Login and scoping ------------------------------------------------------------------------


def acme_urls(invoice, customer):
    return [
        ("get", reverse("invoicing:invoice_detail", args=[invoice.pk])),
        ("get", reverse("invoicing:invoice_edit", args=[invoice.pk])),
        ("post", reverse("invoicing:invoice_edit", args=[invoice.pk])),
        ("post", reverse("invoicing:invoice_book", args=[invoice.pk])),
        ("post", reverse("invoicing:invoice_delete", args=[invoice.pk])),
        ("get", reverse("invoicing:customer_edit", args=[customer.pk])),
        ("post", reverse("invoicing:customer_edit", args=[customer.pk])),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page_everywhere(client, acme, acme_customer):
    invoice = make_draft(acme, customer=acme_customer)
    urls = acme_urls(invoice, acme_customer) + [
        ("get", reverse("invoicing:overview")),
        ("get", reverse("invoicing:invoice_create")),
        ("get", reverse("invoicing:customer_list")),
        ("get", reverse("invoicing:customer_create")),
        ("post", reverse("invoicing:save_columns")),
        ("post", reverse("invoicing:switch_company")),
    ]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next="), url
    invoice.refresh_from_db()
    assert invoice.is_draft


def test_the_login_page_shows_a_form(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'for="id_password"' in response.content


def test_another_company_gets_404_on_every_invoice_and_customer_url(
    charlie_client, acme, acme_customer
):
    invoice = make_draft(acme, customer=acme_customer)
    for method, url in acme_urls(invoice, acme_customer):
        data = invoice_post(acme_customer) if "edit" in url else {}
        response = getattr(charlie_client, method)(url, data)
        assert response.status_code == 404, (method, url)
    invoice.refresh_from_db()
    assert invoice.is_draft
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_another_company_never_sees_acme_in_lists_or_search(charlie_client, acme, acme_customer):
    services.book_invoice(make_draft(acme, customer=acme_customer), user=None)
    overview = charlie_client.get("/invoices/?q=Klok").content.decode()
    customers = charlie_client.get("/customers/?q=Klok").content.decode()
    assert "Brouwerij De Klok" not in overview
    assert "2026-0001" not in charlie_client.get("/invoices/").content.decode()
    assert "Brouwerij De Klok" not in customers


def test_another_company_cannot_invoice_acmes_customer(charlie_client, acme_customer):
    response = charlie_client.post("/invoices/new/", invoice_post(acme_customer))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Invoice.objects.exists()


def test_switching_to_a_company_you_are_not_in_is_a_404(charlie_client, acme):
    response = charlie_client.post("/company/switch/", {"company": acme.pk})
    assert response.status_code == 404


def test_a_user_of_two_companies_switches_between_them(alice_client, alice, globex):
    from tests.factories import MembershipFactory

    MembershipFactory(user=alice, company=globex)
    page = alice_client.get("/invoices/").content.decode()
    assert 'action="/company/switch/"' in page
    response = alice_client.post("/company/switch/", {"company": globex.pk}, follow=True)
    assert "You now work in Globex." in response.content.decode()
    assert response.wsgi_request.company == globex


# A member may invoice -------------------------------------------------------------------------


def test_a_member_creates_edits_and_books_an_invoice(bob_client, acme, acme_customer):
    response = bob_client.post("/invoices/new/", invoice_post(acme_customer))
    invoice = Invoice.objects.get(company=acme)
    assert response.status_code == 302
    assert response.url == f"/invoices/{invoice.pk}/"
    assert invoice.total.to_eng_string() == "242.00"

    data = invoice_post(acme_customer, lines=[("Consultancy", "3", "100.00")])
    data["lines-INITIAL_FORMS"] = "1"
    assert bob_client.post(f"/invoices/{invoice.pk}/edit/", data).status_code == 302
    invoice.refresh_from_db()
    assert str(invoice.total) == "363.00"

    page = bob_client.post(f"/invoices/{invoice.pk}/book/", follow=True).content.decode()
    assert "Invoice booked as 2026-0001." in page
    invoice.refresh_from_db()
    assert invoice.number == "2026-0001"


def test_a_member_creates_and_edits_customers(bob_client, acme):
    response = bob_client.post("/customers/new/", customer_post(vat_number="0403.170.701"))
    assert response.status_code == 302
    customer = Customer.objects.get(company=acme)
    assert (customer.code, customer.vat_number) == ("1", "BE0403170701")
    response = bob_client.post(
        f"/customers/{customer.pk}/edit/", customer_post(name="Garage Peeters NV", code="1")
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Garage Peeters NV"


def test_booking_refused_shows_why_on_the_invoice(alice_client, acme, acme_customer):
    draft = make_draft(acme, customer=acme_customer, lines=[])
    page = alice_client.post(f"/invoices/{draft.pk}/book/", follow=True).content.decode()
    assert services.REFUSED_NO_LINES in page
    draft.refresh_from_db()
    assert draft.is_draft


def test_deleting_a_draft_and_refusing_to_delete_a_booked_invoice(alice_client, acme):
    draft = make_draft(acme)
    assert alice_client.post(f"/invoices/{draft.pk}/delete/").status_code == 302
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    booked = services.book_invoice(make_draft(acme), user=None)
    page = alice_client.post(f"/invoices/{booked.pk}/delete/", follow=True).content.decode()
    assert "only drafts can be deleted" in page
    assert Invoice.objects.filter(pk=booked.pk).exists()


def test_book_and_delete_need_a_post(alice_client, acme):
    draft = make_draft(acme)
    assert alice_client.get(f"/invoices/{draft.pk}/book/").status_code == 405
    assert alice_client.get(f"/invoices/{draft.pk}/delete/").status_code == 405


def test_the_detail_page_offers_book_and_delete_as_post_forms(alice_client, acme):
    draft = make_draft(acme)
    page = alice_client.get(f"/invoices/{draft.pk}/").content.decode()
    assert f'action="/invoices/{draft.pk}/book/"' in page
    assert f'action="/invoices/{draft.pk}/delete/"' in page
    assert "242.00" in page


def test_a_booked_invoice_edit_page_locks_customer_and_kind(alice_client, acme, acme_customer):
    booked = services.book_invoice(make_draft(acme, customer=acme_customer), user=None)
    page = alice_client.get(f"/invoices/{booked.pk}/edit/").content.decode()
    assert (
        'name="customer" disabled' in page or "disabled" in page.split('name="customer"')[1][:200]
    )
    other = CustomerFactory(company=acme)
    data = invoice_post(other, notes="corrected", lines=[("Consultancy", "4", "100.00")])
    data["lines-INITIAL_FORMS"] = "1"
    assert alice_client.post(f"/invoices/{booked.pk}/edit/", data).status_code == 302
    booked.refresh_from_db()
    # The posted customer is ignored: a disabled field keeps its value.
    assert (booked.customer, booked.notes, str(booked.total)) == (
        acme_customer,
        "corrected",
        "484.00",
    )


# Adding lines without JavaScript ----------------------------------------------------------


def test_add_line_shows_the_form_again_with_one_more_row(alice_client, acme, acme_customer):
    data = invoice_post(acme_customer, lines=[("Design — “Ontwerp” ✓", "1", "10.00")])
    data["add_line"] = "1"
    response = alice_client.post("/invoices/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert not Invoice.objects.exists()
    assert "Design — “Ontwerp” ✓" in page
    assert 'name="lines-TOTAL_FORMS" value="3"' in page
    assert "This field is required" not in page


# Bad input gives form errors, never a 500 ---------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (("Consultancy", "-2", "100.00"), "The quantity must be more than 0."),
        (("Consultancy", "0", "100.00"), "The quantity must be more than 0."),
        (("Consultancy", "1000001", "100.00"), "A quantity above 1,000,000 is not accepted"),
        (("Consultancy", "1e400", "100.00"), "A quantity above 1,000,000 is not accepted"),
        (("Consultancy", "NaN", "100.00"), "Enter a number."),
        (("Consultancy", "two", "100.00"), "Enter a number."),
        (("Consultancy", "1", "99999999999.00"), "at most 10 digits before the point"),
        (("Consultancy", "1", "1.234"), "Ensure that there are no more than 2 decimal places."),
        (("x" * 201, "1", "100.00"), "Ensure this value has at most 200 characters"),
        (("", "1", "100.00"), "This field is required."),
        (("Consultancy", "", "100.00"), "This field is required."),
        (("Consultancy", "1000000", "9999999999.99"), "The invoice total is too large"),
    ],
)
def test_bad_lines_give_a_form_error(alice_client, acme_customer, line, message):
    response = alice_client.post("/invoices/new/", invoice_post(acme_customer, lines=[line]))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"customer": ""}, "This field is required."),
        ({"customer": "999999"}, "Select a valid choice"),
        ({"customer": "abc"}, "Select a valid choice"),
        ({"invoice_date": "2026-02-30"}, "Enter a valid date."),
        ({"invoice_date": "14/03/2026x"}, "Enter a valid date."),
        ({"invoice_date": "9999-12-31"}, "Enter a date between 2000 and 2099."),
        ({"due_date": "2026-03-01"}, "The due date cannot be before the invoice date."),
        ({"currency": "XXX"}, "Select a valid choice"),
        ({"kind": "gift"}, "Select a valid choice"),
        ({"kind": "credit_note", "credited_number": "2026-9999"}, "There is no booked invoice"),
        ({"lines-TOTAL_FORMS": "abc"}, "ManagementForm data is missing or has been tampered"),
    ],
)
def test_bad_headers_give_a_form_error(alice_client, acme_customer, header, message):
    response = alice_client.post("/invoices/new/", invoice_post(acme_customer, **header))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invoice.objects.exists()


def test_unicode_descriptions_and_notes_are_kept(alice_client, acme, acme_customer):
    text = "Création d’un logo — 设计 🎨"
    data = invoice_post(acme_customer, lines=[(text, "1.5", "80.00")], notes="Merci ✓")
    assert alice_client.post("/invoices/new/", data).status_code == 302
    invoice = Invoice.objects.get(company=acme)
    assert invoice.lines.get().description == text
    assert text in alice_client.get(f"/invoices/{invoice.pk}/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 201}, "Ensure this value has at most 200 characters"),
        ({"vat_number": "BE0403170702"}, "Belgian VAT numbers look like BE0123456789."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"country": "XX"}, "Select a valid choice"),
        ({"payment_terms_days": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"payment_terms_days": "100000"}, "less than or equal to 365"),
        ({"code": "12 34"}, "Use letters, digits, dots, dashes or underscores."),
        ({"code": "x" * 19}, "Ensure this value has at most 18 characters"),
    ],
)
def test_bad_customers_give_a_form_error(alice_client, acme, fields, message):
    response = alice_client.post("/customers/new/", customer_post(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Customer.objects.filter(company=acme).exists()


def test_a_customer_code_already_in_use_is_refused(alice_client, acme, acme_customer):
    response = alice_client.post("/customers/new/", customer_post(code="1001"))
    assert response.status_code == 400
    assert "Customer code 1001 is already in use." in response.content.decode()


def test_the_same_code_in_another_company_is_fine(charlie_client, globex, acme_customer):
    data = customer_post(code="1001", country="NL", vat_number="NL004495445B01")
    assert charlie_client.post("/customers/new/", data).status_code == 302
    assert Customer.objects.get(company=globex).code == "1001"


def test_customer_list_searches_name_code_and_vat(alice_client, acme, acme_customer):
    CustomerFactory(company=acme, name="Garage Peeters", code="2002")
    page = alice_client.get("/customers/?q=klok").content.decode()
    assert "Brouwerij De Klok" in page
    assert "Garage Peeters" not in page
    assert "Garage Peeters" in alice_client.get("/customers/?q=2002").content.decode()
