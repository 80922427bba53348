"""The read-only views the simulator derives from its own sales entries (bookkeeping-apis-2.md
§1a): `sync/Financial/TransactionLines` rows with a Timestamp cursor and `sync/Deleted` rows
(the receivables of §2a: `receivables.py`).

Kept simple: one TransactionLines row per entry line (no debtor or VAT lines; signs as on the
entry line: Exact's ledger signs are [I]); payments make no bank entries here.
"""

from __future__ import annotations

from typing import Any

from bookkeeping.simulators.exact_online.data import guid

Row = dict[str, Any]


def transaction_lines(entry: Row, account: Row | None, journal: str, stamp: int) -> list[Row]:
    """The TransactionLines rows of a new entry; Timestamps from `stamp` on."""
    lines = entry["SalesEntryLines"]["results"]
    return [
        {
            "Timestamp": stamp + number,
            "ID": line["ID"],
            "EntryID": entry["EntryID"],
            "EntryNumber": entry["EntryNumber"],
            "InvoiceNumber": entry["InvoiceNumber"],
            "JournalCode": entry["Journal"],
            "JournalDescription": journal,
            "YourRef": entry["YourRef"],
            "Account": entry["Customer"],
            "AccountCode": (account or {}).get("Code"),
            "AccountName": (account or {}).get("Name"),
            "GLAccount": str(line.get("GLAccount") or "").lower() or None,
            "VATCode": line.get("VATCode"),
            "Description": line.get("Description") or entry["Description"],
            "Currency": entry["Currency"],
            "AmountFC": line["AmountFC"],
            "AmountDC": line["AmountFC"],
            "VATAmountFC": line["VATAmountFC"],
            "VATAmountDC": line["VATAmountFC"],
            "Date": entry["EntryDate"],
            "DueDate": entry["DueDate"],
            "FinancialYear": entry["ReportingYear"],
            "FinancialPeriod": entry["ReportingPeriod"],
            "LineNumber": number,
            "LineType": 0,
            "Status": entry["Status"],
            "Type": entry["Type"],
            "Modified": entry["Modified"],
            "Division": entry["Division"],
        }
        for number, line in enumerate(lines, start=1)
    ]


def deleted_row(line: Row, stamp: int, when: str) -> Row:
    """The `sync/Deleted` row of a removed transaction line (EntityType 1 = TransactionLines)."""
    return {
        "Timestamp": stamp,
        "ID": guid("deleted", line["ID"]),
        "EntityKey": line["ID"],
        "EntityType": 1,
        "DeletedBy": guid("user"),
        "DeletedDate": when,
        "Division": line["Division"],
    }
