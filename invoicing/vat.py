"""VAT numbers and rates per country, checked with python-stdnum.

A VAT number is stored compact, with its country prefix (BE0403170701), whatever spacing or dots
the user typed. A number without prefix is read as one of the customer's country.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError

# Country -> (adjective used in messages, an example of the format).
VAT_FORMATS = {
    "BE": ("Belgian", "BE0123456789"),
    "NL": ("Dutch", "NL123456789B01"),
    "LU": ("Luxembourg", "LU12345678"),
    "FR": ("French", "FR12345678901"),
    "DE": ("German", "DE123456789"),
    "GB": ("UK", "GB123456789"),
}
VAT_FORMAT_MESSAGE = "{adjective} VAT numbers look like {example}."

# The standard VAT rates of each country (highest first): offered on invoice lines, and mapped to
# the tool's VAT codes in the integration settings. The one list of them.
VAT_RATES = {
    "BE": ["21", "12", "6", "0"],
    "NL": ["21", "9", "0"],
    "LU": ["17", "14", "8", "3", "0"],
    "FR": ["20", "10", "5.5", "2.1", "0"],
    "DE": ["19", "7", "0"],
    "GB": ["20", "5", "0"],
}


def format_message(country: str) -> str:
    adjective, example = VAT_FORMATS.get(country, ("European", "BE0123456789"))
    return VAT_FORMAT_MESSAGE.format(adjective=adjective, example=example)


def clean_vat_number(value: str, *, country: str) -> str:
    """The compact, prefixed VAT number, or a ValidationError naming the expected format."""
    compact = "".join(ch for ch in value.upper() if ch.isalnum())
    if not compact:
        return ""
    if compact[:2].isalpha():
        prefix, digits = compact[:2], compact[2:]
    else:
        prefix, digits = country, compact
    if prefix != country:
        raise ValidationError(
            "This VAT number starts with %(prefix)s but the country is %(country)s. %(fmt)s",
            code="vat_country",
            params={"prefix": prefix, "country": country, "fmt": format_message(country)},
        )
    module = get_cc_module(country.lower(), "vat")
    if module is None:
        return compact
    try:
        return prefix + module.compact(module.validate(digits))
    except StdnumError as exc:
        raise ValidationError(
            "This is not a valid VAT number (%(reason)s). %(fmt)s",
            code="vat_invalid",
            params={"reason": _lower_first(str(exc).rstrip(".")), "fmt": format_message(country)},
        ) from exc


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def vat_rate_choices(country: str, *, extra: list[Decimal] | None = None) -> list[tuple[str, str]]:
    """Choices for a line's VAT rate: the country's rates, plus any rate already in use."""
    rates = [Decimal(rate) for rate in VAT_RATES.get(country, VAT_RATES["BE"])]
    for rate in extra or []:
        if rate not in rates:
            rates.append(rate)
    labels = [f"{rate.normalize():f}" for rate in rates]
    return [(label, f"{label} %") for label in labels]
