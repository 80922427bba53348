"""Payments in the Exact Online simulator (bookkeeping-apis-2.md §2a): the open items of
`read/financial/ReceivablesList`, the terms of `cashflow/Receivables` (and its 1,000-a-page twin
`bulk/Cashflow/Receivables`), and the test knobs that pay or match an entry.

    sim.pay("2026-0001")                            the entry is paid in full today
    sim.pay("2026-0001", amount="100.00", date=d)   partly: the entry stays open with the rest
    sim.match_credit_note("2026-0001", "2026-C001") the credit note is matched with the invoice:
                                                    both close when they cancel out, else the
                                                    larger keeps the rest open

Each payment or matching is a settlement of the entry (in the entry's sign). An entry's terms:
one paid term per settlement (`IsFullyPaid`, Status 50 "matched", `LastPaymentDate` and `EndDate`
its date) and, while something is left, one open term with the rest (Status 20): so a split
payment gives several rows, as Exact splits a term that is paid in part [I: how Exact cuts the
terms]. ReceivablesList holds the open terms only: a fully paid entry is absent from it.
Matching a credit note counts as a payment on its date for `LastPaymentDate` [I].
The knobs act on the demo division unless `division=` says otherwise, make no call and raise
LookupError when no entry holds the reference (ValueError for an amount above what is open).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bookkeeping.simulators.exact_online.data import DEMO_DIVISION, guid
from bookkeeping.simulators.exact_online.writes import money, odata_date, odata_now

Row = dict[str, Any]
SETTLEMENTS = "Settlements"  # kept on the entry row; not a property, so never served


def open_amount(entry: Row) -> Decimal:
    """What is still open on the entry, in its sign."""
    settled = sum((item["amount"] for item in entry.get(SETTLEMENTS, [])), Decimal(0))
    return money(entry["AmountDC"]) - settled


def terms(entry: Row) -> list[tuple[Decimal, dt.date | None, bool]]:
    """(amount, payment date, fully paid) of each term of the entry."""
    settlements = entry.get(SETTLEMENTS, [])
    found = [(item["amount"], item["date"], True) for item in settlements]
    rest = open_amount(entry)
    if rest != 0 or not settlements:
        last = max((item["date"] for item in settlements), default=None)
        found.append((rest, last, False))
    return found


def receivables_list(entries: list[Row], accounts: dict[str, Row]) -> list[Row]:
    """`read/financial/ReceivablesList`: one row per open term (HID = EntryNumber [I])."""
    rows = []
    for entry in entries:
        account = accounts.get(entry["Customer"], {})
        for amount, _, paid in terms(entry):
            if paid:
                continue
            rows.append(
                {
                    "HID": entry["EntryNumber"],
                    "AccountId": entry["Customer"],
                    "AccountCode": account.get("Code"),
                    "AccountName": account.get("Name"),
                    "Amount": float(amount),
                    "AmountInTransit": 0.0,
                    "CurrencyCode": entry["Currency"],
                    "Description": entry["Description"],
                    "DueDate": entry["DueDate"],
                    "EntryNumber": entry["EntryNumber"],
                    "InvoiceDate": entry["EntryDate"],
                    "InvoiceNumber": entry["InvoiceNumber"],
                    "JournalCode": entry["Journal"],
                    "JournalDescription": entry["JournalDescription"],
                    "Notes": None,
                    "YourRef": entry["YourRef"],
                }
            )
    return rows


def cashflow_receivables(entries: list[Row]) -> list[Row]:
    """`cashflow/Receivables`: every term of every entry, paid (Status 50) or open (20)."""
    rows = []
    for entry in entries:
        for number, (amount, date, paid) in enumerate(terms(entry)):
            paid_on = odata_date(date) if date else None
            rows.append(
                {
                    "ID": guid("receivable", entry["EntryID"], str(number)),
                    "AmountDC": float(amount),
                    "AmountFC": float(amount),
                    "IsFullyPaid": paid,
                    "Status": 50 if paid else 20,
                    "InvoiceNumber": entry["InvoiceNumber"],
                    "EntryNumber": entry["EntryNumber"],
                    "YourRef": entry["YourRef"],
                    "TransactionEntryID": entry["EntryID"],
                    "TransactionID": entry["SalesEntryLines"]["results"][0]["ID"],
                    "TransactionAmountDC": entry["AmountDC"],
                    "LastPaymentDate": paid_on,
                    "DueDate": entry["DueDate"],
                    "EndDate": paid_on if paid else None,
                    "EndPeriod": date.month if paid and date else None,
                    "EndYear": date.year if paid and date else None,
                    "Journal": entry["Journal"],
                    "Account": entry["Customer"],
                    "Modified": entry["Modified"],
                    "Division": entry["Division"],
                }
            )
    return rows


class ReceivablesMixin:
    """The payment knobs of ExactOnlineSimulator (its tables, clock and lock; `_entries_of` of
    BooksMixin)."""

    tables: dict[int, dict[str, list[Row]]]
    lock: Any
    clock: Any
    if TYPE_CHECKING:

        def _entries_of(self, reference: str, division: int) -> list[Row]: ...

    def pay(
        self,
        reference: str,
        amount: Decimal | str | float | None = None,
        date: dt.date | None = None,
        division: int = DEMO_DIVISION,
    ) -> None:
        """A payment of the entry holding `reference`: in full, or `amount` of it."""
        with self.lock:
            entry = self._entries_of(reference, division)[0]
            rest = open_amount(entry)
            paid = rest if amount is None else money(amount).copy_sign(rest)
            if abs(paid) > abs(rest):
                raise ValueError(f"{reference}: {abs(paid)} paid, only {abs(rest)} is open")
            self._settle(entry, paid, date)

    def match_credit_note(
        self,
        invoice_reference: str,
        credit_note_reference: str,
        date: dt.date | None = None,
        division: int = DEMO_DIVISION,
    ) -> None:
        """The credit note is matched with the invoice for what both still have open."""
        with self.lock:
            invoice = self._entries_of(invoice_reference, division)[0]
            credit = self._entries_of(credit_note_reference, division)[0]
            matched = min(abs(open_amount(invoice)), abs(open_amount(credit)))
            self._settle(invoice, matched.copy_sign(open_amount(invoice)), date)
            self._settle(credit, matched.copy_sign(open_amount(credit)), date)

    def _settle(self, entry: Row, amount: Decimal, date: dt.date | None) -> None:
        if amount == 0:
            return
        when = date or dt.datetime.fromtimestamp(self.clock(), tz=dt.UTC).date()
        entry.setdefault(SETTLEMENTS, []).append({"amount": amount, "date": when})
        entry["Modified"] = odata_now(self.clock())
