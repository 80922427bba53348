"""Paid or not, in Yuki: the open items of the administration's debtors.

Yuki has no batch form of `CheckOutstandingItem` (one Reference per call), but
`Accounting.OutstandingDebtorItems(sessionID, administrationID, includeBankTransactions,
sortOrder)` answers every open debtor item of the administration in ONE call
(bookkeeping-apis-2.md 2c): `OutstandingDebtorItems/Item` with `Reference` (our Reference, as sent:
digits only where the integration says so, see `YukiConnector.reference`), `OpenAmount`,
`OriginalAmount`, `DueDate`. A refresh is that call, plus Authenticate when the cached session has
expired: at most 2 calls, whatever the number of invoices.

An invoice with no open item is paid (a third-party client marks "any booked invoice absent from
that set as paid"); several items of one Reference (a split payment, or Yuki's note that a number
"might return several items") are summed (`Payments.open_amount`). A credit note and the
invoice it credits stay open items until someone matches them in Yuki. Yuki's open items do not
say when an item was paid: `Payments.paid_at` stays empty.

The reply lists every open item of the administration (50,000 items are some 30 MB of XML): it
is read as it arrives, one item at a time (`call_streamed`), and a refresh keeps one integer per
open reference (`read_payments(None)`, `OpenTotals`), not the reply, a tree or an object per item.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from bookkeeping.connectors.base import Connector, OpenItem, Payments, TransientError
from bookkeeping.connectors.errors import later
from bookkeeping.connectors.results import OpenTotals
from bookkeeping.connectors.yuki.soap import find_text, to_decimal

logger = logging.getLogger(__name__)

# Bank lines not yet matched to an invoice are no open items of an invoice: left out.
INCLUDE_BANK_TRANSACTIONS = "false"
# Any value of the WSDL's OutstandingItemsSortOrder; the order does not matter to us.
SORT_ORDER = "DateAsc"


class YukiPayments(Connector):
    """The payment status of YukiConnector (a mixin; it uses YukiAccess.call_streamed, the config
    and YukiBooks' count of the calls sent)."""

    sent_calls = 0

    def read_payments(self, references: Sequence[str] | None) -> Payments:
        """The open items of the bookings with these references, or (None) the open amount of
        every reference that has one, from ONE OutstandingDebtorItems call (see the module).
        The reply, which lists every open item of the administration, is read as it arrives,
        one item at a time (stream.py). Read-only, safe to repeat."""
        started = self.sent_calls
        wanted = None if references is None else set(references)
        params = [
            ("administrationID", self.config.administration_id),
            ("includeBankTransactions", INCLUDE_BANK_TRANSACTIONS),
            ("sortOrder", SORT_ORDER),
        ]
        kept = self.call_streamed(
            "Accounting",
            "OutstandingDebtorItems",
            params,
            each="Item",
            fold=lambda items: self.keep(items, wanted),
        )
        if kept is None:  # no result element at all: not "nothing is open" (all paid)
            raise TransientError(
                later("Yuki's answer of its open items is missing its result."),
                hint=later("The next sync reads the payment status again."),
            )
        calls = self.sent_calls - started
        quota = self.daily_quota or 0
        logger.info(
            "Yuki payment status of %s: %d open, %d call(s), %.1f%% of the domain's daily quota "
            "of %d calls",
            "every open item" if wanted is None else f"{len(wanted)} invoice(s)",
            len(kept),
            calls,
            100 * calls / quota if quota else 0.0,
            quota,
        )
        kept, unreadable = kept
        if isinstance(kept, OpenTotals):
            return Payments({}, calls=calls, totals=kept, unreadable=unreadable)
        return Payments(kept, calls=calls, unreadable=unreadable)

    def keep(
        self, items: Iterator[Any], wanted: set[str] | None
    ) -> tuple[dict[str, list[OpenItem]] | OpenTotals, frozenset[str]]:
        """What a read keeps of the items: the OpenItems of the wanted references, or (None)
        the summed open amount of every reference; and the references of the items whose open
        amount cannot be read (their invoices are not known to be paid)."""
        unreadable: set[str] = set()
        totals = OpenTotals() if wanted is None else None
        open_items: dict[str, list[OpenItem]] = {}
        for item in items:
            found = self.open_item(item)
            if found is None:
                reference = find_text(item, "Reference")
                if reference and (wanted is None or reference in wanted):
                    unreadable.add(reference)
            elif totals is not None:
                if not totals.add(found.reference, found.open_amount):
                    unreadable.add(found.reference)
            elif found.reference in wanted:
                open_items.setdefault(found.reference, []).append(found)
        return (open_items if totals is None else totals), frozenset(unreadable)

    @staticmethod
    def open_item(item: object) -> OpenItem | None:
        """The OpenItem of one Item (None without a Reference or a readable OpenAmount)."""
        reference = find_text(item, "Reference")
        amount = to_decimal(find_text(item, "OpenAmount"))
        if not reference or amount is None:
            return None
        due = find_text(item, "DueDate")
        try:
            due_date = dt.date.fromisoformat(due[:10]) if due else None
        except ValueError:
            due_date = None
        return OpenItem(
            reference=reference,
            open_amount=amount,
            original_amount=to_decimal(find_text(item, "OriginalAmount")),
            due_date=due_date,
        )
