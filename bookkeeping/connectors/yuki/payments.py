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
"might return several items") are summed by `payments.refresh_payments`. A credit note and the
invoice it credits stay open items until someone matches them in Yuki. Yuki's open items do not
say when an item was paid: `Payments.paid_at` stays empty.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from bookkeeping.connectors.base import Connector, OpenItem, Payments, TransientError
from bookkeeping.connectors.errors import later
from bookkeeping.connectors.yuki.soap import descendants, find_text, to_decimal, xml_result

logger = logging.getLogger(__name__)

# Bank lines not yet matched to an invoice are no open items of an invoice: left out.
INCLUDE_BANK_TRANSACTIONS = "false"
# Any value of the WSDL's OutstandingItemsSortOrder; the order does not matter to us.
SORT_ORDER = "DateAsc"


class YukiPayments(Connector):
    """The payment status of YukiConnector (a mixin; it uses YukiAccess.call, the config and
    YukiBooks' count of the calls sent)."""

    sent_calls = 0

    def read_payments(self, references: Sequence[str]) -> Payments:
        """The open items of the bookings with these references, from ONE OutstandingDebtorItems
        call (see the module). Read-only, safe to repeat."""
        started = self.sent_calls
        wanted = set(references)
        params = [
            ("administrationID", self.config.administration_id),
            ("includeBankTransactions", INCLUDE_BANK_TRANSACTIONS),
            ("sortOrder", SORT_ORDER),
        ]
        result = self.call("Accounting", "OutstandingDebtorItems", params, idempotent=True)
        if result is None:  # no result element at all: not "nothing is open" (all paid)
            raise TransientError(
                later("Yuki's answer of its open items is missing its result."),
                hint=later("The next sync reads the payment status again."),
            )
        open_items: dict[str, list[OpenItem]] = {}
        for item in descendants(xml_result(result), "Item"):
            found = self.open_item(item)
            if found is not None and found.reference in wanted:
                open_items.setdefault(found.reference, []).append(found)
        calls = self.sent_calls - started
        quota = self.daily_quota or 0
        logger.info(
            "Yuki payment status of %d invoice(s): %d open, %d call(s), %.1f%% of the domain's "
            "daily quota of %d calls",
            len(wanted),
            len(open_items),
            calls,
            100 * calls / quota if quota else 0.0,
            quota,
        )
        return Payments(open_items, calls=calls)

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
