"""In the browser: a draft shows what Octopus will receive; Book asks for confirmation, then books.
A draft Octopus would refuse shows the problem with its link, and Book does not book it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from invoicing import services
from invoicing.models import Invoice
from tests.factories import CustomerFactory

pytestmark = pytest.mark.browser


def draft(company, *, rates=("21", "6"), date=dt.date(2026, 11, 2)):
    customer = CustomerFactory(company=company, name="Brasserie du Parc")
    lines = [
        services.LineData(text, Decimal("1"), Decimal(price), Decimal(rate))
        for text, price, rate in zip(
            ("Espresso machine service", "Descaling kit"), ("240.00", "35.50"), rates, strict=False
        )
    ]
    data = services.InvoiceData(customer=customer, invoice_date=date)
    return services.create_invoice(company, data=data, lines=lines)


def test_it_previews_the_posting_confirms_and_books(
    page, live_server, login, acme, alice, octopus_integration, shoot
):
    invoice = draft(acme)
    login("alice")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    preview = page.locator("#booking-preview")
    expect(preview).to_contain_text("Before booking: what Octopus will receive")
    expect(preview).to_contain_text("Ready: Octopus should accept this booking.")
    expect(page.locator("#preview-period")).to_have_text("2026 / 202611")
    expect(page.locator("#preview-lines")).to_contain_text("Descaling kit")
    page.evaluate("document.getElementById('booking-preview').scrollIntoView()")
    shoot("booking-preview")

    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Invoice 2026-0001"))
    assert questions == [
        "Book this invoice? Booking is final: it gets number 2026-0001 and the next sync sends "
        "it to Octopus."
    ]
    assert Invoice.objects.get(pk=invoice.pk).number == "2026-0001"


def test_dismissing_the_question_books_nothing(
    page, live_server, login, acme, alice, octopus_integration
):
    invoice = draft(acme)
    login("alice")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft invoice of")
    assert Invoice.objects.get(pk=invoice.pk).is_draft


def test_a_problem_links_to_its_fix_and_book_refuses(
    page, live_server, login, acme, alice, octopus_integration, shoot
):
    invoice = draft(acme, rates=("21", "9"))
    login("alice")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    problems = page.locator("#readiness-problems")
    expect(problems).to_contain_text("VAT 9% has no VAT code of Octopus.")
    page.evaluate("document.getElementById('booking-preview').scrollIntoView()")
    shoot("booking-preview-problem")
    # Nothing to confirm: the server refuses it and says why.
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_text("Not booked: 1 problem must be fixed first.")).to_be_visible()
    assert Invoice.objects.get(pk=invoice.pk).is_draft
    page.locator("#readiness-problems").get_by_role("link", name="Open the setting").click()
    expect(page).to_have_url(re.compile(r"/bookkeeping/settings/#id_vat_9_00$"))
