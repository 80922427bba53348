"""Our customers and invoices as Exact Online documents, and Exact's replies read back into
RemoteRefs (no HTTP here). The sales entry lines need the G/L account lookup, which calls Exact:
they are built by the connector."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from bookkeeping.connectors import vat_kinds
from bookkeeping.connectors.errors import TransientError, later
from bookkeeping.connectors.results import RemoteRef

if TYPE_CHECKING:
    import requests

    from invoicing.models import Customer


def quote(value: str) -> str:
    """An OData string literal."""
    return "'" + value.replace("'", "''") + "'"


def percent(rate: Decimal) -> str:
    """21.00 -> "21", 5.50 -> "5.5": a VAT rate as users write it."""
    text = f"{rate:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def account_payload(customer: Customer) -> dict[str, Any]:
    return {
        "Code": customer.code.strip(),
        "Name": customer.name,
        "VATNumber": "".join(customer.vat_number.split()).replace(".", "").upper(),
        "Email": customer.email,
        "AddressLine1": customer.address,
        "Postcode": customer.postal_code,
        "City": customer.city,
        "Country": customer.country,
        "Status": "C",
        "IsSales": True,
    }


def account_ref(row: Mapping[str, Any]) -> RemoteRef:
    return RemoteRef(remote_id=str(field_of(row, "ID")), number=str(row.get("Code") or "").strip())


def entry_ref(row: Mapping[str, Any]) -> RemoteRef:
    extra = {"journal": str(row.get("Journal") or "").strip(), "type": row.get("Type")}
    return RemoteRef(
        str(field_of(row, "EntryID")), number=str(field_of(row, "EntryNumber")), extra=extra
    )


def unreadable() -> TransientError:
    return TransientError(
        later("Exact Online sent a reply we could not read."),
        hint=later("Sync again: already booked invoices are found, not booked twice."),
    )


def amount_of(value: Any) -> Decimal | None:
    """An amount of a reply (a JSON number), or None when absent or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def field_of(row: Mapping[str, Any], name: str) -> Any:
    """A field every row of this kind has; a reply without it could not be read."""
    value = row.get(name)
    if value is None or value == "":
        raise unreadable()
    return value


def error_text(response: requests.Response) -> str:
    """The text of Exact's `{"error": {"message": {"value": ...}}}`, or ""."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError, RecursionError):
        return ""
    if not isinstance(error, dict):
        return ""
    message = error.get("message")
    value = message.get("value") if isinstance(message, dict) else message
    return " ".join(str(value or "").split("\r\n")).strip()


# The fields of vat/VATCodes that say what a code is for (picqer VatCode.php, go-exactonline):
# `Type` B = 0 % (base amount only), E = excluding, I = including, N = no VAT; `EUSalesListing`
# L = listing goods, S = listing services, N = no listing, T = triangulation (on the EU sales
# list, so intra-community); `Charged` = the customer accounts for the VAT (domestic reverse
# charge, or intra-community). No field marks an export or an exemption: the description does.
VAT_CODE_FIELDS = (
    "Code,Description,Percentage,VATTransactionType,IsBlocked,Type,EUSalesListing,Charged"
)
EU_SALES_LISTING_KINDS = {"L": (vat_kinds.INTRA_GOODS,), "S": (vat_kinds.INTRA_SERVICES,)}


def vat_code_kinds(row: dict[str, Any], percentage: Decimal) -> tuple[str, ...]:
    """The mapping rows a code of vat/VATCodes fits (bookkeeping.connectors.vat_kinds)."""
    listing = str(row.get("EUSalesListing") or "N")
    if listing in EU_SALES_LISTING_KINDS:
        return EU_SALES_LISTING_KINDS[listing]
    if listing == "T":  # triangulation: none of our treatments
        return ()
    if row.get("Charged") and percentage == 0:
        return (vat_kinds.REVERSE_CHARGE,)
    return vat_kinds.kinds_of(percentage, row.get("Description") or "")
