"""VAT numbers and rates per country, checked with python-stdnum.

A VAT number is stored compact, with its country prefix (BE0403170701), whatever spacing or dots
the user typed. A number without prefix is read as one of the customer's country.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
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


# The member states of the EU (VAT prefixes; Greece is "EL" in VAT numbers, "GR" as a country).
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


class VatTreatment(models.TextChoices):
    """How the law treats a line's VAT: a rate charged here, or a 0 % for a reason of its own.

    Each treatment goes to its own VAT code of the bookkeeping tool and its own box of the VAT
    return; see README "VAT treatments".
    """

    STANDARD = "standard", gettext_lazy("Standard rate")
    REDUCED = "reduced", gettext_lazy("Reduced rate")
    ZERO = "zero", gettext_lazy("Zero rate")
    EXEMPT = "exempt", gettext_lazy("Exempt")
    INTRA_GOODS = "intra_goods", gettext_lazy("Intra-community supply of goods")
    INTRA_SERVICES = "intra_services", gettext_lazy("Intra-community services")
    EXPORT = "export", gettext_lazy("Export outside the EU")
    REVERSE_CHARGE = "reverse_charge", gettext_lazy("Domestic reverse charge")


# Treatments whose VAT is charged at the line's rate (standard, reduced or zero by the rate).
RATED_TREATMENTS = frozenset({VatTreatment.STANDARD, VatTreatment.REDUCED, VatTreatment.ZERO})
# Intra-community B2B: the customer accounts for the VAT in its own EU country. Services are
# the default: most invoices written here are for services (consultancy, licences, work), and the
# user picks "goods" on the line for a supply of goods transported to another member state.
INTRA_TREATMENTS = frozenset({VatTreatment.INTRA_GOODS, VatTreatment.INTRA_SERVICES})
INTRA_DEFAULT = VatTreatment.INTRA_SERVICES


def rated_treatment(rate: Decimal, country: str) -> VatTreatment:
    """Standard (the country's highest rate), reduced (any other rate) or zero (0 %)."""
    rate = Decimal(rate)
    if rate == 0:
        return VatTreatment.ZERO
    rates = [Decimal(r) for r in VAT_RATES.get(country, VAT_RATES["BE"])]
    return VatTreatment.STANDARD if rate >= max(rates) else VatTreatment.REDUCED


def customer_treatment(*, company_country: str, country: str, vat_number: str) -> str:
    """The 0 % treatment a customer implies, or "" when its lines are taxed here.

    An EU business (with a VAT number) in another member state: intra-community (services by
    default); a customer outside the EU: export; anyone else: the rate of the company's country.
    """
    if country and country not in EU_COUNTRIES:
        return VatTreatment.EXPORT
    if vat_number and country and country != company_country:
        return INTRA_DEFAULT
    return ""


def default_treatment(rate: Decimal, company_country: str, customer: Any) -> VatTreatment:
    """The treatment of a line whose user did not choose one: a charged rate is taxed here; a 0 %
    line gets the treatment its customer (or None) implies (intra-community, export), else
    "zero"."""
    if Decimal(rate) != 0:
        return rated_treatment(rate, company_country)
    implied = customer_treatment(
        company_country=company_country,
        country=getattr(customer, "country", ""),
        vat_number=getattr(customer, "vat_number", ""),
    )
    return VatTreatment(implied) if implied else VatTreatment.ZERO


# The rules of the law per treatment, as form errors on the line (`treatment_problem`).
ZERO_RATE_NEEDED = gettext_lazy("%(treatment)s is invoiced at 0 %%: set the VAT rate to 0 %%.")
INTRA_NEEDS_VAT_NUMBER = gettext_lazy(
    "%(treatment)s needs the customer's VAT number: add it to %(customer)s, or charge VAT."
)
INTRA_INVALID_VAT_NUMBER = gettext_lazy(
    "%(treatment)s needs a valid VAT number, and %(customer)s's is not: %(reason)s"
)
INTRA_SAME_COUNTRY = gettext_lazy(
    "%(treatment)s is for a customer in another EU country; %(customer)s is in %(country)s "
    "like you: charge VAT, or use domestic reverse charge."
)
INTRA_OUTSIDE_EU = gettext_lazy(
    "%(treatment)s is for a customer in the EU; %(customer)s is in %(country)s: use Export."
)
EXPORT_INSIDE_EU = gettext_lazy(
    "Export is for a customer outside the EU; %(customer)s is in %(country)s: use "
    "intra-community or charge VAT."
)
REVERSE_CHARGE_NEEDS_VAT_NUMBER = gettext_lazy(
    "Domestic reverse charge needs a customer with a VAT number: add it to %(customer)s."
)


def treatment_problem(treatment: str, *, company_country: str, customer: Any) -> str:
    """What the law refuses in a line of this treatment for this customer, or "" (the rate
    is checked apart: `ZERO_RATE_NEEDED`)."""
    if customer is None:
        return ""
    country, vat_number = customer.country, customer.vat_number
    params = {
        "treatment": VatTreatment(treatment).label,
        "customer": customer.name,
        "country": country,
    }
    if treatment in INTRA_TREATMENTS:
        if country not in EU_COUNTRIES:
            return INTRA_OUTSIDE_EU % params
        if country == company_country:
            return INTRA_SAME_COUNTRY % params
        if not vat_number:
            return INTRA_NEEDS_VAT_NUMBER % params
        try:
            clean_vat_number(vat_number, country=country)
        except ValidationError as exc:
            return INTRA_INVALID_VAT_NUMBER % {**params, "reason": " ".join(exc.messages)}
    if treatment == VatTreatment.EXPORT and country in EU_COUNTRIES:
        return EXPORT_INSIDE_EU % params
    if treatment == VatTreatment.REVERSE_CHARGE and not vat_number:
        return REVERSE_CHARGE_NEEDS_VAT_NUMBER % params
    return ""


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
