"""VAT numbers per country, checked with python-stdnum, with a message naming the format."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from invoicing.forms import CustomerForm
from invoicing.vat import clean_vat_number, vat_rate_choices

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("BE", "BE0403170701", "BE0403170701"),
        ("BE", "0403.170.701", "BE0403170701"),
        ("BE", "be 0403 170 701", "BE0403170701"),
        ("NL", "NL004495445B01", "NL004495445B01"),
        ("NL", "004495445B01", "NL004495445B01"),
        ("FR", "FR 40 303 265 045", "FR40303265045"),
        ("DE", "DE136695976", "DE136695976"),
        ("DE", "136 695 976", "DE136695976"),
    ],
)
def test_valid_numbers_are_stored_compact_with_their_prefix(country, typed, stored):
    assert clean_vat_number(typed, country=country) == stored


@pytest.mark.parametrize(
    ("country", "typed", "message"),
    [
        ("BE", "BE0403170702", "Belgian VAT numbers look like BE0123456789."),
        ("BE", "BE12345", "Belgian VAT numbers look like BE0123456789."),
        ("NL", "NL004495446B01", "Dutch VAT numbers look like NL123456789B01."),
        ("NL", "NL004495445", "Dutch VAT numbers look like NL123456789B01."),
        ("FR", "FR41303265045", "French VAT numbers look like FR12345678901."),
        ("DE", "DE136695977", "German VAT numbers look like DE123456789."),
        ("DE", "DE1234", "German VAT numbers look like DE123456789."),
        ("NL", "BE0403170701", "starts with BE but the country is NL"),
    ],
)
def test_invalid_numbers_name_the_expected_format(country, typed, message):
    with pytest.raises(ValidationError) as error:
        clean_vat_number(typed, country=country)
    assert message in " ".join(error.value.messages)


def test_the_customer_form_checks_the_number_for_the_customers_country(acme):
    form = CustomerForm(
        {
            "name": "Kaasboerderij",
            "country": "NL",
            "vat_number": "BE0403170701",
            "payment_terms_days": "30",
        },
        company=acme,
    )
    assert not form.is_valid()
    assert "Dutch VAT numbers look like NL123456789B01." in form.errors["vat_number"][0]


def test_an_empty_vat_number_is_allowed(acme):
    form = CustomerForm(
        {"name": "Private person", "country": "BE", "vat_number": "", "payment_terms_days": "8"},
        company=acme,
    )
    assert form.is_valid(), form.errors


def test_lines_offer_the_rates_of_the_company_country_and_rates_in_use():
    assert [value for value, _ in vat_rate_choices("BE")] == ["21", "12", "6", "0"]
    assert [value for value, _ in vat_rate_choices("NL")] == ["21", "9", "0"]
    from decimal import Decimal

    assert "5.5" in [v for v, _ in vat_rate_choices("FR")]
    assert "9" in [v for v, _ in vat_rate_choices("BE", extra=[Decimal("9.00")])]
