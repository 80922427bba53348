"""Reading back the bookings of the sales and credit-note journals of an Octopus dossier.

One call per journal: `GET /dossiers/{d}/buysellbookings/modified?bookyearId=-1&journalKey=…
&modifiedTimeStamp=yyyy-MM-dd HH:mm:ss.fff` (every book year; no paging is known; a 404 means
"no bookings"). Octopus reports no deletions (bookkeeping-apis-2.md §1b), so only a complete read
tells that a booking is gone.

When a read is complete: the first read of a connector (one connector serves one sync run or one
reconcile) is always complete, whatever cursor it is given; a later read of the same connector
with a cursor asks only what changed since then (`complete=False`). Why: a complete read costs
the same calls as one of changes (one per journal; Octopus counts calls, about 48 a day on this
endpoint, not rows), so every reconcile and every sync sees deletions at the price of a larger
reply, and the cursor only spares the bytes of repeated reads within one run, minutes apart.

The cursor is the latest `modifiedTimeStamp` the bookings showed, as Octopus wrote it (its own
clock, so no clock of ours is compared with it). Octopus is asked for bookings modified from that
moment on, so the booking(s) of that very moment come again: harmless, the mirror is keyed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bookkeeping.connectors.octopus.payload import booking_facts, day_of, key_id, to_int
from bookkeeping.connectors.octopus.payload import unwrap_booking as unwrap
from bookkeeping.connectors.results import BookingFacts, ReadBack

if TYPE_CHECKING:
    from bookkeeping.connectors.octopus.connector import OctopusConnector

# Octopus's timestamp format (`yyyy-MM-dd HH:mm:ss.fff`).
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.000"
# A booking may be keyed before its document date: a complete read asks for every booking
# modified from this long before the first date that matters.
KEYED_AHEAD = dt.timedelta(days=366)
CENT = Decimal("0.01")


def read_bookings(connector: OctopusConnector, *, since: dt.date, cursor: str) -> ReadBack:
    """The bookings of the integration's journals (see the module docstring for which read)."""
    calls_before = connector.http_calls
    complete = not cursor or not connector.read_complete_once
    start = since - KEYED_AHEAD if complete else None
    changed_since = (
        dt.datetime.combine(start, dt.time()).strftime(TIMESTAMP_FORMAT) if start else cursor
    )
    bookings: list[BookingFacts] = []
    latest = cursor
    journals = dict.fromkeys([connector.config.sales_journal, connector.config.credit_note_journal])
    for journal in journals:
        rows = connector.get_list(
            connector.dossier_path("/buysellbookings/modified"),
            bookyearId=-1,
            journalKey=journal,
            modifiedTimeStamp=changed_since,
        )
        for row in map(unwrap, rows):
            facts = _facts(connector, row, journal)
            if facts is not None:
                bookings.append(facts)
            latest = max(latest, str(row.get("modifiedTimeStamp") or ""))
    if complete:
        connector.read_complete_once = True
    return ReadBack(
        bookings=bookings,
        cursor=latest,
        complete=complete,
        calls=connector.http_calls - calls_before,
    )


def _facts(connector: OctopusConnector, row: dict[str, Any], journal: str) -> BookingFacts | None:
    """One booking of the reply, keyed as the connector's booking refs; None when its key is
    unreadable (nothing could be linked to it)."""
    bookyear_id = key_id(row.get("bookyearKey"))
    number = to_int(row.get("documentSequenceNr"))
    journal = str(row.get("journalKey") or journal)
    if bookyear_id is None or number is None:
        return None
    ref = connector.booking_ref(bookyear_id, journal, number)
    shown = booking_facts(row)
    try:
        date = day_of(row["documentDate"])
    except (KeyError, TypeError, ValueError):
        date = None
    return BookingFacts(
        reference=shown.reference,
        customer_id=shown.customer_id,
        total=None if shown.total is None else shown.total.quantize(CENT),
        remote_id=ref.remote_id,
        number=ref.number,
        date=date,
    )
