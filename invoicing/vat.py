"""VAT numbers and rates per country, checked with python-stdnum.

A VAT number is stored compact, with its country prefix (BE0403170701), whatever spacing or dots
the user typed. A number without prefix is read as one of the customer's country.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import exceptions as stdnum_errors
from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError

# Country -> (the sentence of the messages, an example of the format). Whole sentences, so that
# each language words them its own way ("Belgische btw-nummers", "numéros de TVA belges").
VAT_FORMATS = {
    "BE": (gettext_lazy("Belgian VAT numbers look like %(example)s."), "BE0123456789"),
    "NL": (gettext_lazy("Dutch VAT numbers look like %(example)s."), "NL123456789B01"),
    "LU": (gettext_lazy("Luxembourg VAT numbers look like %(example)s."), "LU12345678"),
    "FR": (gettext_lazy("French VAT numbers look like %(example)s."), "FR12345678901"),
    "DE": (gettext_lazy("German VAT numbers look like %(example)s."), "DE123456789"),
    "GB": (gettext_lazy("UK VAT numbers look like %(example)s."), "GB123456789"),
}
OTHER_VAT_FORMAT = gettext_lazy("European VAT numbers look like %(example)s.")
# python-stdnum says why in English: our own words for each of its reasons.
STDNUM_REASONS = (
    (stdnum_errors.InvalidLength, gettext_lazy("it has the wrong number of digits")),
    (stdnum_errors.InvalidChecksum, gettext_lazy("its check digits do not match")),
    (stdnum_errors.InvalidFormat, gettext_lazy("it has an unexpected format")),
    (stdnum_errors.InvalidComponent, gettext_lazy("one of its parts is not valid")),
)

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
    sentence, example = VAT_FORMATS.get(country, (OTHER_VAT_FORMAT, "BE0123456789"))
    return str(sentence) % {"example": example}


def _reason(exc: StdnumError) -> str:
    for error_class, reason in STDNUM_REASONS:
        if isinstance(exc, error_class):
            return str(reason)
    return _("it is not a valid number")


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
            _("This VAT number starts with %(prefix)s but the country is %(country)s. %(fmt)s"),
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
            _("This is not a valid VAT number (%(reason)s). %(fmt)s"),
            code="vat_invalid",
            params={"reason": _reason(exc), "fmt": format_message(country)},
        ) from exc


def vat_rate_choices(country: str, *, extra: list[Decimal] | None = None) -> list[tuple[str, str]]:
    """Choices for a line's VAT rate: the country's rates, plus any rate already in use."""
    rates = [Decimal(rate) for rate in VAT_RATES.get(country, VAT_RATES["BE"])]
    for rate in extra or []:
        if rate not in rates:
            rates.append(rate)
    labels = [f"{rate.normalize():f}" for rate in rates]
    return [(label, f"{label} %") for label in labels]
