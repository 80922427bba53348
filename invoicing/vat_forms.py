"""The VAT treatment parts of the invoice form: the customer select that tells the page which
treatment each customer implies, and the law's rules of a line's treatment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from invoicing.vat import (
    RATED_TREATMENTS,
    ZERO_RATE_NEEDED,
    VatTreatment,
    customer_treatment,
    default_treatment,
    rated_treatment,
    treatment_problem,
)

if TYPE_CHECKING:
    from invoicing.forms import InvoiceLineForm


class CustomerSelect(forms.Select):
    """Each customer's option says the 0 % treatment it implies (`data-vat-treatment`), for the
    lines' defaults in static/js/invoicing.js."""

    company_country = ""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        customer = getattr(value, "instance", None)
        if customer is not None:
            option["attrs"]["data-vat-treatment"] = customer_treatment(
                company_country=self.company_country,
                country=customer.country,
                vat_number=customer.vat_number,
            )
        return option


def check_treatment(form: InvoiceLineForm, cleaned: dict[str, Any]) -> dict[str, Any]:
    """A line's treatment under the law's rules, for `form.customer` of a company in
    `form.country`: no treatment posted is the one the rate and customer imply; a treatment
    charged at its rate follows the rate (standard, reduced or zero); the others need the 0 %
    rate and what `treatment_problem` asks of the customer (form errors otherwise)."""
    treatment, rate = cleaned.get("vat_treatment"), cleaned.get("vat_rate")
    if treatment is None or rate is None:
        return cleaned
    if not treatment:
        treatment = cleaned["vat_treatment"] = default_treatment(rate, form.country, form.customer)
    if treatment in RATED_TREATMENTS:
        cleaned["vat_treatment"] = rated_treatment(rate, form.country)
        return cleaned
    if rate != 0:
        form.add_error("vat_rate", ZERO_RATE_NEEDED % {"treatment": VatTreatment(treatment).label})
    problem = treatment_problem(treatment, company_country=form.country, customer=form.customer)
    if problem:
        form.add_error("vat_treatment", problem)
    return cleaned
