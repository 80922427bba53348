"""Amounts in pages: ``{% load money %}`` then ``{{ invoice.total|money:invoice.currency }}``.

Every app's templates may load it: it only calls `config.formats.format_money`, the one helper
that writes 1.234,56 € in Dutch and French and €1,234.56 in English.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from config.formats import format_money

register = template.Library()


@register.filter
def money(amount: Any, currency: str = "EUR") -> str:
    """The amount in the active language's format; "" for no amount, as it is for text."""
    if amount is None or amount == "":
        return ""
    try:
        return format_money(Decimal(str(amount)), currency or "EUR")
    except (InvalidOperation, ValueError):
        return str(amount)
