"""The buy/sell bookings of the Octopus simulator: reading them back, POST and PUT, and the
checks a booking passes (see `validation`), including the journal another user has open."""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from bookkeeping.simulators.base import SimRequest, SimResponse
from bookkeeping.simulators.octopus.data import (
    BOOKYEARS,
    CLOSED_PERIOD_MESSAGE,
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

    # Knobs -------------------------------------------------------------------------------------

    def lock_journal(self, journal: str) -> None:
        """Another user has `journal` open in Octopus: writes to it answer 403 until
        `unlock_journal`."""
        with self.lock:
            self.locked_journals.add(journal)

    def unlock_journal(self, journal: str) -> None:
        with self.lock:
            self.locked_journals.discard(journal)

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
            raise OctopusFault(403, -11, CLOSED_PERIOD_MESSAGE, f"journal {journal['journalKey']}")
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
