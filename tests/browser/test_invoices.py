"""In the browser: a new user creates a customer and an invoice, books it, and picks columns."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.browser


def test_it_creates_a_customer_and_books_a_two_line_invoice(page, live_server, login, alice, shoot):
    login("alice")
    page.get_by_role("link", name="Customers").click()
    page.get_by_role("link", name="New customer").first.click()
    page.get_by_label("Name").fill("Brasserie du Parc")
    page.get_by_label("Email").fill("factures@brasserie.example")
    page.get_by_label("City").fill("Brussels")
    page.get_by_role("button", name="Save customer").click()
    expect(page.get_by_text("Brasserie du Parc").first).to_be_visible()

    page.get_by_role("link", name="Invoices").click()
    page.get_by_role("link", name="New invoice").click()
    customer = page.get_by_label("Customer")
    customer.select_option(
        customer.locator("option", has_text="Brasserie du Parc").get_attribute("value")
    )
    page.get_by_label("Description (line 1)").fill("Espresso machine service")
    page.get_by_label("Quantity (line 1)").fill("2")
    page.get_by_label("Unit price (line 1)").fill("120.00")
    page.get_by_label("Description (line 2)").fill("Descaling kit")
    page.get_by_label("Quantity (line 2)").fill("1")
    page.get_by_label("Unit price (line 2)").fill("35.50")
    page.get_by_label("VAT (line 2)").select_option("6")
    page.get_by_role("button", name="Save draft").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"Draft invoice of \d{4}-\d\d-\d\d"))
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Descaling kit")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())  # "Book this invoice? Booking is final"
    page.get_by_role("button", name="Book", exact=True).click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"Invoice \d{4}-\d{4}"))
    number = heading.inner_text().removeprefix("Invoice ").strip()
    # 2 x 120.00 at 21 % and 35.50 at 6 %: 290.40 + 37.63.
    expect(page.get_by_role("row", name=re.compile("Total"))).to_contain_text("328.03")
    shoot("invoice-booked")
    page.get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("link", name=number)).to_be_visible()


def test_the_booking_number_column_stays_after_a_reload(
    page, live_server, login, alice, acme, shoot
):
    make_booked_invoice(acme, number="2026-0001", customer=CustomerFactory(company=acme))
    login("alice")

    page.get_by_label("Choose columns").click()
    page.get_by_label("Booking number").check()
    page.get_by_role("button", name="Save columns").click()
    # The choice is saved once the overview says so (a reload before would race the form post).
    expect(page.get_by_text("Columns saved.")).to_be_visible()
    page.reload()

    header = page.get_by_role("columnheader", name="Booking number")
    expect(header).to_be_visible()
    row = page.get_by_role("row", name=re.compile("2026-0001"))
    expect(row.locator("td[data-column=booking_number]")).to_have_text("")
    shoot("overview-columns")


def test_the_overview_and_the_bell_fit_a_phone_screen(page, live_server, login, alice, acme, shoot):
    make_booked_invoice(acme, number="2026-0001", customer=CustomerFactory(company=acme))
    page.set_viewport_size({"width": 390, "height": 844})
    login("alice")

    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390, f"the page scrolls sideways: {page_width}px wide"
    page.locator("[data-bell-button]").click()
    panel = page.locator("[data-bell-panel]")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    shoot("overview-phone")


def test_a_lines_vat_treatment_follows_the_customer_and_its_rate_follows_the_treatment(
    page, live_server, login, alice, acme, shoot
):
    CustomerFactory(company=acme, name="Berlin GmbH", country="DE", vat_number="DE136695976")
    CustomerFactory(company=acme, name="London Ltd", country="GB", vat_number="")
    login("alice")
    page.get_by_role("link", name="Invoices").click()
    page.get_by_role("link", name="New invoice").click()
    customer = page.get_by_label("Customer")

    def pick(select, text):
        select.select_option(select.locator("option", has_text=text).get_attribute("value"))

    treatment = page.get_by_label("VAT treatment (line 1)")
    rate = page.get_by_label("VAT (line 1)")
    expect(treatment).to_have_value("standard")
    expect(rate).to_have_value("21")

    pick(customer, "Berlin GmbH")
    expect(treatment).to_have_value("intra_services")
    expect(rate).to_have_value("0")

    pick(customer, "London Ltd")
    expect(treatment).to_have_value("export")

    treatment.select_option("standard")  # the user's choice: the customer no longer changes it
    expect(rate).to_have_value("21")
    pick(customer, "Berlin GmbH")
    expect(treatment).to_have_value("standard")

    page.get_by_label("Description (line 1)").fill("Parts")
    page.get_by_label("Quantity (line 1)").fill("1")
    page.get_by_label("Unit price (line 1)").fill("100.00")
    treatment.select_option("intra_goods")
    expect(rate).to_have_value("0")
    page.get_by_role("button", name="Save draft").click()

    expect(page.locator("#vat-mention-intra_goods")).to_contain_text(
        "Vrijgestelde intracommunautaire levering – art. 39bis W.BTW"
    )
    page.locator("#vat-mentions").scroll_into_view_if_needed()
    shoot("invoice-vat-mentions")
