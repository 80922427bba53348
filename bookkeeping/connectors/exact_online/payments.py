"""Paid or not, for Exact Online (bookkeeping-apis-2.md §2a): the receivables of our entries.

Two ways to ask Exact, and what they cost for 1,000 synced invoices (budget: one call per 40
invoices plus 2, i.e. 27):

- `read/financial/ReceivablesList` holds the open items only (absent = paid). It is the whole
  division's open debtor list, paged by 60: its cost grows with every open item of the division
  (other journals, hand-keyed entries, years of old debt), not with our invoices, so 1,000 open
  invoices already take 17 calls and a division with 3,000 open items 50. It has no payment date.
- `cashflow/Receivables` filtered on `YourRef` with `or`-chains of 40 (as ossobv batches): one call
  per 40 invoices, whatever else the division holds: 25 calls for 1,000. It also holds the paid
  terms (`IsFullyPaid`, `LastPaymentDate`), so a paid invoice gets its payment date.

We take the second, on its bulk twin `bulk/Cashflow/Receivables` (same fields and filter, 1,000
rows a page instead of 60): a chain of 40 invoices, each split into a few terms by partial
payments, stays one page, where 60 rows could spill onto a second page. The filter holds the
references only (the URL stays short); other journals are dropped here, as the read-back does.

Each row is a term of an entry: a partial payment splits the term into a paid part
(`IsFullyPaid`) and an open rest, so an entry's open amount is the sum of `AmountDC` of its
unpaid terms (several rows for a split payment), and it is paid when none is left. Its payment
date is the latest `LastPaymentDate` of its terms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bookkeeping.connectors.exact_online.payload import amount_of, quote, unreadable
from bookkeeping.connectors.exact_online.readback import date_of
from bookkeeping.connectors.results import OpenItem, Payments

if TYPE_CHECKING:
    import requests

    from bookkeeping.connectors.base import ConnectorConfig

RECEIVABLES = "bulk/Cashflow/Receivables"
RECEIVABLE_FIELDS = "ID,YourRef,Journal,AmountDC,IsFullyPaid,Status,LastPaymentDate,DueDate"
CHAIN = 40  # references in one `or`-chain (ossobv's batch, §2a): the URL stays well below limits
MAX_PAGES = 100

Row = dict[str, Any]


def chains(references: Sequence[str], size: int = CHAIN) -> list[list[str]]:
    """The references, without duplicates, in chains of `size`."""
    unique = list(dict.fromkeys(references))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def reference_filter(references: Sequence[str]) -> str:
    return " or ".join(f"YourRef eq {quote(reference)}" for reference in references)


def payments_of(rows: list[Row], references: Sequence[str], journals: set[str]) -> Payments:
    """Open items and payment dates of `references` from their receivable rows."""
    wanted = set(references)
    open_items: dict[str, list[OpenItem]] = {}
    last_paid: dict[str, dt.date] = {}
    for row in rows:
        reference = str(row.get("YourRef") or "")
        journal = str(row.get("Journal") or "").strip()
        if reference not in wanted or (journals and journal not in journals):
            continue
        paid_on = date_of(row.get("LastPaymentDate"))
        if paid_on is not None and paid_on > last_paid.get(reference, dt.date.min):
            last_paid[reference] = paid_on
        amount = amount_of(row.get("AmountDC"))
        if row.get("IsFullyPaid") or amount is None or amount == 0:
            continue
        item = OpenItem(reference, open_amount=amount, due_date=date_of(row.get("DueDate")))
        open_items.setdefault(reference, []).append(item)
    paid_at = {ref: date for ref, date in last_paid.items() if ref not in open_items}
    seen = frozenset(
        str(row.get("YourRef") or "") for row in rows if str(row.get("YourRef") or "") in wanted
    )
    return Payments(open_items, paid_at=paid_at, seen=seen)


class PaymentsMixin:
    """`read_payments` of ExactOnlineConnector (its `request`, `_path` and `_entity`)."""

    config: ConnectorConfig
    if TYPE_CHECKING:

        def request(self, method: str, url: str, **kwargs: Any) -> requests.Response: ...
        def _entity(self, response: requests.Response) -> Row: ...
        def _path(self, entity: str) -> str: ...

    def read_payments(self, references: Sequence[str]) -> Payments:
        journals = {
            code.strip()
            for code in (self.config.sales_journal, self.config.credit_note_journal)
            if code and code.strip()
        }
        rows: list[Row] = []
        calls = 0
        for chain in chains(references):
            params = {"$select": RECEIVABLE_FIELDS, "$filter": reference_filter(chain)}
            page, used = self._receivable_rows(params)
            rows.extend(page)
            calls += used
        found = payments_of(rows, references, journals)
        return Payments(found.open_items, paid_at=found.paid_at, calls=calls, seen=found.seen)

    def _receivable_rows(self, params: dict[str, str]) -> tuple[list[Row], int]:
        """Every row of one filtered read (following `__next`), and the calls it took."""
        rows: list[Row] = []
        url: str | None = self._path(RECEIVABLES)
        query: dict[str, str] | None = params
        calls = 0
        for _ in range(MAX_PAGES):
            response = self.request("GET", url, params=query)
            calls += 1
            data = self._entity(response)
            page = data.get("results", [])
            if not isinstance(page, list) or not all(isinstance(row, dict) for row in page):
                raise unreadable()
            rows.extend(page)
            url, query = data.get("__next"), None
            if not url:
                break
            if not isinstance(url, str):
                raise unreadable()
        return rows, calls
