"""Formats of numbers, amounts and dates per language (FORMAT_MODULE_PATH points here).

Belgian and Dutch readers write 1.234,56 € and 27/11/2026; English keeps €1,234.56. One helper
formats money everywhere: pages (the `money` template filter), notifications and issues.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats
from django.utils.translation import get_language

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_money(amount: Decimal | int | float | str, currency: str = "EUR") -> str:
    """`amount` in the active language: '1.234,56 €' (nl, fr), '€1,234.56' (en)."""
    number = formats.number_format(Decimal(str(amount)), 2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    language = (get_language() or "en").split("-")[0]
    if language == "en":
        if number.startswith("-"):
            return f"-{symbol}{number[1:]}" if len(symbol) == 1 else f"-{symbol} {number[1:]}"
        return f"{symbol}{number}" if len(symbol) == 1 else f"{symbol} {number}"
    return f"{number}\u00a0{symbol}"
