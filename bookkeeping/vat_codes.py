"""Which VAT code of the tool an invoice line goes to: the one place that answers it.

An integration's `vat_mapping` maps a key to the tool's VAT code. A line whose VAT is charged at
its rate (standard, reduced or zero rate) is keyed by the rate, "21.00", as before treatments
existed, so mappings saved then keep working; a line with a treatment of its own (exempt,
intra-community, export, domestic reverse charge) is keyed by the treatment, "intra_goods",
whatever its rate (always 0 %). A key as users once wrote it, "21", is read too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from invoicing.vat import VatTreatment

if TYPE_CHECKING:
    from bookkeeping.connectors.results import Choice
    from bookkeeping.models import Integration
    from invoicing.models import Company, Invoice, InvoiceLine

# The mapping rows of the treatments with a key of their own, in the order the settings show them.
TREATMENT_KEYS: tuple[str, ...] = tuple(
    treatment.value
    for treatment in (
        VatTreatment.INTRA_GOODS,
        VatTreatment.INTRA_SERVICES,
        VatTreatment.EXPORT,
        VatTreatment.REVERSE_CHARGE,
        VatTreatment.EXEMPT,
    )
)


def rate_key(rate: Any) -> str:
    """A VAT rate as its mapping key: two decimals ("6" -> "6.00"); "" when not a number."""
    try:
        return f"{Decimal(str(rate)):.2f}"
    except (InvalidOperation, ValueError):
        return ""


def normal_key(key: str) -> str:
    """A key of a saved mapping in its one form: "21" -> "21.00"; a treatment as it is."""
    return key if key in TREATMENT_KEYS else rate_key(key)


def mapping_key(treatment: str, rate: Any) -> str:
    """The key of `vat_mapping` for a treatment and rate: the rate ("21.00") for a rated
    treatment (and for an unknown one), else the treatment ("intra_goods")."""
    if treatment in TREATMENT_KEYS:
        return str(treatment)
    return rate_key(rate)


def key_label(key: str) -> str:
    """The row's name for the user: "VAT 21%" or the treatment's label."""
    if key in TREATMENT_KEYS:
        return str(VatTreatment(key).label)
    shown = format(Decimal(key).normalize(), "f") if rate_key(key) else key
    return _("VAT %(rate)s%%") % {"rate": shown}


def line_key(line: InvoiceLine) -> str:
    return mapping_key(line.vat_treatment, line.vat_rate)


def code_in(mapping: Mapping[str, Any], line: InvoiceLine) -> str | None:
    """The tool's code of the line in a mapping, or None when its key has none."""
    key = line_key(line)
    code = mapping.get(key)
    if not code and key not in TREATMENT_KEYS and key:
        # Keys of before the "21.00" form: "21", "6", "0".
        code = mapping.get(format(Decimal(key).normalize(), "f"))
    return str(code) if code else None


def vat_code_for(integration: Integration, line: InvoiceLine) -> str | None:
    """The VAT code of the integration's tool that the line goes to; None when not mapped."""
    return code_in(integration.vat_mapping or {}, line)


@dataclass(frozen=True)
class UnmappedLine:
    """A line whose treatment and rate have no VAT code: `key` is its mapping row."""

    line: InvoiceLine
    key: str
    label: str


def unmapped_lines(integration: Integration, invoice: Invoice) -> list[UnmappedLine]:
    """The invoice's lines without a VAT code in the integration's mapping, in line order."""
    return unmapped_in(integration.vat_mapping or {}, invoice.lines.all())


def unmapped_in(mapping: Mapping[str, Any], lines: Iterable[InvoiceLine]) -> list[UnmappedLine]:
    return [
        UnmappedLine(line=line, key=line_key(line), label=key_label(line_key(line)))
        for line in lines
        if code_in(mapping, line) is None
    ]


def mapping_keys(rates: Iterable[str], mapped: Iterable[str] = ()) -> list[str]:
    """The rows of the mapping: the rates (highest first), then each treatment of its own, then
    any other key already mapped (kept, so that saving the page never drops it)."""
    mapped = list(mapped)
    rated = {rate_key(key) for key in [*rates, *mapped] if key not in TREATMENT_KEYS} - {""}
    keys = [*sorted(rated, key=Decimal, reverse=True), *TREATMENT_KEYS]
    return keys + [key for key in mapped if key not in keys and not rate_key(key)]


def used_treatment_keys(company: Company) -> set[str]:
    """The treatment rows of the mapping that the company's invoice lines use."""
    from invoicing.models import InvoiceLine

    lines = InvoiceLine.objects.filter(invoice__company=company, vat_treatment__in=TREATMENT_KEYS)
    return set(lines.values_list("vat_treatment", flat=True).distinct())


def propose(keys: Iterable[str], codes: Iterable[Choice]) -> dict[str, str]:
    """The tool's code for each mapping row where its codes make it clear: the one code whose
    kinds (`connectors.vat_kinds`, on `extra["kinds"]`) fit the row, and for a rate row whose
    percentage is the rate. A row with no fit, or several, gets no proposal."""
    codes = list(codes)
    proposal = {}
    for key in keys:
        if key in TREATMENT_KEYS:
            fits = [code for code in codes if key in code.extra.get("kinds", ())]
        else:
            fits = [
                code
                for code in codes
                if "rated" in code.extra.get("kinds", ())
                and rate_key(code.extra.get("percentage")) == key
            ]
        if len(fits) == 1:
            proposal[key] = fits[0].code
    return proposal
