"""Test knobs that change the books behind Booksync's back, as a person in Exact Online would.

    sim.delete_booking("2026-0001")          the entry (every entry) with that YourRef is deleted:
                                             gone from SalesEntries and TransactionLines, each of
                                             its lines in `sync/Deleted` (EntityType 1)
    sim.add_hand_keyed_entry(reference="2026-0001", total="242.00", customer_code="C00001",
                             date=dt.date(2026, 11, 2))
                                             an entry keyed by hand in the sales journal (the
                                             credit-note journal, Type 21, for a negative total):
                                             one line of `total` on 700000 without VAT; the
                                             account is found by code (or `customer_name=`), and
                                             created when missing; `journal="90"` books it in
                                             another journal; returns its EntryNumber
    sim.change_amount("2026-0001", "250.00") the entry's total becomes `total` (the difference on
                                             its last line's net amount); its TransactionLines get
                                             new Timestamps, so a cursor read sees the change

They act on the demo division unless `division=` says otherwise, make no call (not counted) and
raise LookupError when no entry holds the reference.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from bookkeeping.simulators.exact_online import data, ledger
from bookkeeping.simulators.exact_online.data import DEMO_DIVISION, guid, padded
from bookkeeping.simulators.exact_online.writes import money, odata_now

Row = dict[str, Any]


class BooksMixin:
    """Mixed into ExactOnlineSimulator (its tables, timestamps and lock; `_book_entry`,
    `_remove_entry` and `_account_row` of WritesMixin)."""

    tables: dict[int, dict[str, list[Row]]]
    timestamps: dict[int, int]
    lock: Any
    clock: Any

    def delete_booking(self, reference: str, division: int = DEMO_DIVISION) -> int:
        """Deletes every entry whose YourRef is `reference`; returns how many."""
        with self.lock:
            ids = [row["EntryID"] for row in self._entries_of(reference, division)]
            for entry_id in ids:
                self._remove_entry(division, entry_id)
            return len(ids)

    def add_hand_keyed_entry(
        self,
        *,
        reference: str,
        total: Decimal | str | float,
        customer_code: str = "",
        customer_name: str = "",
        date: dt.date | None = None,
        journal: str = "",
        division: int = DEMO_DIVISION,
    ) -> int:
        """Books an entry as a person keys it in Exact; returns its EntryNumber."""
        amount = money(total)
        credit = amount < 0
        date = date or dt.date(2026, 11, 2)
        with self.lock:
            account = self._account_for(division, customer_code, customer_name)
            body = {
                "Journal": journal or (data.CREDIT_NOTE_JOURNAL if credit else data.SALES_JOURNAL),
                "Customer": account["ID"],
                "EntryDate": f"{date.isoformat()}T00:00:00Z",
                "DueDate": f"{(date + dt.timedelta(days=30)).isoformat()}T00:00:00Z",
                "YourRef": reference,
                "Description": f"{reference} keyed by hand"[:60],
                "Currency": "EUR",
                "Type": 21 if credit else 20,
                "SalesEntryLines": [
                    {
                        "GLAccount": guid(division, "gl", data.REVENUE_ACCOUNT),
                        "AmountFC": float(amount),
                        "VATCode": "0",
                        "VATAmountFC": 0.0,
                        "Description": "Keyed by hand",
                    }
                ],
            }
            return int(self._book_entry(division, body)["EntryNumber"])

    def change_amount(
        self, reference: str, total: Decimal | str | float, division: int = DEMO_DIVISION
    ) -> None:
        """The entry holding `reference` now totals `total` (including VAT)."""
        wanted = money(total)
        with self.lock:
            tables = self.tables[division]
            for entry in self._entries_of(reference, division):
                lines = entry["SalesEntryLines"]["results"]
                difference = wanted - money(entry["AmountFC"])
                lines[-1]["AmountFC"] = float(money(lines[-1]["AmountFC"]) + difference)
                entry["AmountFC"] = entry["AmountDC"] = float(wanted)
                entry["Modified"] = odata_now(self.clock())
                account = next(
                    (r for r in tables["crm/Accounts"] if r["ID"] == entry["Customer"]), None
                )
                rows = tables["sync/Financial/TransactionLines"]
                rows[:] = [row for row in rows if row["EntryID"] != entry["EntryID"]]
                stamp = self.timestamps[division]
                self.timestamps[division] = stamp + len(lines)
                rows += ledger.transaction_lines(entry, account, entry["JournalDescription"], stamp)

    def _entries_of(self, reference: str, division: int) -> list[Row]:
        found = [
            row
            for row in self.tables[division]["salesentry/SalesEntries"]
            if row["YourRef"] == reference
        ]
        if not found:
            raise LookupError(f"No entry holds the reference {reference!r}")
        return found

    def _account_for(self, division: int, code: str, name: str) -> Row:
        """The account with this code (or name), created as a person would when missing."""
        table = self.tables[division]["crm/Accounts"]
        for row in table:
            if (code and row["Code"] == padded(code)) or (
                not code and name and row["Name"] == name
            ):
                return row
        if not code:
            numbers = [int(row["Code"]) for row in table if row["Code"].strip().isdigit()]
            code = str(max(numbers, default=0) + 1)
        row = self._account_row(division, {"Code": code, "Name": name or f"Customer {code}"})
        row["ID"] = str(uuid.uuid4())
        table.append(row)
        return row
