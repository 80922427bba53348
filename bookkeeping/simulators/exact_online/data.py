"""Seeded demo data of the Exact Online simulator, shared by the demo, the tests and benchmarks."""

from __future__ import annotations

import uuid

DEMO_CLIENT_ID = "{demo-client-id}"
DEMO_CLIENT_SECRET = "demo-client-secret"
# Accepted once by the token endpoint (then it rotates like any refresh token), so a seeded
# integration works without the browser consent.
DEMO_REFRESH_TOKEN = "demo-refresh-token-Booksync-0001"

DEMO_DIVISION = 123456
OTHER_DIVISION = 654321
DIVISIONS = {
    DEMO_DIVISION: "Acme BV (demo)",
    OTHER_DIVISION: "Acme BV test division",
}

SALES_JOURNAL = "70"
CREDIT_NOTE_JOURNAL = "71"
# Code -> (description, journal type: 20 sales, 22 purchase, 10 cash, 12 bank, 90 general).
JOURNALS = {
    "70": ("Verkoopboek", 20),
    "71": ("Creditnota's verkoop", 20),
    "60": ("Inkoopboek", 22),
    "10": ("Kas", 10),
    "90": ("Memoriaal", 90),
}
# First EntryNumber of each journal is the counter + 1.
ENTRY_NUMBER_START = {"70": 26700000, "71": 26710000}

REVENUE_ACCOUNT = "700000"
# Code -> (description, type: 110 revenue, 20 debtors, 121 other).
GL_ACCOUNTS = {
    "700000": ("Sales of goods", 110),
    "701000": ("Sales of services", 110),
    "704000": ("Sales of licences", 110),
    "708000": ("Sales discounts", 110),
    # Dutch chart of accounts (Netherlands divisions use four-digit codes).
    "8000": ("Omzet", 110),
    "8010": ("Omzet diensten", 110),
    "400000": ("Trade debtors", 20),
    "451000": ("VAT payable", 121),
}

# Code -> (description, percentage as a fraction, VAT transaction type S/P/B, blocked).
VAT_CODES = {
    "0": ("0% VAT", 0.0, "S", False),
    "1": ("6% VAT", 0.06, "S", False),
    "2": ("12% VAT", 0.12, "S", False),
    "3": ("21% VAT", 0.21, "S", False),
    "4": ("9% VAT (Netherlands low rate)", 0.09, "S", False),
    "IC": ("Intra-community supply 0%", 0.0, "S", False),
    "ICD": ("Intra-community services 0%", 0.0, "S", False),
    "EX": ("Export outside the EU 0%", 0.0, "S", False),
    "MC": ("Btw verlegd (medecontractant) 0%", 0.0, "S", False),
    "VR": ("Vrijgesteld van btw (exempt)", 0.0, "S", False),
    "5": ("21% VAT purchases", 0.21, "P", False),
    "9": ("19% VAT (old)", 0.19, "S", True),
}
# Code -> (Type, EUSalesListing, Charged) where not ("E", "N", False): what the code is for.
VAT_CODE_TYPES = {
    "0": ("B", "N", False),
    "IC": ("B", "L", True),
    "ICD": ("B", "S", True),
    "EX": ("B", "N", False),
    "MC": ("B", "N", True),
    "VR": ("N", "N", False),
}
# The mapping a connected demo integration uses.
VAT_MAPPING = {
    **{"21.00": "3", "12.00": "2", "6.00": "1", "0.00": "0"},
    **{"intra_goods": "IC", "intra_services": "ICD", "export": "EX"},
    **{"reverse_charge": "MC", "exempt": "VR"},
}

# Financial years that exist in the period-date table.
FINANCIAL_YEARS = range(2020, 2031)

# Customers that already exist in the demo division: (code, name, VAT number).
ACCOUNTS = [
    ("1", "Brasserie Demo", "BE0999999922"),
    ("2", "Garage Demo", ""),
]

NAMESPACE = uuid.UUID("5d0a6a4e-6a51-4a4b-9d1e-4a1f3c1b0e11")


def guid(*parts: object) -> str:
    """A stable GUID for seeded rows, so the demo and the tests see the same keys."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


def padded(code: str) -> str:
    """Exact's account code: 18 characters, right-aligned with leading spaces."""
    return code.strip().rjust(18)


# First Timestamp of the sync API rows (an ever-increasing Int64 per division).
TIMESTAMP_START = 8_000_000_000
