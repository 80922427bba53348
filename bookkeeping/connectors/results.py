"""What connectors return: where a record lives in the tool, push results, list items."""

from __future__ import annotations

import datetime as dt
import hashlib
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bookkeeping.connectors.errors import InvoiceRejected


@dataclass(frozen=True)
class BookingFacts:
    """What the tool shows of a booking it holds: the proof that it is (or is not) our invoice.

    `reference` is the tool's reference field exactly as stored; `customer_id` the tool's key of
    the customer (and `customer_code` its code where the tool gives one); `total` the booking's
    total including VAT in the tool's own sign (credit notes negative), None when not shown.
    From a read-back also the booking's own key and number, date and customer name.
    """

    reference: str
    customer_id: str = ""
    customer_code: str = ""
    total: Decimal | None = None
    document: str = ""
    remote_id: str = ""
    number: str = ""
    date: dt.date | None = None
    customer_name: str = ""


@dataclass(frozen=True)
class ReadBack:
    """The bookings of the integration's sales and credit-note journals, read back.

    `complete` is True when `bookings` is everything the journals hold since the date asked (then
    a booking not in it is not in the tool); otherwise it is what changed since `cursor`, and
    `deleted` the keys of the bookings deleted since (where the tool reports deletions). Pass
    `cursor` back to the next read. `calls` is how many calls the read cost.
    """

    bookings: list[BookingFacts]
    cursor: str = ""
    complete: bool = True
    deleted: list[str] = field(default_factory=list)
    calls: int = 0


@dataclass(frozen=True)
class RemoteRef:
    """Where one of our records lives in the tool.

    `remote_id` is the tool's key (a GUID, a relation id, a booking key); `number` is what users
    see: the booking number of an invoice, the code of a customer. `facts` (from `find_invoice`)
    is what the tool shows of the booking, for the sync to prove it is this invoice.
    """

    remote_id: str
    number: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    facts: BookingFacts | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PushResult:
    """The outcome of pushing one invoice: a RemoteRef, or the rejection that stopped it."""

    invoice_id: int
    ref: RemoteRef | None = None
    error: InvoiceRejected | None = None
    # True when the tool answered that it already holds this reference: nothing new was booked.
    # Not proof that the booking is this invoice: `ref` is what find_invoice found (None when it
    # found nothing), and the sync links it only when its facts match the invoice.
    already_booked: bool = False

    @property
    def ok(self) -> bool:
        return self.ref is not None


@dataclass(frozen=True)
class Choice:
    """An item of a list fetched from the tool: a division, journal, account or VAT code."""

    code: str
    label: str
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenItem:
    """An open (unpaid) item of a booking in the tool: what is still to be paid on it."""

    reference: str
    open_amount: Decimal
    original_amount: Decimal | None = None
    due_date: dt.date | None = None


class OpenTotals:
    """The summed open amount of every reference of a long list of open items (a tool that
    lists every open item of a target in one reply), held compactly: an open-addressing table
    in three arrays (24 bytes a slot, at most four fifths full) of the reference's 128-bit
    BLAKE2b digest and its sum in ten-thousandths, instead of objects of about 1 kB an item.
    Two references of one reply share a digest with a chance of about n^2 / 2^129: never, in
    practice. An amount of 10^12 or more cannot be an open item: it is left out."""

    LIMIT = 10**16  # ten-thousandths: the sum of hundreds of such items still fits in 64 bits

    def __init__(self) -> None:
        self._count = 0
        self._allocate(1024)

    def _allocate(self, slots: int) -> None:
        self._high = array("Q", bytes(8 * slots))
        self._low = array("Q", bytes(8 * slots))  # never 0 in a used slot
        self._sums = array("q", bytes(8 * slots))

    def add(self, reference: str, amount: Decimal) -> bool:
        """Adds an open item; False (leaving it out) for an amount no open item can have."""
        units = int(amount.scaleb(4).to_integral_value())
        if abs(units) >= self.LIMIT:
            return False
        if 5 * (self._count + 1) > 4 * len(self._sums):
            self._grow()
        high, low = _digest(reference)
        slot = self._slot(high, low)
        if not self._low[slot]:
            self._high[slot], self._low[slot] = high, low
            self._count += 1
        self._sums[slot] += units
        return True

    def open_amount(self, reference: str) -> Decimal:
        """The sum of the reference's open items (0: it has none)."""
        slot = self._slot(*_digest(reference))
        return Decimal(self._sums[slot] if self._low[slot] else 0).scaleb(-4)

    def __len__(self) -> int:
        """The references with an open item."""
        return self._count

    def _slot(self, high: int, low: int) -> int:
        """The slot that holds the digest, or the empty one where it goes (linear probing)."""
        mask = len(self._sums) - 1
        slot = high & mask
        while self._low[slot] and (self._low[slot] != low or self._high[slot] != high):
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        old = (self._high, self._low, self._sums)
        self._allocate(2 * len(self._sums))
        for high, low, units in zip(*old, strict=True):
            if low:
                slot = self._slot(high, low)
                self._high[slot], self._low[slot], self._sums[slot] = high, low, units


def _digest(reference: str) -> tuple[int, int]:
    digest = hashlib.blake2b(reference.encode(), digest_size=16).digest()
    high, low = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little")
    return high, low or 1


@dataclass(frozen=True)
class Payments:
    """What the tool says about payment of the bookings asked for.

    `open_items` holds every open item of those bookings by reference (a split payment gives
    several); a booking with none is paid (but see `seen`). `paid_at` gives a payment date where the tool tells it.
    `calls` is how many calls the read cost. A read of every open item of the target
    (`read_payments(None)`) gives `totals` instead of `open_items`: their sum per reference.
    """

    open_items: dict[str, list[OpenItem]]
    paid_at: dict[str, dt.date] = field(default_factory=dict)
    calls: int = 0
    # The references the tool showed any item of, paid or open, where it lists both (None: it
    # lists open items only, so a reference without one is paid). A reference it did not show
    # at all is not known to be paid: its booking may be gone (a reconcile says so).
    seen: frozenset[str] | None = None
    totals: OpenTotals | None = None
    # The references with an open item whose amount could not be read: not known to be paid.
    unreadable: frozenset[str] = frozenset()

    def open_amount(self, reference: str) -> Decimal:
        """The summed open amount of the reference's open items (0: none is open)."""
        if self.totals is not None:
            return self.totals.open_amount(reference)
        return sum((item.open_amount for item in self.open_items.get(reference, [])), Decimal(0))
