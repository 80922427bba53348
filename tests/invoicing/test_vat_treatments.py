"""VAT treatments on invoice lines: defaults from the customer, the law's rules as form errors,
the legal mentions on the invoice page, and the migration of existing lines."""

from __future__ import annotations

import html
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps

from bookkeeping.models import Integration
from invoicing import services
from invoicing.models import Invoice, InvoiceLine
from invoicing.vat import (
    EXPORT_INSIDE_EU,
    INTRA_NEEDS_VAT_NUMBER,
    INTRA_SAME_COUNTRY,
    REVERSE_CHARGE_NEEDS_VAT_NUMBER,
    ZERO_RATE_NEEDED,
)
from invoicing.vat_mentions import EXPLANATIONS, LEGAL_MENTIONS
from tests.factories import CustomerFactory, InvoiceFactory, set_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_business(acme):
    return CustomerFactory(company=acme, name="Berlin GmbH", country="DE", vat_number="DE136695976")


@pytest.fixture
def uk_customer(acme):
    return CustomerFactory(company=acme, name="London Ltd", country="GB", vat_number="")


@pytest.fixture
def belgian_business(acme):
    return CustomerFactory(company=acme, name="Gent NV", country="BE", vat_number="BE0403170701")


def post(client, customer, lines):
    """The invoice form with lines of (description, rate, treatment)."""
    data = {
        "customer": customer.pk,
        "kind": "invoice",
        "invoice_date": "2026-03-14",
        "due_date": "",
        "currency": "EUR",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }
    for i, (description, rate, treatment) in enumerate(lines):
        data.update(
            {
                f"lines-{i}-description": description,
                f"lines-{i}-quantity": "1",
                f"lines-{i}-unit_price": "100.00",
                f"lines-{i}-vat_rate": rate,
                f"lines-{i}-vat_treatment": treatment,
            }
        )
    return client.post("/invoices/new/", data)


# Defaults ------------------------------------------------------------------------------------


def test_a_line_without_a_chosen_treatment_gets_the_one_its_rate_and_customer_imply(
    acme, german_business, uk_customer, belgian_business
):
    def treatments(customer, rates):
        invoice = services.create_invoice(
            acme,
            data=services.InvoiceData(customer=customer, invoice_date=services.today()),
            lines=[
                services.LineData("Work", Decimal(1), Decimal(10), Decimal(rate)) for rate in rates
            ],
        )
        return [line.vat_treatment for line in invoice.lines.all()]

    assert treatments(german_business, ["0", "21"]) == ["intra_services", "standard"]
    assert treatments(uk_customer, ["0"]) == ["export"]
    assert treatments(belgian_business, ["0", "6", "21"]) == ["zero", "reduced", "standard"]


def test_a_new_line_for_an_eu_business_abroad_starts_as_intra_community_at_0_percent(
    acme, alice_client, german_business
):
    invoice = InvoiceFactory(company=acme, customer=german_business)

    page = alice_client.get(f"/invoices/{invoice.pk}/edit/").content.decode()

    row = page[page.index('name="lines-0-vat_treatment"') :]
    assert '<option value="intra_services" selected>' in row[: row.index("</select>")]
    rate = page[page.index('name="lines-0-vat_rate"') :]
    assert '<option value="0" selected>' in rate[: rate.index("</select>")]
    assert re.search(
        rf'<option value="{german_business.pk}"[^>]* data-vat-treatment="intra_services"', page
    )


# The law's rules -----------------------------------------------------------------------------


def errors_of(response):
    assert response.status_code == 400
    return html.unescape(response.content.decode())


def test_intra_community_needs_a_customer_with_a_vat_number_in_another_eu_country(
    acme, alice_client, belgian_business
):
    no_number = CustomerFactory(company=acme, name="Paris SARL", country="FR", vat_number="")

    page = errors_of(post(alice_client, no_number, [("Parts", "0", "intra_goods")]))
    assert (
        INTRA_NEEDS_VAT_NUMBER
        % {
            "treatment": "Intra-community supply of goods",
            "customer": "Paris SARL",
        }
        in page
    )

    page = errors_of(post(alice_client, belgian_business, [("Work", "0", "intra_services")]))
    assert (
        INTRA_SAME_COUNTRY
        % {
            "treatment": "Intra-community services",
            "customer": "Gent NV",
            "country": "BE",
        }
        in page
    )
    assert not Invoice.objects.exists()


def test_export_needs_a_customer_outside_the_eu(acme, alice_client, german_business):
    page = errors_of(post(alice_client, german_business, [("Parts", "0", "export")]))

    assert EXPORT_INSIDE_EU % {"customer": "Berlin GmbH", "country": "DE"} in page


def test_reverse_charge_needs_a_customer_with_a_vat_number(acme, alice_client):
    private = CustomerFactory(company=acme, name="Jan Peeters", country="BE", vat_number="")

    page = errors_of(post(alice_client, private, [("Renovation", "0", "reverse_charge")]))

    assert REVERSE_CHARGE_NEEDS_VAT_NUMBER % {"customer": "Jan Peeters"} in page


def test_a_treatment_without_vat_needs_the_0_percent_rate(acme, alice_client, uk_customer):
    page = errors_of(post(alice_client, uk_customer, [("Training", "21", "exempt")]))

    assert ZERO_RATE_NEEDED % {"treatment": "Exempt"} in page


def test_lines_the_law_allows_are_saved_with_their_treatment(acme, alice_client, german_business):
    response = post(
        alice_client,
        german_business,
        [
            ("Parts", "0", "intra_goods"),
            ("Support", "0", "intra_services"),
            ("Fee", "6", "standard"),
        ],
    )

    assert response.status_code == 302
    lines = Invoice.objects.get().lines.all()
    # A treatment charged at its rate follows the rate: 6 % is Belgium's reduced rate.
    assert [line.vat_treatment for line in lines] == ["intra_goods", "intra_services", "reduced"]


# The legal mentions ----------------------------------------------------------------------------


def test_the_invoice_page_shows_the_legal_mention_of_each_treatment_in_dutch_and_french(
    acme, alice_client, german_business
):
    invoice = InvoiceFactory(company=acme, customer=german_business)
    set_lines(
        invoice,
        [
            ("1", "100.00", "0", {"vat_treatment": "intra_goods"}),
            ("1", "100.00", "0", {"vat_treatment": "intra_services"}),
            ("1", "100.00", "0", {"vat_treatment": "intra_goods"}),
            ("1", "100.00", "21", {"vat_treatment": "standard"}),
        ],
    )

    page = html.unescape(alice_client.get(f"/invoices/{invoice.pk}/").content.decode())

    assert "Vrijgestelde intracommunautaire levering – art. 39bis W.BTW" in page
    assert "Livraison intracommunautaire exemptée – art. 39bis C.TVA" in page
    assert "Verlegging van heffing – art. 21, § 2 W.BTW" in page
    assert "Autoliquidation – art. 21, § 2 C.TVA" in page
    assert page.count("art. 39bis W.BTW") == 1  # once per treatment
    assert str(EXPLANATIONS["intra_services"]) in page
    assert "Vrijgestelde uitvoer" not in page  # no export line


def test_a_dutch_company_shows_the_dutch_mentions(globex, charlie_client):
    customer = CustomerFactory(company=globex, name="Antwerp BV", country="BE", vat_number="")
    invoice = InvoiceFactory(company=globex, customer=customer)
    set_lines(
        invoice,
        [
            ("1", "100.00", "0", {"vat_treatment": "reverse_charge"}),
            ("1", "100.00", "0", {"vat_treatment": "export"}),
        ],
    )

    page = html.unescape(charlie_client.get(f"/invoices/{invoice.pk}/").content.decode())

    assert 'lang="nl">Btw verlegd<' in page
    assert LEGAL_MENTIONS["NL"]["export"][0] in page
    assert "W.BTW" not in page


# The migration of existing lines --------------------------------------------------------------


def test_existing_lines_migrate_to_the_treatment_their_rate_and_customer_imply(
    acme, german_business, uk_customer, belgian_business
):
    private_abroad = CustomerFactory(company=acme, country="FR", vat_number="")
    rows = {}
    for customer in (german_business, uk_customer, belgian_business, private_abroad):
        invoice = InvoiceFactory(company=acme, customer=customer)
        set_lines(invoice, [("1", "10.00", rate, {}) for rate in ("21", "6", "0")])
        rows[customer.name] = invoice
    InvoiceLine.objects.update(vat_treatment="standard")  # as the column's default left them

    migration = importlib.import_module("invoicing.migrations.0009_line_vat_treatment")
    migration.set_treatments(apps, None)

    def treatments(customer):
        return [line.vat_treatment for line in rows[customer.name].lines.all()]

    assert treatments(german_business) == ["standard", "reduced", "intra_services"]
    assert treatments(uk_customer) == ["standard", "reduced", "export"]
    assert treatments(belgian_business) == ["standard", "reduced", "zero"]
    assert treatments(private_abroad) == ["standard", "reduced", "zero"]


def test_an_existing_mapping_keeps_booking_the_migrated_0_percent_lines_as_before(
    acme, german_business
):
    integration = Integration.objects.create(
        company=acme, tool="octopus", vat_mapping={"21.00": "21", "0.00": "0"}
    )
    invoice = InvoiceFactory(company=acme, customer=german_business)
    set_lines(invoice, [("1", "10.00", "0", {"vat_treatment": "intra_services"})])

    migration = importlib.import_module("bookkeeping.migrations.0007_vat_mapping_treatments")
    migration.copy_zero_code(apps, None)

    integration.refresh_from_db()
    assert integration.vat_mapping == {"21.00": "21", "0.00": "0", "intra_services": "0"}
