"""What the Octopus simulator refuses in a booking or a relation, with Octopus's error codes.

The codes are the SOAP numbering the REST API reuses (bookkeeping-apis.md §2.8, inaras-php
`ReturnCodes.php`); the constant's name goes into `technicalInfo`. Where the facts name a rule but
not its code, or are silent on the rule, the comment says so and the check is lenient.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from bookkeeping.simulators.octopus.data import (
    ACCOUNTS,
    CLOSED_COST_CENTRES,
    COST_CENTRES,
    VAT_CODES,
    OctopusFault,
    bookyear_json,
    key_id,
)

CENT = Decimal("0.01")
# Currencies the demo dossier knows (-19 ERR_UNKNOWN_CURRENCY otherwise). The facts do not list
# Octopus's currencies; these are the ones a Belgian dossier plausibly holds.
CURRENCIES = frozenset({"EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK", "JPY"})
# vatType codes of a relation (go-octopus comment, §2.5): 0 unknown, 1 Belgian VAT-liable,
# 4 intra-community, 6 outside the EU, 7/8/9 private person BE/EU/non-EU, 10 not VAT-liable.
VAT_TYPES = frozenset({0, 1, 4, 6, 7, 8, 9, 10})
# The text HTTP 403 on a write means to the clients (§2.8, bookkeeping-apis-2.md §5).
JOURNAL_IN_USE_MESSAGE = "Journal is closed or in use by another user"

INSERT_BOOKING = (-24, "Error inserting booking", "ERR_INSERT_BOOKING")
UPDATE_BOOKING = (-35, "Error updating booking", "ERR_UPDATE_BOOKING")


def booking_fault(put: bool, technical: str, status: int = 400) -> OctopusFault:
    """The generic refusal of a booking (-24 on insert, -35 on update) for a rule the facts
    give no own code."""
    code, message, name = UPDATE_BOOKING if put else INSERT_BOOKING
    return OctopusFault(status, code, message, f"{name}: {technical}")


def money(value: Any, field: str) -> Decimal:
    """An amount of the body; a non-number is Octopus's 500 "invalid data format" (§2.8)."""
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation as exc:
        raise OctopusFault(500, -79, "Invalid parameter", f"{field}: {value!r}") from exc


def parse_date(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise OctopusFault(500, -79, "Invalid parameter", f"{field}: {value!r}") from exc


def check_line(line: dict[str, Any], put: bool, *, vat_fit: bool) -> None:
    """A booking line: known account, VAT code and open cost centre, base and VAT of one sign,
    and, with `vat_fit`, a VAT amount that fits the code."""
    account = key_id(line.get("accountKey"))
    if account not in ACCOUNTS:
        raise OctopusFault(400, -21, "Unknown account", f"accountKey {line.get('accountKey')}")
    vat_code = str(line.get("vatCodeKey", line.get("vatCode", "")))
    if vat_code not in VAT_CODES:
        raise OctopusFault(400, -22, "Unknown VAT code", f"vatCodeKey {vat_code}")
    if line.get("costCentreKey") is not None:
        centre = key_id(line["costCentreKey"])
        if centre not in COST_CENTRES:
            raise OctopusFault(400, -40, "Unknown cost centre", f"costCentreKey {centre}")
        if centre in CLOSED_COST_CENTRES:
            raise OctopusFault(400, -41, "Cost centre is closed", f"costCentreKey {centre}")
    base, vat = (
        money(line.get("baseAmount"), "baseAmount"),
        money(line.get("vatAmount"), "vatAmount"),
    )
    if base * vat < 0:
        raise OctopusFault(400, -23, "Base and VAT amount of a booking line differ in sign")
    if not vat_fit:
        return
    # The facts give no rounding rule: base x percentage, rounded to cents, may differ from the
    # line's VAT by one cent (VAT computed per rate and spread over the lines). Code: none is
    # documented for this, so the generic -24/-35.
    expected = (base * Decimal(str(VAT_CODES[vat_code])) / 100).quantize(CENT)
    if abs(vat - expected) > CENT:
        raise booking_fault(put, f"vatAmount {vat} does not fit VAT code {vat_code} ({expected})")


def check_amount(data: dict[str, Any], put: bool) -> None:
    """`amount` is the document total including VAT: the lines' base plus VAT (§2.6).

    A credit note may carry a negative total with positive lines (one client, unconfirmed), so
    the sign is not checked, only the size. No tolerance: the total is the sum of cents.
    """
    lines = data.get("bookingLines") or []
    total = sum(
        (
            money(line.get("baseAmount"), "baseAmount") + money(line.get("vatAmount"), "vatAmount")
            for line in lines
        ),
        Decimal("0"),
    )
    amount = money(data.get("amount"), "amount")
    if abs(amount) != abs(total):
        raise booking_fault(put, f"amount {amount} is not the lines' base plus VAT ({total})")


def check_dates(data: dict[str, Any], bookyear_id: int, period: int) -> None:
    """Document date present and inside the book year and the period; expiry date present.

    The codes -17 and -18 are documented. That the document date must lie in the given period
    is not in the facts (an inference of the tracker): the refusal is -14, the period number
    not being one of that date. If Octopus turns out to accept a late booking in a later
    period, loosen this to the book year.
    """
    if not data.get("documentDate"):
        raise OctopusFault(400, -17, "No document date", "ERR_NO_DOCUMENT_DATE")
    day = parse_date(data["documentDate"], "documentDate")
    if not data.get("expiryDate"):
        raise OctopusFault(400, -18, "No expiry date", "ERR_NO_EXPIRY_DATE")
    parse_date(data["expiryDate"], "expiryDate")
    bookyear = bookyear_json(bookyear_id)
    row = next(p for p in bookyear["periods"] if p["bookyearPeriod"] == period)
    if not parse_date(bookyear["startDate"], "") <= day <= parse_date(bookyear["endDate"], ""):
        raise OctopusFault(
            400,
            -14,
            "Unknown bookyear period nr",
            f"ERR_UNKNOWN_BOOKYEAR_PERIOD_NR: documentDate {day} is outside book year "
            f"{bookyear['bookyearDescription']}",
        )
    if not parse_date(row["startDate"], "") <= day <= parse_date(row["endDate"], ""):
        raise OctopusFault(
            400,
            -14,
            "Unknown bookyear period nr",
            f"ERR_UNKNOWN_BOOKYEAR_PERIOD_NR: documentDate {day} is outside period {period}",
        )


def check_currency(data: dict[str, Any]) -> None:
    """A known currency (-19) and, if given, a positive exchange rate (-20)."""
    currency = str(data.get("currencyCode") or "EUR").upper()
    if currency not in CURRENCIES:
        raise OctopusFault(400, -19, "Unknown currency", f"ERR_UNKNOWN_CURRENCY: {currency}")
    rate = data.get("exchangeRate")
    if rate is not None and money(rate, "exchangeRate") <= 0:
        raise OctopusFault(400, -20, "Illegal exchange rate", f"ERR_ILLEGAL_EXCHANGE_RATE: {rate}")


def relation_fault(technical: str) -> OctopusFault:
    return OctopusFault(
        400, -7, "Error inserting or updating relation", f"ERR_INSERT_UPDATE_RELATION: {technical}"
    )


def check_relation(body: dict[str, Any]) -> None:
    """A relation of the `PUT relations` upsert: a name; a country that is ISO 2 and not empty
    (go-octopus: "not required but can't be empty"); a known vatType; a valid VAT number.

    The VAT number check is an inference (the facts have no rule): a Belgian number (country BE
    or prefix BE) is ten digits with the mod-97 check Belgium uses; other countries' numbers are
    only checked for their characters. Whether the vatType fits the country is not checked
    (not in the facts).
    """
    if not body.get("name"):
        raise relation_fault("name is required")
    country = body.get("country")
    if country is not None and not re.fullmatch(r"[A-Z]{2}", str(country)):
        raise relation_fault(f"country {country!r} is not an ISO 3166 alpha-2 code")
    if "vatType" in body and key_id(body["vatType"]) not in VAT_TYPES:
        raise relation_fault(f"vatType {body['vatType']!r} is unknown")
    vat_number = re.sub(r"[\s.\-]", "", str(body.get("vatNr") or "")).upper()
    if vat_number and not valid_vat_number(vat_number, str(country or "")):
        raise relation_fault(f"vatNr {body['vatNr']!r} is not a valid VAT number")


def valid_vat_number(vat_number: str, country: str) -> bool:
    prefix = vat_number[:2] if vat_number[:2].isalpha() else ""
    digits = vat_number[len(prefix) :]
    if (prefix or country) == "BE":
        if not re.fullmatch(r"[01]\d{9}", digits):
            return False
        return 97 - int(digits[:8]) % 97 == int(digits[8:])
    return bool(re.fullmatch(r"[0-9A-Z+*]{2,13}", digits))
