"""The buy/sell bookings of the Octopus simulator: reading them back, POST and PUT, and the
checks a booking passes (see `validation`), including the journal another user has open."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from bookkeeping.simulators.base import SimRequest, SimResponse
from bookkeeping.simulators.octopus.data import (
    BOOKYEARS,
    CLOSED_PERIOD_MESSAGE,
    JOURNAL_CLOSED_MESSAGE,
    REVENUE_ACCOUNT,
    SALES_JOURNAL,
    TIMESTAMP_FORMAT,
    OctopusFault,
    bookyear_json,
    key_id,
    no_data,
    timestamp,
    unwrap,
)
from bookkeeping.simulators.octopus.validation import (
    JOURNAL_IN_USE_MESSAGE,
    booking_fault,
    check_amount,
    check_currency,
    check_dates,
    check_line,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from threading import RLock


class BookingsMixin:
    """The booking endpoints of OctopusSimulator (which holds `journals`, `relations`, `store`,
    `locked_journals` and `lock`)."""

    journals: dict[tuple[int, str], dict[str, Any]]
    relations: dict[int, dict[str, Any]]
    store: dict[tuple[int, str, int], dict[str, Any]]
    locked_journals: set[str]
    check_vat_fit: bool
    lock: RLock
    add_relation: Callable[..., int]

    # Knobs -------------------------------------------------------------------------------------

    def lock_journal(self, journal: str) -> None:
        """Another user has `journal` open in Octopus: writes to it answer 403 until
        `unlock_journal`."""
        with self.lock:
            self.locked_journals.add(journal)

    def unlock_journal(self, journal: str) -> None:
        with self.lock:
            self.locked_journals.discard(journal)

    def close_journal(self, journal: str) -> None:
        """The user closes `journal` in Octopus (every book year): writes answer -11."""
        with self.lock:
            for (_, key), row in self.journals.items():
                if key == journal:
                    row["closed"] = True

    def delete_relation(self, relation_id: int) -> None:
        """Someone deletes a relation in Octopus: bookings for it answer -16."""
        with self.lock:
            self.relations.pop(relation_id, None)

    # Knobs: the books changed behind Booksync's back (Octopus reports no deletions, so only a
    # complete read of the journals shows that a booking is gone).

    def delete_booking(self, reference: str) -> int:
        """Someone deletes the booking(s) under `reference` in Octopus; returns how many. The
        journal's last document number stays (numbers are not given out again)."""
        with self.lock:
            keys = [key for key, b in self.store.items() if b.get("reference") == reference]
            for key in keys:
                del self.store[key]
            return len(keys)

    def add_hand_keyed_booking(
        self,
        *,
        reference: str,
        total: Decimal | str,
        relation: str | int,
        date: dt.date = dt.date(2026, 11, 2),
        journal: str = SALES_JOURNAL,
    ) -> int:
        """A booking keyed by hand in Octopus: the journal's next number, dated `date`, under
        `reference`, for `relation` (a relation name, or our customer id as external relation id;
        created when the dossier has none), one line at the 21 % code whose base plus VAT is
        `total` (Octopus's sign: negative for a credit note). Returns its document number."""
        bookyear_id = next(key for key, year in BOOKYEARS.items() if year == date.year)
        with self.lock:
            relation_id = self._relation_for(relation)
            record = self.journals[(bookyear_id, journal)]
            number = record["lastBookedDocumentNr"] + 1
            record["lastBookedDocumentNr"] = number
            self.store[(bookyear_id, journal, number)] = {
                "bookyearKey": {"id": bookyear_id},
                "journalKey": journal,
                "documentSequenceNr": number,
                "relationIdentificationServiceData": copy.deepcopy(
                    self.relations[relation_id]["relationIdentificationServiceData"]
                ),
                "bookyearPeriodeNr": date.year * 100 + date.month,
                "documentDate": date.isoformat(),
                "expiryDate": (date + dt.timedelta(days=30)).isoformat(),
                "comment": reference,
                "reference": reference,
                "currencyCode": "EUR",
                "exchangeRate": 1.0,
                "paymentMethod": 0,
                **amount_and_lines(Decimal(str(total))),
                "modifiedTimeStamp": timestamp(),
            }
            return number

    def change_amount(self, reference: str, total: Decimal | str) -> None:
        """Someone corrects the total of the booking(s) under `reference` in Octopus: its
        `amount` and its lines (one line at the 21 % code on the first line's account)."""
        with self.lock:
            found = [b for b in self.store.values() if b.get("reference") == reference]
            if not found:
                raise KeyError(f"no booking under reference {reference!r}")
            for booking in found:
                lines = booking.get("bookingLines") or [{}]
                changed = amount_and_lines(Decimal(str(total)), lines[0].get("accountKey"))
                booking.update(changed, modifiedTimeStamp=timestamp())

    def _relation_for(self, relation: str | int) -> int:
        """The id of the relation named `relation`, or with our customer id `relation` as
        external relation id; created when there is none."""
        for key, row in self.relations.items():
            ident = row["relationIdentificationServiceData"]
            if (isinstance(relation, int) and ident["externalRelationId"] == relation) or (
                isinstance(relation, str) and row.get("name") == relation
            ):
                return key
        if isinstance(relation, int):
            return self.add_relation(f"Customer {relation}", external_id=relation)
        return self.add_relation(relation)

    # Reading -----------------------------------------------------------------------------------

    def _get_bookings(self, request: SimRequest) -> SimResponse:
        query = request.query
        found = [
            copy.deepcopy(booking)
            for (bookyear_id, journal, number), booking in self.store.items()
            if query.get("bookyearKeyId", str(bookyear_id)) == str(bookyear_id)
            and query.get("journalKey", journal) == journal
            and query.get("documentSequenceNr", str(number)) == str(number)
        ]
        if not found:
            raise no_data()
        return SimResponse.json(found)

    def _modified_bookings(self, request: SimRequest) -> SimResponse:
        query = request.query
        raw = query.get("modifiedTimeStamp", "")
        try:
            since = dt.datetime.strptime(raw if "." in raw else f"{raw}.000", TIMESTAMP_FORMAT)
        except ValueError as exc:
            raise OctopusFault(400, -79, "Invalid parameter", "modifiedTimeStamp") from exc
        bookyear = query.get("bookyearId", "-1")
        found = [
            copy.deepcopy(booking)
            for (bookyear_id, journal, _), booking in self.store.items()
            if bookyear in ("-1", str(bookyear_id))
            and query.get("journalKey", journal) == journal
            and dt.datetime.strptime(booking["modifiedTimeStamp"], TIMESTAMP_FORMAT) >= since
        ]
        if not found:
            raise no_data()
        return SimResponse.json(found)

    # Writing -----------------------------------------------------------------------------------

    def _post_booking(self, request: SimRequest) -> SimResponse:
        data = self._validate(unwrap(request.json()), put=False)
        key = (data["bookyearKey"]["id"], data["journalKey"], data["documentSequenceNr"])
        journal = self.journals[key[:2]]
        if key in self.store or key[2] != journal["lastBookedDocumentNr"] + 1:
            raise OctopusFault(
                400,
                -13,
                "Illegal document sequence number",
                f"expected {journal['lastBookedDocumentNr'] + 1}, got {key[2]}",
            )
        journal["lastBookedDocumentNr"] = key[2]
        self.store[key] = data
        return SimResponse.json([], status=201)

    def _put_booking(self, request: SimRequest) -> SimResponse:
        data = self._validate(unwrap(request.json()), put=True)
        key = (data["bookyearKey"]["id"], data["journalKey"], data["documentSequenceNr"])
        if key not in self.store:
            raise OctopusFault(400, -34, "Booking does not exist", f"{key}")
        self.store[key] = data
        return SimResponse(204)

    def _validate(self, body: dict[str, Any], *, put: bool) -> dict[str, Any]:
        """A copy of the booking with normalised keys; raises the Octopus error of a bad one."""
        data = copy.deepcopy(body)
        bookyear_id = key_id(data.get("bookyearKey"))
        if bookyear_id not in BOOKYEARS:
            raise OctopusFault(400, -9, "Unknown bookyear", f"bookyearKey {bookyear_id}")
        journal = self.journals.get((bookyear_id, str(data.get("journalKey"))))
        if journal is None:
            raise OctopusFault(400, -10, "Unknown journal", f"journalKey {data.get('journalKey')}")
        number = key_id(data.get("documentSequenceNr"))
        if not number or number < 1:
            raise OctopusFault(400, -13, "Illegal document sequence number", f"{number}")
        period = key_id(data.get("bookyearPeriodeNr"))
        periods = [p["bookyearPeriod"] for p in bookyear_json(bookyear_id)["periods"]]
        if period not in periods:
            raise OctopusFault(400, -14, "Unknown bookyear period nr", f"{period}")
        self._check_journal_open(journal, period, put)
        check_dates(data, bookyear_id, period)
        check_currency(data)
        data["relationIdentificationServiceData"] = self._relation_of(data)
        for line in data.get("bookingLines") or []:
            check_line(line, put, vat_fit=self.check_vat_fit)
        check_amount(data, put)
        data.update(
            bookyearKey={"id": bookyear_id},
            documentSequenceNr=number,
            modifiedTimeStamp=timestamp(),
        )
        return data

    def _check_journal_open(self, journal: dict[str, Any], period: int, put: bool) -> None:
        """Closed journal (-11), closed or protected period (-15), or a journal another user has
        open: HTTP 403, which the clients read as "journal is closed or in use by another user"
        (§2.8). Octopus's code for the latter is not documented: the generic -24/-35 with that
        text."""
        if journal["closed"]:
            raise OctopusFault(403, -11, JOURNAL_CLOSED_MESSAGE, f"journal {journal['journalKey']}")
        if period <= max(journal["closedPeriod"], journal["protectedPeriod"]):
            raise OctopusFault(403, -15, CLOSED_PERIOD_MESSAGE, f"period {period}")
        if journal["journalKey"] in self.locked_journals:
            fault = booking_fault(put, f"journal {journal['journalKey']} is in use", status=403)
            fault.message = JOURNAL_IN_USE_MESSAGE
            raise fault

    def _relation_of(self, data: dict[str, Any]) -> dict[str, Any]:
        ident = data.get("relationIdentificationServiceData") or {}
        relation_id = key_id(ident.get("relationKey"))
        external_id = key_id(ident.get("externalRelationId")) or 0
        for key, relation in self.relations.items():
            stored = relation["relationIdentificationServiceData"]
            if key == relation_id or (external_id and stored["externalRelationId"] == external_id):
                return copy.deepcopy(stored)
        raise OctopusFault(400, -16, "Unknown relation", f"relationKey {relation_id}")


def amount_and_lines(total: Decimal, account: Any = None) -> dict[str, Any]:
    """`amount` and one booking line at the 21 % code whose base plus VAT is `total` (the
    line positive, as Octopus keeps the lines of a sales credit note)."""
    size = abs(total)
    base = (size / Decimal("1.21")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    line = {
        "accountKey": account or REVENUE_ACCOUNT,
        "baseAmount": float(base),
        "vatCodeKey": "21",
        "vatAmount": float(size - base),
        "comment": "",
    }
    return {"amount": float(total), "bookingLines": [line]}
