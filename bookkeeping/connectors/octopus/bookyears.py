"""The book years of an Octopus dossier and their periods, read once per connector.

An object the connector holds (`connector.bookyears`); it reads through the connector's public
`get_list` and `dossier_path`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from bookkeeping.connectors.errors import Fix, InvoiceRejected, TransientError, later, noop
from bookkeeping.connectors.octopus.payload import day_of, key_id

if TYPE_CHECKING:
    from bookkeeping.connectors.octopus.connector import OctopusConnector
    from invoicing.models import Invoice

BOOKYEAR_HINT = noop("Create the book year of the invoice date in Octopus, then retry the invoice.")
# A booked invoice keeps its year: when the book year will not be created, the way out is to
# never send it and correct it with a credit note (issue 15: it was a dead end).
NO_BOOKYEAR_HINT = noop(
    "Create the book year of %(date)s in Octopus, then retry the invoice. If that book year will "
    "not be created, choose “Never send” for this invoice in the reconciliation console "
    "and credit it with a credit note dated in an open book year."
)
UNREADABLE_HINT = noop("This is usually temporary; the next sync tries again.")


def readable_bookyear(row: dict[str, Any]) -> bool:
    """A book year with a key and a start and end date we can read."""
    try:
        day_of(row["startDate"]), day_of(row["endDate"])
    except (KeyError, TypeError, ValueError):
        return False
    return key_id(row.get("bookyearKey")) is not None


def period_of(bookyear: dict[str, Any], day: dt.date) -> int:
    """The book year period (YYYYMM) that contains the day."""
    periods = bookyear.get("periods")
    for period in periods if isinstance(periods, list) else []:
        try:
            if day_of(period["startDate"]) <= day <= day_of(period["endDate"]):
                return int(period["bookyearPeriod"])
        except (KeyError, TypeError, ValueError):
            continue  # an unreadable period: the period is computed from the day
    return day.year * 100 + day.month


class BookYears:
    """The dossier's book years, read on first use."""

    def __init__(self, connector: OctopusConnector):
        self.connector = connector
        self._rows: list[dict[str, Any]] | None = None

    def all(self) -> list[dict[str, Any]]:
        if self._rows is None:
            rows = self.connector.get_list(self.connector.dossier_path("/bookyears"))
            if not all(readable_bookyear(row) for row in rows):
                raise TransientError(
                    later("Octopus sent book years we could not read."), hint=later(UNREADABLE_HINT)
                )
            self._rows = rows
        return self._rows

    def of_invoice(self, invoice: Invoice) -> dict[str, Any]:
        """The book year of the invoice date; InvoiceRejected (fixed in Octopus) when none."""
        for bookyear in self.all():
            if day_of(bookyear["startDate"]) <= invoice.invoice_date <= day_of(bookyear["endDate"]):
                return bookyear
        raise InvoiceRejected(
            later(
                "Invoice %(number)s: Octopus has no book year for %(invoice_date)s.",
                number=invoice.number,
                invoice_date=invoice.invoice_date,
            ),
            code="-9",
            hint=later(NO_BOOKYEAR_HINT, date=invoice.invoice_date),
            fix=Fix.TOOL,
        )

    def by_id(self, bookyear_id: int) -> dict[str, Any]:
        for bookyear in self.all():
            if key_id(bookyear["bookyearKey"]) == bookyear_id:
                return bookyear
        return {"bookyearKey": {"id": bookyear_id}, "bookyearDescription": str(bookyear_id)}

    def current(self) -> dict[str, Any]:
        """The book year of today, else the latest one."""
        bookyears = self.all()
        if not bookyears:
            raise InvoiceRejected(
                later("Octopus has no book years in this dossier."),
                hint=later(BOOKYEAR_HINT),
                fix=Fix.TOOL,
            )
        today = timezone.localdate()
        for bookyear in bookyears:
            if day_of(bookyear["startDate"]) <= today <= day_of(bookyear["endDate"]):
                return bookyear
        return max(bookyears, key=lambda bookyear: str(bookyear["startDate"]))

    def journals_path(self, bookyear: dict[str, Any]) -> str:
        return self.connector.dossier_path(f"/bookyears/{key_id(bookyear['bookyearKey'])}/journals")
