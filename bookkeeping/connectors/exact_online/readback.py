"""Reading Exact Online's books back (bookkeeping-apis-2.md §1a): the sales and credit-note
journals from `sync/Financial/TransactionLines`, deletions from `sync/Deleted`.

Both sync endpoints return 1,000 rows a call, need a `$select`, and filter server-side on their
ever-increasing `Timestamp` only (`Timestamp gt {n}L`): other journals and entries dated before
`since` are dropped here. The cursor keeps the last Timestamp of each ("lines:…|deleted:…").

A first read (no cursor) takes every line and is complete; it also reads `sync/Deleted` once for
its cursor. A later read asks `sync/Deleted` first: `EntityKey` of a deleted TransactionLine is
the line's key, which the mirror (by EntryID) does not keep, so when any line was deleted since
the cursor the read takes the journals completely again (one call per 1,000 lines) and is
complete; otherwise it takes the lines changed since the cursor (usually one call) and is not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bookkeeping.connectors.exact_online.payload import amount_of, field_of, unreadable
from bookkeeping.connectors.results import BookingFacts, ReadBack

if TYPE_CHECKING:
    import requests

    from bookkeeping.connectors.base import ConnectorConfig

LINES = "sync/Financial/TransactionLines"
DELETED = "sync/Deleted"
LINE_FIELDS = (
    "Timestamp,EntryID,EntryNumber,YourRef,JournalCode,Date,Account,AccountCode,AccountName,"
    "LineNumber,AmountFC,VATAmountFC"
)
# Exact's Timestamps are positive; the sync clients start a first read after 1 [V leapforce].
FIRST = 1
TRANSACTION_LINES = 1  # EntityType of a deleted TransactionLine
MAX_SYNC_PAGES = 10_000
CURSOR = re.compile(r"^lines:(\d+)\|deleted:(\d+)$")
DATE = re.compile(r"/Date\((-?\d+)\)/")
CENT = Decimal("0.01")

Row = dict[str, Any]


def parse_cursor(cursor: str) -> tuple[int, int] | None:
    """(lines, deleted) Timestamps of a cursor; None for a first read (or one we cannot read)."""
    match = CURSOR.match(cursor or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def date_of(value: Any) -> dt.date | None:
    text = str(value or "")
    match = DATE.match(text)
    if match:
        return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.UTC).date()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def entry_total(lines: list[Row]) -> Decimal | None:
    """The entry's total including VAT, in Exact's sign (credit notes negative).

    Exact's SalesEntry doc says the header line (LineNumber 0) of an entry carries the sum of its
    amounts [I: not confirmed on TransactionLines], so that line is the total when it is there.
    Without it (the simulator sends only the entry lines, signed as the entry's lines) the total
    is the sum of each line's net amount and VAT. A read with a cursor gets every line of a
    changed entry, as they are re-stamped together [I].
    """
    header = [line for line in lines if line.get("LineNumber") == 0]
    if header:
        amount = amount_of(header[0].get("AmountFC"))
        return None if amount is None else amount.quantize(CENT)
    total = Decimal(0)
    for line in lines:
        amount = amount_of(line.get("AmountFC"))
        if amount is None:
            return None
        total += amount + (amount_of(line.get("VATAmountFC")) or Decimal(0))
    return total.quantize(CENT)


def bookings_of(rows: Iterable[Row], journals: set[str], since: dt.date) -> list[BookingFacts]:
    """One BookingFacts per entry of `journals` dated from `since`, from its lines."""
    by_entry: dict[str, list[Row]] = {}
    for row in rows:
        if str(row.get("JournalCode") or "").strip() in journals:
            # The key as Exact sends it, as `entry_ref` saves it on the ExternalRecord.
            by_entry.setdefault(str(field_of(row, "EntryID")), []).append(row)
    bookings = []
    for entry_id, lines in by_entry.items():
        first = next((line for line in lines if line.get("LineNumber") == 0), lines[0])
        date = date_of(first.get("Date"))
        if date is not None and date < since:
            continue
        bookings.append(
            BookingFacts(
                reference=str(first.get("YourRef") or ""),
                customer_id=str(first.get("Account") or "").lower(),
                customer_code=str(first.get("AccountCode") or "").strip(),
                total=entry_total(lines),
                remote_id=entry_id,
                number=str(first.get("EntryNumber") or ""),
                date=date,
                customer_name=str(first.get("AccountName") or ""),
            )
        )
    return bookings


class ReadBackMixin:
    """`read_bookings` of ExactOnlineConnector (its `request`, `_path` and `_entity`)."""

    config: ConnectorConfig
    if TYPE_CHECKING:

        def request(self, method: str, url: str, **kwargs: Any) -> requests.Response: ...
        def _entity(self, response: requests.Response) -> Row: ...
        def _path(self, entity: str) -> str: ...

    def read_bookings(self, *, since: dt.date, cursor: str = "") -> ReadBack:
        journals = {
            code.strip()
            for code in (self.config.sales_journal, self.config.credit_note_journal)
            if code and code.strip()
        }
        calls = [0]
        stamps = parse_cursor(cursor)
        complete = True
        if stamps is None:
            rows, lines_to = self._sync_rows(LINES, LINE_FIELDS, FIRST, calls)
            _, deleted_to = self._sync_rows(DELETED, "Timestamp", FIRST, calls)
        else:
            lines_from, deleted_from = stamps
            deleted, deleted_to = self._sync_rows(
                DELETED, "Timestamp,EntityKey,EntityType", deleted_from, calls
            )
            if any(row.get("EntityType") == TRANSACTION_LINES for row in deleted):
                rows, lines_to = self._sync_rows(LINES, LINE_FIELDS, FIRST, calls)
            else:
                rows, lines_to = self._sync_rows(LINES, LINE_FIELDS, lines_from, calls)
                complete = False
        return ReadBack(
            bookings_of(rows, journals, since),
            cursor=f"lines:{lines_to}|deleted:{deleted_to}",
            complete=complete,
            calls=calls[0],
        )

    def _sync_rows(
        self, entity: str, select: str, after: int, calls: list[int]
    ) -> tuple[list[Row], int]:
        """Every row of a sync endpoint with a Timestamp above `after`, and the last Timestamp."""
        rows: list[Row] = []
        last = after
        url: str | None = self._path(entity)
        params: dict[str, str] | None = {"$select": select, "$filter": f"Timestamp gt {after}L"}
        for _ in range(MAX_SYNC_PAGES):
            response = self.request("GET", url, params=params)
            calls[0] += 1
            data = self._entity(response)
            page = data.get("results", [])
            if not isinstance(page, list) or not all(isinstance(row, dict) for row in page):
                raise unreadable()
            rows.extend(page)
            for row in page:
                last = max(last, int(field_of(row, "Timestamp")))
            url, params = data.get("__next"), None
            if not url:
                break
            if not isinstance(url, str):
                raise unreadable()
        return rows, last
