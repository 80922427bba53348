"""What an accountant accepts: positive totals, and credit notes within the invoice they credit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils.html import escape

from invoicing import services
from invoicing.models import Invoice
from tests.factories import CustomerFactory
from tests.invoicing.conftest import line, make_draft
from tests.invoicing.test_views import invoice_post

pytestmark = pytest.mark.django_db

CREDIT_NOTE = Invoice.Kind.CREDIT_NOTE


@pytest.fixture
def invoice(acme, acme_customer, alice):
    """Booked invoice 2026-0001 of 242.00 (2 x 100.00 + 21 % VAT)."""
    return services.book_invoice(make_draft(acme, customer=acme_customer), user=alice)


def credit(invoice: Invoice, *, price: str = "100.00", rate: str = "21") -> Invoice:
    """A draft credit note of `invoice` with one line of 1 x `price`."""
    lines = [line(quantity="1", price=price, rate=rate)]
    return make_draft(invoice.company, kind=CREDIT_NOTE, credited_invoice=invoice, lines=lines)


def refusal(invoice: Invoice) -> str:
    with pytest.raises(services.BookingRefused) as refused:
        services.book_invoice(invoice, user=None)
    invoice.refresh_from_db()
    assert invoice.is_draft
    assert invoice.number == ""
    return str(refused.value)


# Booking -------------------------------------------------------------------------------------


def test_an_invoice_with_a_negative_total_is_not_booked_and_the_message_says_credit_note(acme):
    draft = make_draft(acme, lines=[line(price="-100.00")])

    message = refusal(draft)

    assert message == services.REFUSED_NEGATIVE_TOTAL.format(total="-€242.00")
    assert "credit note" in message


def test_a_credit_note_with_negative_lines_is_not_booked(invoice):
    message = refusal(credit(invoice, price="-10.00"))

    assert message == services.REFUSED_NEGATIVE_CREDIT_NOTE.format(total="-€12.10")


def test_a_credit_note_must_name_the_invoice_it_credits(acme):
    draft = make_draft(acme, kind=CREDIT_NOTE)

    assert refusal(draft) == services.CREDIT_NO_INVOICE


def test_a_credit_note_cannot_credit_another_customers_invoice(invoice, acme):
    note = credit(invoice)
    # Saved before this rule existed, or in the admin: booking still refuses it.
    Invoice.objects.filter(pk=note.pk).update(customer=CustomerFactory(company=acme))

    assert refusal(note) == services.CREDIT_OTHER_CUSTOMER.format(number="2026-0001")


def test_a_credit_note_cannot_credit_another_companys_invoice(invoice, globex):
    note = make_draft(globex, kind=CREDIT_NOTE)
    Invoice.objects.filter(pk=note.pk).update(credited_invoice=invoice)

    assert refusal(note) == services.CREDIT_NOT_THIS_COMPANY.format(number="2026-0001")


def test_a_credit_note_cannot_credit_a_draft_or_a_credit_note(invoice, acme):
    draft = make_draft(acme, customer=invoice.customer)
    note = services.book_invoice(credit(invoice, price="10.00"), user=None)
    of_draft, of_note = credit(invoice), credit(invoice)
    Invoice.objects.filter(pk=of_draft.pk).update(credited_invoice=draft)
    Invoice.objects.filter(pk=of_note.pk).update(credited_invoice=note)

    assert refusal(of_draft) == services.CREDIT_OF_DRAFT.format(number=draft.display_number)
    assert refusal(of_note) == services.CREDIT_OF_CREDIT_NOTE.format(number="CN-2026-0001")


def test_credit_notes_together_credit_at_most_the_invoice_total(invoice):
    first = services.book_invoice(credit(invoice, price="100.00"), user=None)  # 121.00
    too_much = credit(invoice, price="100.00", rate="0")
    Invoice.objects.filter(pk=too_much.pk).update(total=Decimal("121.01"))

    assert refusal(too_much) == services.CREDIT_TOO_MUCH.format(
        total="€121.01", left="€121.00", number="2026-0001"
    )
    rest = services.book_invoice(credit(invoice, price="100.00"), user=None)
    assert (first.number, rest.number) == ("CN-2026-0001", "CN-2026-0002")
    assert refusal(too_much) == services.CREDIT_NOTHING_LEFT.format(number="2026-0001")


# Saving --------------------------------------------------------------------------------------


def test_saving_a_credit_note_above_what_is_left_is_refused(invoice):
    data = services.InvoiceData(
        customer=invoice.customer,
        invoice_date=invoice.invoice_date,
        kind=CREDIT_NOTE,
        credited_invoice=invoice,
    )

    with pytest.raises(services.InvoiceError) as refused:
        services.create_invoice(invoice.company, data=data, lines=[line(quantity="3")])

    assert str(refused.value) == services.CREDIT_TOO_MUCH.format(
        total="€363.00", left="€242.00", number="2026-0001"
    )
    assert not Invoice.objects.filter(kind=CREDIT_NOTE).exists()


def test_a_booked_invoice_cannot_be_edited_to_a_negative_total(invoice):
    data = services.InvoiceData(customer=invoice.customer, invoice_date=invoice.invoice_date)

    with pytest.raises(services.InvoiceLocked) as refused:
        services.update_invoice(invoice, data=data, lines=[line(price="-100.00")])

    assert str(refused.value) == services.BOOKED_NEEDS_LINES
    invoice.refresh_from_db()
    assert invoice.total == Decimal("242.00")


# The invoice page ----------------------------------------------------------------------------


def post_credit_note(client, customer, **header):
    data = invoice_post(customer, kind="credit_note", **header)
    return client.post("/invoices/new/", data)


def test_the_form_refuses_another_customers_invoice(alice_client, invoice, acme):
    other = CustomerFactory(company=acme)

    response = post_credit_note(alice_client, other, credited_number="2026-0001")

    assert response.status_code == 400
    assert escape(services.CREDIT_OTHER_CUSTOMER.format(number="2026-0001")) in (
        response.content.decode()
    )
    assert not Invoice.objects.filter(kind=CREDIT_NOTE).exists()


def test_the_form_asks_for_the_credited_invoice(alice_client, acme_customer):
    response = post_credit_note(alice_client, acme_customer, credited_number="")

    assert response.status_code == 400
    assert escape(services.CREDIT_NO_INVOICE) in response.content.decode()


def test_the_form_refuses_an_invoice_credited_in_full(alice_client, invoice):
    services.book_invoice(credit(invoice, price="200.00"), user=None)  # 242.00

    response = post_credit_note(alice_client, invoice.customer, credited_number="2026-0001")

    assert response.status_code == 400
    assert escape(services.CREDIT_NOTHING_LEFT.format(number="2026-0001")) in (
        response.content.decode()
    )


def test_the_page_refuses_a_credit_note_above_the_invoice(alice_client, invoice):
    lines = [("Refund", "3", "100.00")]

    response = post_credit_note(
        alice_client, invoice.customer, credited_number="2026-0001", lines=lines
    )

    assert response.status_code == 400
    message = services.CREDIT_TOO_MUCH.format(total="€363.00", left="€242.00", number="2026-0001")
    assert escape(message) in response.content.decode()
