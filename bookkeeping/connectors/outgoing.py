"""What Booksync sends to a bookkeeping tool: one rule for text, and checks of the values.

Every text field that goes out (names, addresses, cities, descriptions, references, VAT numbers)
passes through `tool_text`. It removes the characters that XML 1.0 cannot carry and that no
bookkeeping text needs: the C0 control characters other than tab, line feed and carriage return,
DEL and the C1 controls (U+007F-U+009F), lone surrogates, and the non-characters U+FFFE/U+FFFF.
Yuki's SOAP documents would be refused whole by the XML writer because of one such character;
Exact Online and Octopus get the same cleaning, so a text looks the same in every tool. Nothing
else is changed: accents, emoji and every printable character go out as typed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from invoicing.models import Invoice

UNSENDABLE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class PayloadFieldError(ValueError):
    """A value of one field cannot be put into the tool's document; names the field."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def tool_text(value: Any) -> str:
    """The text as it is sent to a tool: `None` is empty, the characters above are removed."""
    if value is None:
        return ""
    return UNSENDABLE_CHARACTERS.sub("", str(value))


def clean_payload(value: Any) -> Any:
    """A JSON payload with `tool_text` applied to every string in it (keys included)."""
    if isinstance(value, str):
        return tool_text(value)
    if isinstance(value, dict):
        return {clean_payload(key): clean_payload(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_payload(item) for item in value]
    return value


def finite_amount(value: Any, field: str) -> Decimal:
    """The value as a finite Decimal; PayloadFieldError naming `field` otherwise."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise PayloadFieldError(field, f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise PayloadFieldError(field, f"{value} is not a number")
    return amount


def check_sendable(invoice: Invoice) -> None:
    """PayloadFieldError for a value that no tool can take.

    The forms never let such values in; rows imported around them (or edited in the database)
    can hold them, and they must fail this invoice only, naming the field to correct.
    """
    if invoice.customer_id is None:
        raise PayloadFieldError("the customer", "the invoice has none")
    if invoice.invoice_date is None or invoice.due_date is None:
        raise PayloadFieldError("the dates", "the invoice or due date is empty")
    lines = list(invoice.lines.all())
    if not lines:
        raise PayloadFieldError("the lines", "the invoice has none")
    for position, line in enumerate(lines, 1):
        finite_amount(line.quantity, f"the quantity of line {position}")
        finite_amount(line.unit_price, f"the unit price of line {position}")
        finite_amount(line.vat_rate, f"the VAT rate of line {position}")
