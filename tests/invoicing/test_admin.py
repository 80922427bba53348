"""The admin pages of every invoicing model load, and booked invoices stay read-only there."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from invoicing import admin, services
from invoicing.models import (
    Customer,
    Invoice,
    InvoiceLine,
    Membership,
    NumberSequence,
    OverviewPreference,
)
from tests.factories import CustomerFactory
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


def change_data(invoice, line, **changes):
    """The admin change form of `invoice` with its one `line` as posted, plus `changes`."""
    data = {
        "company": invoice.company_id,
        "customer": invoice.customer_id,
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
        "lines-0-invoice": invoice.pk,
        "lines-0-position": "0",
        "lines-0-description": "Consultancy",
        "lines-0-quantity": "10",
        "lines-0-unit_price": "100.00",
        "lines-0-vat_rate": "21",
        "lines-0-revenue_account": "",
        "lines-0-cost_centre": "",
    }
    return data | changes


def test_a_draft_can_be_edited_in_the_admin_and_totals_follow_the_lines(admin_client, acme):
    draft = make_draft(acme)
    url = reverse("admin:invoicing_invoice_change", args=[draft.pk])
    data = change_data(draft, draft.lines.get())
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert str(draft.total) == "1210.00"
    assert draft.status == Invoice.Status.DRAFT


def test_number_sequences_cannot_be_added_by_hand(admin_client, objects):
    assert admin_client.get(reverse("admin:invoicing_numbersequence_add")).status_code == 403


# Booked invoices stay as booked ----------------------------------------------------------------


def delete_selected(client, model, objects, *, confirmed=True):
    """The changelist's "delete selected" action on `objects`, as the admin posts it."""
    data = {"action": "delete_selected", "_selected_action": [obj.pk for obj in objects]}
    if confirmed:
        data["post"] = "yes"
    return client.post(reverse(f"admin:invoicing_{model}_changelist"), data, follow=True)


def shown(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def test_only_drafts_can_be_deleted_in_the_admin(admin_client, objects):
    booked, draft = objects["invoice"], Invoice.objects.get(status="draft")
    refused = admin.DELETE_REFUSED_INVOICE.format(numbers="2026-0001")
    url = reverse("admin:invoicing_invoice_delete", args=[booked.pk])

    page = admin_client.get(reverse("admin:invoicing_invoice_change", args=[booked.pk]))
    assert url not in page.content.decode()
    assert shown(admin_client.get(url, follow=True), refused)
    assert shown(admin_client.post(url, {"post": "yes"}, follow=True), refused)
    assert Invoice.objects.filter(pk=booked.pk).exists()

    admin_client.post(reverse("admin:invoicing_invoice_delete", args=[draft.pk]), {"post": "yes"})
    assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_delete_selected_refuses_a_selection_with_a_booked_invoice(admin_client, objects):
    booked, draft = objects["invoice"], Invoice.objects.get(status="draft")
    refused = admin.DELETE_REFUSED_INVOICE.format(numbers="2026-0001")

    for confirmed in (False, True):
        response = delete_selected(admin_client, "invoice", [booked, draft], confirmed=confirmed)
        assert shown(response, refused)
    assert Invoice.objects.filter(pk__in=[booked.pk, draft.pk]).count() == 2

    delete_selected(admin_client, "invoice", [draft])
    assert list(Invoice.objects.values_list("pk", flat=True)) == [booked.pk]


@pytest.mark.parametrize(
    ("model", "message"),
    [("company", admin.DELETE_REFUSED_COMPANY), ("customer", admin.DELETE_REFUSED_CUSTOMER)],
)
def test_what_holds_a_booked_invoice_cannot_be_deleted(admin_client, objects, model, message):
    owner = objects["company"] if model == "company" else objects["invoice"].customer
    refused = message.format(numbers="2026-0001")
    url = reverse(f"admin:invoicing_{model}_delete", args=[owner.pk])

    assert shown(admin_client.post(url, {"post": "yes"}, follow=True), refused)
    assert shown(delete_selected(admin_client, model, [owner]), refused)
    assert type(owner).objects.filter(pk=owner.pk).exists()
    assert Invoice.objects.filter(pk=objects["invoice"].pk).exists()


def test_a_booked_invoice_shows_its_date_and_lines_read_only(admin_client, objects):
    invoice = objects["invoice"]
    html = admin_client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))
    html = html.content.decode()

    assert "Consultancy" in html
    for name in ("invoice_date", "kind", "currency", "credited_invoice", "status", "total"):
        assert f'name="{name}"' not in html, name
    assert 'name="lines-0-quantity"' not in html
    assert 'name="lines-0-DELETE"' not in html


def test_a_tampered_post_changes_nothing_on_a_booked_invoice(admin_client, objects, acme):
    invoice = objects["invoice"]
    line = invoice.lines.get()
    other = CustomerFactory(company=acme)
    data = change_data(invoice, line, customer=other.pk, invoice_date="2026-12-31")
    data |= {"kind": "credit_note", "currency": "USD", "number": "2026-0099", "status": "draft"}
    data |= {"total": "1.00", "lines-0-quantity": "99", "lines-0-DELETE": "on"}
    data |= {"lines-TOTAL_FORMS": "2", "lines-1-description": "Extra", "lines-1-quantity": "1"}
    data |= {"lines-1-unit_price": "5.00", "lines-1-vat_rate": "21", "lines-1-position": "1"}

    response = admin_client.post(reverse("admin:invoicing_invoice_change", args=[invoice.pk]), data)

    assert response.status_code == 302
    after = Invoice.objects.get(pk=invoice.pk)
    assert (after.customer_id, after.invoice_date, after.kind, after.currency) == (
        invoice.customer_id,
        invoice.invoice_date,
        "invoice",
        "EUR",
    )
    assert (after.number, after.status, str(after.total)) == ("2026-0001", "booked", "242.00")
    assert [(ln.pk, str(ln.quantity)) for ln in after.lines.all()] == [(line.pk, "2.000")]


def test_a_line_of_a_booked_invoice_cannot_change_or_go_in_the_admin(admin_client, objects):
    line = objects["invoiceline"]
    refused = admin.DELETE_REFUSED_LINE.format(numbers="2026-0001")
    change = reverse("admin:invoicing_invoiceline_change", args=[line.pk])
    delete = reverse("admin:invoicing_invoiceline_delete", args=[line.pk])

    assert admin_client.post(change, {"description": "Changed", "quantity": "9"}).status_code == 403
    assert shown(admin_client.post(delete, {"post": "yes"}, follow=True), refused)
    assert shown(delete_selected(admin_client, "invoiceline", [line]), refused)
    line.refresh_from_db()
    assert (line.description, str(line.quantity)) == ("Consultancy", "2.000")


def test_number_sequences_cannot_be_deleted_by_hand(admin_client, objects):
    sequence = objects["numbersequence"]
    url = reverse("admin:invoicing_numbersequence_delete", args=[sequence.pk])

    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert NumberSequence.objects.get(pk=sequence.pk).last_number == 1
