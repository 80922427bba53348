"""The writes of the Exact Online simulator: `crm/Accounts` and `salesentry/SalesEntries` POSTs
with Exact's validation texts (HTTP 500 with the error body) and per-journal entry numbers."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bookkeeping.simulators.base import SimRequest, SimResponse
from bookkeeping.simulators.exact_online import data, ledger
from bookkeeping.simulators.exact_online.data import guid, padded
from bookkeeping.simulators.exact_online.odata import QueryError, parse_key
from bookkeeping.simulators.exact_online.schema import ENTITIES

ACCOUNT_FIELDS = ENTITIES["crm/Accounts"].properties
# Fields of an account that a PUT may not change (read-only or the key).
READ_ONLY_ACCOUNT_FIELDS = ("ID", "Created", "Modified", "Division")


def error_body(text: str, status: int, headers: dict[str, str] | None = None) -> SimResponse:
    """Exact's error envelope."""
    return SimResponse.json(
        {"error": {"code": "", "message": {"lang": "", "value": text}}}, status, headers
    )


def odata_date(value: dt.date) -> str:
    epoch = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    return f"/Date({int(epoch * 1000)})/"


def odata_now(epoch: float) -> str:
    return f"/Date({int(epoch * 1000)})/"


def parse_date(value: Any) -> dt.date | None:
    """ISO dates (with or without a time) and `/Date(ms)/`; None when unreadable."""
    text = str(value or "")
    match = re.match(r"/Date\((-?\d+)\)/", text)
    if match:
        return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.UTC).date()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class WritesMixin:
    """Creating accounts and sales entries; mixed into ExactOnlineSimulator (its tables, lock held)."""

    tables: dict[int, dict[str, list[dict[str, Any]]]]
    counters: dict[str, int]
    closed_years: set[int]
    timestamps: dict[int, int]
    clock: Any

    def _account_row(self, division: int, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ID": guid(division, "account", body.get("Code", "")) if body.get("Code") else "",
            "Code": padded(str(body.get("Code", ""))),
            "Name": body.get("Name", ""),
            "VATNumber": body.get("VATNumber") or None,
            "Email": body.get("Email") or None,
            "AddressLine1": body.get("AddressLine1") or None,
            "Postcode": body.get("Postcode") or None,
            "City": body.get("City") or None,
            "Country": str(body["Country"]).ljust(3) if body.get("Country") else None,
            "Status": body.get("Status", "C"),
            "IsSales": bool(body.get("IsSales", True)),
            "IsSupplier": bool(body.get("IsSupplier", False)),
            "Type": "A",
            "Division": division,
        }

    def _create_account(self, division: int, request: SimRequest) -> SimResponse:
        body = request.json() or {}
        table = self.tables[division]["crm/Accounts"]
        if not str(body.get("Name") or "").strip():
            return error_body("Mandatory: Name", 500)
        if not body.get("Code"):
            numbers = [int(row["Code"]) for row in table if row["Code"].strip().isdigit()]
            body["Code"] = str(max(numbers, default=0) + 1)
        if len(str(body["Code"]).strip()) > 18:
            return error_body("Invalid: Code (too long)", 500)
        if any(row["Code"] == padded(str(body["Code"])) for row in table):
            return error_body("Gegeven bestaat reeds.", 500)
        row = self._account_row(division, body)
        row["ID"] = str(uuid.uuid4())
        table.append(row)
        return SimResponse.json({"d": dict(row)}, 201)

    def _entry_errors(self, division: int, body: dict[str, Any]) -> list[str]:
        tables = self.tables[division]
        errors = []
        journal = str(body.get("Journal") or "").strip()
        journals = {row["Code"]: row for row in tables["financial/Journals"]}
        if not journal:
            errors.append("Mandatory: Journal")
        elif journal not in journals:
            errors.append(f"Not found: Journal {journal}")
        elif journals[journal]["Type"] != 20:
            errors.append("Invalid: Journal (type).")
        customer = str(body.get("Customer") or "").lower()
        account = next((r for r in tables["crm/Accounts"] if r["ID"].lower() == customer), None)
        if not customer:
            errors.append("Mandatory: Customer")
        elif account is None:
            errors.append(f"Not found: Customer {customer}")
        elif account["Status"] != "C" and not account["IsSales"]:
            errors.append("Invalid: Customer (Type)")
        entry_date = parse_date(body.get("EntryDate"))
        if entry_date is None:
            errors.append("Mandatory: Entry date")
        elif entry_date.year not in data.FINANCIAL_YEARS:
            errors.append("Unknown: Financial year (Period-date table)")
        elif entry_date.year in self.closed_years:
            errors.append("Period is closed")
        if body.get("Type", 20) not in (20, 21):
            errors.append(f"Invalid: Type {body.get('Type')}")
        lines = body.get("SalesEntryLines") or []
        if isinstance(lines, dict):
            lines = lines.get("results", [])
        if not lines:
            errors.append("Mandatory: Lines")
        accounts = {row["ID"].lower(): row for row in tables["financial/GLAccounts"]}
        vat_codes = {row["Code"].strip(): row for row in tables["vat/VATCodes"]}
        for line in lines:
            gl = str(line.get("GLAccount") or "").lower()
            if not gl:
                errors.append("Not found: Account - G/L Account: Sales")
            elif gl not in accounts:
                errors.append(f"Not found: G/L account {gl}")
            code = str(line.get("VATCode") or "").strip()
            if code and (code not in vat_codes or vat_codes[code]["IsBlocked"]):
                errors.append(f"Invalid: VAT code [{code}]")
        return errors

    def _create_entry(self, division: int, request: SimRequest) -> SimResponse:
        body = request.json() or {}
        errors = self._entry_errors(division, body)
        if errors:
            return error_body("\r\n".join(dict.fromkeys(errors)), 500)
        return SimResponse.json({"d": dict(self._book_entry(division, body))}, 201)

    def _book_entry(self, division: int, body: dict[str, Any]) -> dict[str, Any]:
        """Stores a validated SalesEntries body (and its TransactionLines); returns the entry."""
        journal = str(body["Journal"]).strip()
        self.counters[journal] = self.counters.get(journal, 0) + 1
        entry_id = str(uuid.uuid4())
        lines = body["SalesEntryLines"]
        lines = lines.get("results", []) if isinstance(lines, dict) else lines
        stored_lines, amount, vat_amount = self._stored_lines(division, entry_id, lines)
        entry_number = self.counters[journal]
        entry_date = parse_date(body["EntryDate"])
        tables = self.tables[division]
        account = next(
            r for r in tables["crm/Accounts"] if r["ID"].lower() == str(body["Customer"]).lower()
        )
        journal_name = next(
            r["Description"] for r in tables["financial/Journals"] if r["Code"] == journal
        )
        now = odata_now(self.clock())
        entry = {
            "EntryID": entry_id,
            "EntryNumber": entry_number,
            "InvoiceNumber": entry_number,
            "Journal": journal,
            "Customer": str(body["Customer"]).lower(),
            "EntryDate": odata_date(parse_date(body["EntryDate"])),
            "DueDate": odata_date(parse_date(body.get("DueDate")) or parse_date(body["EntryDate"])),
            "YourRef": str(body.get("YourRef") or ""),
            "Description": str(body.get("Description") or ""),
            "Currency": body.get("Currency") or "EUR",
            "Type": body.get("Type", 20),
            "Status": 20,
            "StatusDescription": "Open",
            "AmountFC": float(amount + vat_amount),
            "AmountDC": float(amount + vat_amount),
            "VATAmountFC": float(vat_amount),
            "VATAmountDC": float(vat_amount),
            "SalesEntryLines": {"results": stored_lines},
            "CustomerName": account["Name"],
            "JournalDescription": journal_name,
            "ReportingYear": entry_date.year,
            "ReportingPeriod": entry_date.month,
            "Created": now,
            "Modified": now,
            "Division": division,
        }
        tables["salesentry/SalesEntries"].append(entry)
        stamp = self.timestamps[division] = self.timestamps.get(
            division, data.TIMESTAMP_START
        ) + len(lines)
        tables["sync/Financial/TransactionLines"] += ledger.transaction_lines(
            entry, account, journal_name, stamp - len(lines)
        )
        return entry

    def _stored_lines(
        self, division: int, entry_id: str, lines: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], Decimal, Decimal]:
        """The entry's lines as stored (VAT computed unless sent), the net and the VAT total."""
        vat_codes = {row["Code"].strip(): row for row in self.tables[division]["vat/VATCodes"]}
        stored_lines, amount, vat_amount = [], Decimal("0.00"), Decimal("0.00")
        for line in lines:
            line_amount = money(line.get("AmountFC", line.get("AmountDC")))
            code = str(line.get("VATCode") or "").strip()
            rate = Decimal(str(vat_codes[code]["Percentage"])) if code else Decimal(0)
            vat = money(line["VATAmountFC"]) if "VATAmountFC" in line else money(line_amount * rate)
            amount, vat_amount = amount + line_amount, vat_amount + vat
            stored_lines.append(
                {
                    **line,
                    "ID": str(uuid.uuid4()),
                    "EntryID": entry_id,
                    "AmountFC": float(line_amount),
                    "VATAmountFC": float(vat),
                }
            )
        return stored_lines, amount, vat_amount

    def _delete_entry(self, division: int, key: str) -> SimResponse:
        """DELETE salesentry/SalesEntries(guid'…'): gone, its ledger lines show in sync/Deleted.
        The journal's counter is not rolled back (the "same booking number" trap, §1.10)."""
        tables = self.tables[division]
        try:
            entry_id = parse_key(key)
        except QueryError as exc:
            return error_body(str(exc), 400)
        entries = tables["salesentry/SalesEntries"]
        if not isinstance(entry_id, str) or not any(r["EntryID"] == entry_id for r in entries):
            return error_body("Resource not found for the segment 'SalesEntries'.", 404)
        self._remove_entry(division, entry_id)
        return SimResponse(204)

    def _remove_entry(self, division: int, entry_id: str) -> None:
        """The entry is gone; each of its TransactionLines leaves a `sync/Deleted` row."""
        tables = self.tables[division]
        entries = tables["salesentry/SalesEntries"]
        entries[:] = [row for row in entries if row["EntryID"] != entry_id]
        lines = tables["sync/Financial/TransactionLines"]
        gone = [line for line in lines if line["EntryID"] == entry_id]
        lines[:] = [line for line in lines if line["EntryID"] != entry_id]
        now = odata_now(self.clock())
        for line in gone:
            self.timestamps[division] = self.timestamps.get(division, data.TIMESTAMP_START) + 1
            tables["sync/Deleted"].append(ledger.deleted_row(line, self.timestamps[division], now))

    def _update_account(self, division: int, request: SimRequest, key: str) -> SimResponse:
        """PUT crm/Accounts(guid'…'): the sent fields change, 204 with an empty body."""
        try:
            account_id = parse_key(key)
        except QueryError as exc:
            return error_body(str(exc), 400)
        table = self.tables[division]["crm/Accounts"]
        row = next(
            (r for r in table if isinstance(account_id, str) and r["ID"] == account_id), None
        )
        if row is None:
            return error_body("Resource not found for the segment 'Accounts'.", 404)
        body = request.json()
        if not isinstance(body, dict):
            return error_body("Error processing request stream. JSON text expected.", 400)
        unknown = [name for name in body if name not in ACCOUNT_FIELDS]
        if unknown:
            return error_body(
                f"Error processing request stream. The property name '{unknown[0]}' specified "
                "for type 'Exact.Web.Api.Models.Account' is not valid.",
                400,
            )
        if "Name" in body and not str(body["Name"] or "").strip():
            return error_body("Mandatory: Name", 500)
        if "Code" in body:
            code = padded(str(body["Code"]))
            if any(r["Code"] == code and r is not row for r in table):
                return error_body("Gegeven bestaat reeds.", 500)
            body["Code"] = code
        row.update({k: v for k, v in body.items() if k not in READ_ONLY_ACCOUNT_FIELDS})
        row["Modified"] = odata_now(self.clock())
        return SimResponse(204)
