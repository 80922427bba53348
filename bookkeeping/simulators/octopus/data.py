"""Seeded demo data of the Octopus simulator and the reply shapes it shares.

The constants are the demo dossier that the tests, the demo and the benchmarks use.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bookkeeping.simulators.base import SimResponse

API_PREFIX = "/octopus-rest-api/v1"
TOKEN_LIFETIME_SECONDS = 600
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

# Seeded demo data, shared by the tests, the demo and the benchmarks.
SOFTWARE_HOUSE_UUID = "6f1c2a9e-4b7d-4e0a-9c3f-2d8e5b1a7c40"
USER = "demo@booksync.example"
PASSWORD = "octopus-demo"
DOSSIER_ID = 35493
DOSSIER_NAME = "Booksync Demo BV"
BOOKYEARS = {1: 2025, 2: 2026, 3: 2027}  # bookyearKey.id -> calendar year
SALES_JOURNAL = "V1"
CREDIT_NOTE_JOURNAL = "V2"
JOURNALS = {SALES_JOURNAL: "Verkopen", CREDIT_NOTE_JOURNAL: "Creditnota's verkopen"}
# lastBookedDocumentNr of each journal at reset, per calendar year.
LAST_DOCUMENT_NUMBERS = {(2025, "V1"): 128, (2025, "V2"): 6, (2026, "V1"): 41, (2026, "V2"): 3}
# Periods up to this one are closed and protected at reset (before the first book year).
INITIAL_CLOSED_PERIOD = 202412
CUSTOMER_ACCOUNT = 400000
REVENUE_ACCOUNT = 700000
SERVICES_ACCOUNT = 700100
ACCOUNTS = {
    CUSTOMER_ACCOUNT: "Handelsdebiteuren",
    451000: "Te betalen btw",
    REVENUE_ACCOUNT: "Verkopen handelsgoederen",
    SERVICES_ACCOUNT: "Verkopen diensten",
}
VAT_CODES = {"21": 21.0, "12": 12.0, "6": 6.0, "0": 0.0}  # code -> basePercentage
# The 0 % sales codes of a Belgian dossier with their own VAT return grid. Octopus' codes are
# dossier-specific (bookkeeping-apis.md, open question 5): these names are the simulator's.
VAT_CODES.update({"ICL": 0.0, "ICD": 0.0, "EXP": 0.0, "MC": 0.0, "VRIJ": 0.0})
VAT_DESCRIPTIONS = {
    "ICL": "Intracommunautaire levering 0% (rooster 46)",
    "ICD": "Intracommunautaire diensten 0% (rooster 44)",
    "EXP": "Uitvoer buiten de EU 0% (rooster 47)",
    "MC": "Medecontractant, btw verlegd (rooster 45)",
    "VRIJ": "Vrijgesteld art. 44",
}
VAT_MAPPING = {
    **{"21.00": "21", "12.00": "12", "6.00": "6", "0.00": "0"},
    **{"intra_goods": "ICL", "intra_services": "ICD", "export": "EXP"},
    **{"reverse_charge": "MC", "exempt": "VRIJ"},
}
COST_CENTRES = {1: "Algemeen", 2: "Consultancy", 3: "Projecten", 9: "Oude projecten"}
CLOSED_COST_CENTRES = {9}
CLOSED_PERIOD_MESSAGE = "Book year period is closed"
# -11: the text is not documented (only the code's name ERR_JOURNAL_CLOSED) [I].
JOURNAL_CLOSED_MESSAGE = "Journal is closed"


class OctopusFault(Exception):
    """An error reply in Octopus's shape."""

    def __init__(self, status: int, code: int, message: str, technical: str = ""):
        super().__init__(message)
        self.status, self.code, self.message, self.technical = status, code, message, technical

    def response(self) -> SimResponse:
        body = {"errorCode": self.code, "errorMessage": self.message}
        body["technicalInfo"] = self.technical
        return SimResponse.json(body, status=self.status)


def no_data() -> OctopusFault:
    return OctopusFault(404, 0, "No data found")


def vat_digits(value: str) -> str:
    """A VAT number compared without country prefix, spaces or dots."""
    text = re.sub(r"[^0-9A-Za-z]", "", value or "").upper()
    return re.sub(r"^[A-Z]{2}", "", text)


def unwrap(body: Any) -> dict[str, Any]:
    """A booking body, wrapped in `buySellBookingServiceData` or bare."""
    if isinstance(body, dict) and isinstance(body.get("buySellBookingServiceData"), dict):
        return body["buySellBookingServiceData"]
    if isinstance(body, dict):
        return body
    raise OctopusFault(400, -79, "Invalid parameter", "body is not a JSON object")


def key_id(value: Any) -> int | None:
    """The id of `{"id": n}` or of a bare number."""
    if isinstance(value, dict):
        value = value.get("id")
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def dossier_json() -> dict[str, Any]:
    return {
        "dossierKey": {"id": DOSSIER_ID},
        "dossierDescription": DOSSIER_NAME,
        "vatNr": "BE0403170701",
        "streetAndNr": "Kunstlaan 1",
        "postalCode": "1000",
        "city": "Brussel",
        "country": "BE",
    }


def bookyear_json(bookyear_id: int) -> dict[str, Any]:
    year = BOOKYEARS[bookyear_id]
    periods = []
    for month in range(1, 13):
        last = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        periods.append(
            {
                "bookyearPeriod": year * 100 + month,
                "startDate": dt.date(year, month, 1).isoformat(),
                "endDate": last.isoformat(),
            }
        )
    return {
        "bookyearKey": {"id": bookyear_id},
        "bookyearDescription": str(year),
        "startDate": f"{year}-01-01",
        "endDate": f"{year}-12-31",
        "closed": False,
        "periods": periods,
    }


def timestamp() -> str:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return now.strftime(TIMESTAMP_FORMAT)[:-3]


def account_rows(bookyear_id: int) -> list[dict[str, Any]]:
    return [
        {
            "accountKey": {"id": number, "bookyearKey": {"id": bookyear_id}},
            "description": {f"description_{lang}": text for lang in ("NL", "FR", "EN")},
            "costCentreType": 0,
            "vatRecupPercentage": 100,
            "salesVatCode": "21" if number >= REVENUE_ACCOUNT else "",
            "purchaseVatCode": "",
        }
        for number, text in ACCOUNTS.items()
    ]


def vat_code_rows() -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "description": VAT_DESCRIPTIONS.get(code, f"Verkopen {percentage:g}%"),
            "type": 2,
            "basePercentage": percentage,
            "defaultSellBookingAccountNr": REVENUE_ACCOUNT,
        }
        for code, percentage in VAT_CODES.items()
    ]


def cost_centre_rows() -> list[dict[str, Any]]:
    return [
        {"costCentreKey": {"id": key}, "description": text, "closed": key in CLOSED_COST_CENTRES}
        for key, text in COST_CENTRES.items()
    ]
