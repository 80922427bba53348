"""Reading Yuki's books back: the sales invoices the administration holds, as BookingFacts.

Yuki has no "list sales invoices" operation; its read-back is the general ledger:
- a complete read is ONE `AccountingInfo.GetTransactionDetails` call for the debtors account over
  the period (the operation takes no paging parameters): one TransactionInfo per sales document
  on that account, with its documentID, documentReference (our Reference), the amount including
  VAT in Yuki's sign (credit notes negative), its date and the contact;
- a read with a cursor asks `ChangeDigest.GetUpdatedAndDeletedTransactions` for what changed
  since (paged; its dates are taken as the modification times), the only feed that reports
  deletions. Its records carry no documentReference, so the debtors' transactions that were
  created or changed are read again with one GetTransactionDetails over their dates. When the
  digest fills more than `DIGEST_PAGES` pages, one complete read is cheaper: it is made instead.

Every call counts toward the domain's daily quota (1,000 calls a day, shared by everything that
uses the domain): `ReadBack.calls` is what the read cost, and the share of the quota is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import requests

from bookkeeping.connectors.base import BookingFacts, Connector, ReadBack
from bookkeeping.connectors.yuki.soap import descendants, find_text, to_decimal

logger = logging.getLogger(__name__)

# Yuki's documented quota: 1,000 calls a day per domain (bookkeeping-apis-2.md 2c).
DAILY_QUOTA = 1000
# Records per ChangeDigest page, and the pages read before a complete read is the cheaper one:
# after a full page, more digest pages and the read of the changed documents cost at least two
# calls, the complete read one.
DIGEST_PAGE = 100
DIGEST_PAGES = 1
# financialMode of GetTransactionDetails: 0, the financial (not the fiscal) view. The facts name
# the parameter and its type only: the value is an assumption.
FINANCIAL_MODE = "0"
# A cursor is taken this long before the read starts, so that a clock that differs a little
# from Yuki's loses nothing (a change read twice is harmless).
CURSOR_MARGIN = dt.timedelta(minutes=10)
# Bookings dated up to this far ahead are read too (an invoice may be dated in the future).
AHEAD = dt.timedelta(days=366)

# Which G/L account holds the receivable of a sales invoice is not in the facts, and Booksync has
# no setting for it. Setting-free choice: the debtors account of Yuki's standard scheme of the
# administration's country, told by the chart the integration books revenue on: a Belgian
# (6-digit, e.g. 700000) chart keeps its customers on 400000, the Dutch standard scheme (4-digit
# revenue accounts such as 8000) on 1300 "Debiteuren". Reading that one account gives one
# transaction per sales document, with the total including VAT.
DEBTORS_NL = "1300"
DEBTORS_BE = "400000"


class YukiBooks(Connector):
    """The read-back of YukiConnector (a mixin; it uses YukiAccess.call and the config)."""

    sent_calls = 0

    def _send(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        self.sent_calls += 1  # every request reaches Yuki's code and its quota
        return super()._send(method, url, kwargs)

    def debtors_account(self) -> str:
        revenue = re.sub(r"\D", "", self.config.default_revenue_account or "")
        return DEBTORS_BE if len(revenue) >= 6 else DEBTORS_NL

    def read_bookings(self, *, since: dt.date, cursor: str = "") -> ReadBack:
        """The sales documents on the debtors account dated from `since` (a complete read), or
        what changed since `cursor`; see the module. Read-only, safe to repeat."""
        started = self.sent_calls
        now = dt.datetime.now(dt.UTC)
        next_cursor = (now - CURSOR_MARGIN).isoformat(timespec="seconds")
        changes = self.read_digest(cursor, now) if cursor else None
        if changes is None:
            bookings = self.transaction_details(since, now.date() + AHEAD)
            read = ReadBack(bookings, cursor=next_cursor, complete=True)
        else:
            changed, deleted = changes
            bookings = []
            if changed:
                first, last = min(changed.values()), max(changed.values())
                wanted = set(changed)
                bookings = [
                    b
                    for b in self.transaction_details(max(first, since), last)
                    if b.remote_id in wanted
                ]
            read = ReadBack(bookings, cursor=next_cursor, complete=False, deleted=deleted)
        calls = self.sent_calls - started
        logger.info(
            "Yuki read-back of %d booking(s): %d call(s), %.1f%% of the domain's daily quota "
            "of %d calls",
            len(read.bookings),
            calls,
            100 * calls / DAILY_QUOTA,
            DAILY_QUOTA,
        )
        return ReadBack(read.bookings, read.cursor, read.complete, read.deleted, calls)

    def transaction_details(self, start: dt.date, end: dt.date) -> list[BookingFacts]:
        """One GetTransactionDetails call: a BookingFacts per sales document on the debtors
        account dated from `start` to `end`."""
        # fmt: off
        params = [
            ("administrationID", self.config.administration_id),
            ("GLAccountCode", self.debtors_account()),
            ("StartDate", start.isoformat()), ("EndDate", end.isoformat()),
            ("financialMode", FINANCIAL_MODE),
        ]
        # fmt: on
        result = self.call("AccountingInfo", "GetTransactionDetails", params, idempotent=True)
        by_document: dict[str, BookingFacts] = {}
        for info in descendants(result, "TransactionInfo"):
            facts = self.facts_of(info)
            if facts is not None:
                by_document[facts.remote_id] = self.merged(by_document.get(facts.remote_id), facts)
        return list(by_document.values())

    @staticmethod
    def facts_of(info: Any) -> BookingFacts | None:
        """The BookingFacts of one TransactionInfo (None without a document: a memorial entry
        or an opening balance on the debtors account is no invoice)."""
        document_id = find_text(info, "documentID")
        if not document_id:
            return None
        return BookingFacts(
            reference=find_text(info, "documentReference"),
            customer_id=find_text(info, "contactID"),
            customer_code=find_text(info, "contactCode"),
            total=to_decimal(find_text(info, "transactionAmount")),
            document=document_id,
            remote_id=document_id,
            number=document_id,  # the connector shows a booking by its DocumentId
            date=_date(find_text(info, "transactionDate")),
            customer_name=find_text(info, "fullName"),
        )

    @staticmethod
    def merged(earlier: BookingFacts | None, facts: BookingFacts) -> BookingFacts:
        """A document with several lines on the debtors account totals their amounts."""
        if earlier is None or earlier.total is None or facts.total is None:
            return facts
        total = earlier.total + facts.total
        return BookingFacts(**{**earlier.__dict__, "total": total})

    def read_digest(
        self, cursor: str, now: dt.datetime
    ) -> tuple[dict[str, dt.date], list[str]] | None:
        """({document: transaction date} of the debtors' documents created or changed since
        `cursor`, [documents deleted since]); None when a complete read is the cheaper one."""
        account = self.debtors_account()
        changed: dict[str, dt.date] = {}
        deleted: list[str] = []
        for page in range(DIGEST_PAGES):
            # fmt: off
            params = [
                ("administrationID", self.config.administration_id),
                ("startDate", cursor), ("endDate", (now + CURSOR_MARGIN).isoformat()),
                ("numberOfRecords", str(DIGEST_PAGE)),
                ("startRecord", str(page * DIGEST_PAGE + 1)),  # 1-based (assumed)
            ]
            # fmt: on
            result = self.call(
                "ChangeDigest", "GetUpdatedAndDeletedTransactions", params, idempotent=True
            )
            records = descendants(result, "UpdatedTransaction")
            for record in records:
                document_id = find_text(record, "documentID")
                if not document_id or find_text(record, "glAccountCode") != account:
                    continue
                if find_text(record, "deleted").lower() == "true":
                    deleted.append(document_id)
                    changed.pop(document_id, None)
                else:
                    date = _date(find_text(record, "transactionDate"))
                    changed[document_id] = date or now.date()
            if len(records) < DIGEST_PAGE:
                return changed, deleted
        return None


def _date(text: str) -> dt.date | None:
    """The date of a reply's dateTime ("2026-01-15T00:00:00"), None when unreadable."""
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None
