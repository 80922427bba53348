"""Money arithmetic with one rounding rule.

Rule: each line amount is quantity x unit price, rounded half up to cents. VAT is computed per
VAT rate on the sum of the line amounts of that rate, rounded half up to cents. The total is the
subtotal plus the VAT of every rate. This is how Belgian and Dutch invoices are usually printed,
and it keeps the VAT lines sent to the bookkeeping tool equal to the VAT on the invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    vat_total: Decimal
    total: Decimal
    # VAT rate -> (base amount, VAT amount), in the order the rates first appear.
    per_rate: dict[Decimal, tuple[Decimal, Decimal]] = field(default_factory=dict)


def compute_totals(lines: Iterable[tuple[Decimal, Decimal, Decimal]]) -> Totals:
    """Totals of (quantity, unit price, VAT rate %) lines under the rounding rule above."""
    bases: dict[Decimal, Decimal] = {}
    for quantity, unit_price, vat_rate in lines:
        rate = Decimal(vat_rate).quantize(CENT)
        bases[rate] = bases.get(rate, Decimal("0.00")) + round_cents(quantity * unit_price)
    per_rate = {rate: (base, round_cents(base * rate / 100)) for rate, base in bases.items()}
    subtotal = sum((base for base, _ in per_rate.values()), Decimal("0.00"))
    vat_total = sum((vat for _, vat in per_rate.values()), Decimal("0.00"))
    return Totals(
        subtotal=subtotal, vat_total=vat_total, total=subtotal + vat_total, per_rate=per_rate
    )
