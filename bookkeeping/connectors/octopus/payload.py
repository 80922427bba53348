"""Our customers and invoices as Octopus relations and buy/sell bookings (no HTTP here).

User-facing texts that tests assert are module constants.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.utils import timezone

from bookkeeping.connectors.config import ConnectorConfig
from bookkeeping.connectors.errors import (
    COST_CENTRE,
    REVENUE_ACCOUNT,
    Fix,
    InvoiceRejected,
    later,
    noop,
)
from bookkeeping.connectors.results import BookingFacts, RemoteRef
from invoicing.money import CENT, compute_totals, round_cents
from invoicing.vat import EU_COUNTRIES

if TYPE_CHECKING:
    import requests

    from bookkeeping.models import Integration
    from invoicing.models import Customer, Invoice

CLOSED_PERIOD_MESSAGE = noop("Invoice %(number)s: Book year period is closed (period %(period)s)")
CLOSED_PERIOD_HINT = noop(
    "Reopen period %(year)s/%(month)s in Octopus (or move 'Closed until period'/'Secured till "
    "period' below it), then retry the invoice from the sync history"
)
MISSING_VAT_MESSAGE = noop("Invoice %(number)s: VAT rate %(rate)s%% has no VAT code in Octopus")
MISSING_VAT_HINT = noop("Map %(rate)s%% to a VAT code in Integration settings")
ACCOUNT_HINT = noop(
    "Set the revenue account on the invoice line, or the default revenue account in Integration "
    "settings, to an Octopus account number such as 700000."
)
COST_CENTRE_HINT = noop(
    "Set the cost centre on the invoice line, or the default cost centre in Integration settings, "
    "to the number of an Octopus cost centre."
)

# (where the customer is, has a VAT number) -> Octopus vatType.
VAT_TYPES = {
    ("BE", True): 1,  # Belgian, VAT-liable
    ("EU", True): 4,  # intra-community, VAT-liable
    ("WORLD", True): 6,  # VAT-liable outside the EU
    ("BE", False): 7,  # private person, Belgium
    ("EU", False): 8,  # private person, EU
    ("WORLD", False): 9,  # private person, outside the EU
}


def day_of(value: Any) -> dt.date:
    """A date of an Octopus reply ("2026-01-01" or "2026-01-01T00:00:00...")."""
    return dt.date.fromisoformat(str(value)[:10])


def normalise_vat_number(value: str) -> str:
    """The VAT number without spaces, dots or dashes, upper case ("BE0403170701")."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


def unwrap_booking(row: Any) -> dict[str, Any]:
    """A booking of a reply, wrapped in `buySellBookingServiceData` or bare."""
    if isinstance(row, dict) and isinstance(row.get("buySellBookingServiceData"), dict):
        return row["buySellBookingServiceData"]
    return row if isinstance(row, dict) else {}


def relation_body(customer: Customer) -> dict[str, Any]:
    """The `PUT relations` upsert body: a client, matched on our customer id."""
    vat_number = normalise_vat_number(customer.vat_number)
    country = customer.country or (vat_number[:2] if vat_number[:2].isalpha() else "") or "BE"
    zone = "BE" if country == "BE" else "EU" if country in EU_COUNTRIES else "WORLD"
    return {
        "relationIdentificationServiceData": {"externalRelationId": customer.pk},
        "name": customer.name,
        "client": True,
        "supplier": False,
        "vatNr": vat_number,
        "vatType": VAT_TYPES[(zone, bool(vat_number))],
        "streetAndNr": customer.address,
        "postalCode": customer.postal_code,
        "city": customer.city,
        "country": country.upper(),
        "email": customer.email,
        "active": True,
    }


def check_invoice(
    invoice: Invoice, config: OctopusConfig, vat_code: Callable[[Invoice, Any], str]
) -> list[dict[str, Any]]:
    """The booking lines of the invoice, checked before any call to Octopus.

    Each line carries its base amount and its share of the VAT of its rate (see `line_vats`).
    `vat_code` is the connector's (`Connector.vat_code`). Raises InvoiceRejected for a line without VAT code, a
    missing or non-numeric account or cost centre.
    """
    lines = list(invoice.lines.all())
    vats = line_vats(lines)
    result = []
    for line, vat in zip(lines, vats, strict=True):
        booking_line = {
            "accountKey": _account(invoice, config.revenue_account_of(line)),
            "baseAmount": float(line.amount),
            "vatCodeKey": vat_code(invoice, line),
            "vatAmount": float(vat),
            "comment": line.description[:200],
        }
        cost_centre = (line.cost_centre or config.default_cost_centre).strip()
        if cost_centre:
            if not cost_centre.isdigit():
                raise InvoiceRejected(
                    later(
                        "Invoice %(number)s: cost centre '%(value)s' is not an Octopus cost "
                        "centre number.",
                        number=invoice.number,
                        value=cost_centre,
                    ),
                    code="cost_centre",
                    hint=later(COST_CENTRE_HINT),
                    fix=Fix.SETTINGS,
                    field=COST_CENTRE,
                )
            booking_line["costCentreKey"] = {"id": int(cost_centre)}
        result.append(booking_line)
    return result


def line_vats(lines: list[Any]) -> list[Decimal]:
    """The VAT of each line: its base x rate rounded to cents, then the cents by which the sum
    differs from the VAT of the rate (invoicing.money computes VAT per rate) added one per line,
    largest lines first. So the sums match the invoice and each line's VAT stays within a cent
    of base x rate, which Octopus may check against the VAT code (bookkeeping-apis.md §2.6)."""
    totals = compute_totals((line.quantity, line.unit_price, line.vat_rate) for line in lines)
    vats = [round_cents(line.amount * line.vat_rate / 100) for line in lines]
    for rate, (_, vat_total) in totals.per_rate.items():
        indexes = [i for i, line in enumerate(lines) if line.vat_rate.quantize(CENT) == rate]
        indexes.sort(key=lambda i: abs(lines[i].amount), reverse=True)
        difference = vat_total - sum((vats[i] for i in indexes), Decimal("0.00"))
        step = CENT if difference > 0 else -CENT
        for i in indexes[: int(abs(difference) / CENT)]:
            vats[i] += step
    return vats


def booking_payload(
    invoice: Invoice,
    lines: list[dict[str, Any]],
    *,
    bookyear_id: int,
    journal: str,
    number: int,
    period: int,
    relation_id: int,
) -> dict[str, Any]:
    """The `buySellBookingServiceData` of the invoice. A credit note has a negative total and
    positive lines, as Octopus expects for sales credit notes."""
    total = sum(
        (Decimal(str(line["baseAmount"])) + Decimal(str(line["vatAmount"])) for line in lines),
        Decimal("0.00"),
    )
    sign = -1 if invoice.kind == "credit_note" else 1
    return {
        "buySellBookingServiceData": {
            "bookyearKey": {"id": bookyear_id},
            "journalKey": journal,
            "documentSequenceNr": number,
            "relationIdentificationServiceData": {
                "relationKey": {"id": relation_id},
                "externalRelationId": invoice.customer_id,
            },
            "bookyearPeriodeNr": period,
            "documentDate": invoice.invoice_date.isoformat(),
            "expiryDate": invoice.due_date.isoformat(),
            "comment": invoice.number,
            "reference": invoice.number,
            "amount": float(sign * total),
            "currencyCode": invoice.currency or "EUR",
            "exchangeRate": 1.0,
            "paymentMethod": 0,
            "bookingLines": lines,
        }
    }


def _account(invoice: Invoice, account: str) -> int:
    account = (account or "").strip()
    if not account.isdigit():
        what = (
            later(
                "Invoice %(number)s: revenue account '%(value)s' is not an Octopus account number.",
                number=invoice.number,
                value=account,
            )
            if account
            else later("Invoice %(number)s: a line has no revenue account.", number=invoice.number)
        )
        raise InvoiceRejected(
            what,
            code="account",
            hint=later(ACCOUNT_HINT),
            fix=Fix.SETTINGS,
            field=REVENUE_ACCOUNT,
        )
    return int(account)


@dataclass(frozen=True)
class OctopusConfig(ConnectorConfig):
    """The common choices, the Octopus login and the software house (a setting). The journals
    default to V1 (sales) and V2 (credit notes) when none is chosen."""

    user: str = ""
    password: str = ""
    dossier_id: int | None = None
    software_house_uuid: str = ""

    @classmethod
    def from_integration(cls, integration: Integration, **extra: Any) -> Self:
        credentials = integration.credentials or {}
        config = super().from_integration(
            integration,
            user=str(credentials.get("user", "")),
            password=str(credentials.get("password", "")),
            software_house_uuid=getattr(settings, "OCTOPUS_SOFTWARE_HOUSE_UUID", ""),
            **extra,
        )
        return replace(
            config,
            dossier_id=int(config.target_id) if config.target_id.isdigit() else None,
            sales_journal=config.sales_journal or "V1",
            credit_note_journal=config.credit_note_journal or "V2",
        )


def error_body(response: requests.Response) -> tuple[int | None, str, str]:
    """(errorCode, errorMessage, technicalInfo) of an Octopus error reply; blanks when absent."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return None, "", ""
    if not isinstance(body, dict):
        return None, "", ""
    return (
        to_int(body.get("errorCode")),
        str(body.get("errorMessage") or ""),
        str(body.get("technicalInfo") or ""),
    )


def key_id(value: Any) -> int | None:
    """The id of an Octopus key, `{"id": 1}` or a bare 1."""
    return to_int(value.get("id") if isinstance(value, dict) else value)


def to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def vat_digits(value: str) -> str:
    return re.sub(r"^[A-Z]{2}", "", re.sub(r"[^0-9A-Za-z]", "", value).upper())


def identification(row: Mapping[str, Any]) -> Mapping[str, Any]:
    ident = row.get("relationIdentificationServiceData")
    return ident if isinstance(ident, dict) else row


def relation_id_of(row: Mapping[str, Any]) -> int | None:
    key = identification(row).get("relationKey")
    return to_int(key.get("id") if isinstance(key, dict) else key)


def external_id_of(row: Mapping[str, Any]) -> int | None:
    ident = identification(row)
    return to_int(ident.get("externalRelationId", row.get("externalRelationId")))


def booking_facts(data: Mapping[str, Any]) -> BookingFacts:
    """What a buy/sell booking of a reply shows: reference, relation and total (incl. VAT)."""
    relation = relation_id_of(data)
    try:
        total = Decimal(str(data.get("amount")))
    except ArithmeticError:
        total = None
    return BookingFacts(
        reference=str(data.get("reference") or ""),
        customer_id="" if relation is None else str(relation),
        total=total if total is not None and total.is_finite() else None,
        document=str(data.get("documentSequenceNr") or ""),
    )


def relation_ref(row: Mapping[str, Any]) -> RemoteRef:
    """The RemoteRef of a relation of a reply: its Octopus id."""
    key = str(relation_id_of(row))
    return RemoteRef(remote_id=key, number=key, extra={"name": row.get("name", "")})


def refusal_context(invoice: Invoice, lines: list[dict[str, Any]], config: OctopusConfig) -> dict:
    """What a refusal's hint may name: what was sent for the invoice, and when."""

    def sent(values: Any) -> str:
        return ", ".join(dict.fromkeys(str(value) for value in values))

    return {
        "accounts": sent(line["accountKey"] for line in lines),
        "vat_codes": sent(line["vatCodeKey"] for line in lines),
        "cost_centres": sent(
            line["costCentreKey"]["id"] for line in lines if "costCentreKey" in line
        ),
        "journal": config.journal_of(invoice.kind),
        "number": invoice.number,
        "time": timezone.now().strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
