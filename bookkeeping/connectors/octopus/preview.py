"""The Octopus side of the booking preview: book years, their periods and the closed periods of
the journals, read with the reference data; a date without a book year or in a closed period is
a problem before booking (the sync would be refused with -9 or -15)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from bookkeeping.connectors.octopus.bookyears import period_of
from bookkeeping.connectors.octopus.payload import day_of, key_id, to_int
from bookkeeping.connectors.preview import Problem

if TYPE_CHECKING:
    from bookkeeping.connectors.octopus.connector import OctopusConnector
    from invoicing.models import Invoice


def bookyear_rows(connector: OctopusConnector) -> list[dict[str, Any]]:
    """Every book year with its dates, periods and, per journal, the last closed period (the
    later of Octopus's closed and protected periods; closed journals count as closed for all),
    and the currencies of the journals."""
    rows = []
    for bookyear in connector.bookyears.all():
        journals = {}
        for journal in connector.get_list(connector.bookyears.journals_path(bookyear)):
            closed_until = max(
                to_int(journal.get("closedPeriod")) or 0,
                to_int(journal.get("protectedPeriod")) or 0,
            )
            journals[str(journal.get("journalKey"))] = {
                "closed": bool(journal.get("closed")),
                "closed_until": closed_until,
                "currency": str(journal.get("currencyCode") or ""),
            }
        rows.append(
            {
                "id": key_id(bookyear["bookyearKey"]),
                "description": str(bookyear.get("bookyearDescription", "")),
                "start": day_of(bookyear["startDate"]).isoformat(),
                "end": day_of(bookyear["endDate"]).isoformat(),
                "periods": bookyear.get("periods") or [],
                "journals": journals,
            }
        )
    return rows


class OctopusPreviewing:
    """Mixed into OctopusConnector: reference data with book years, the period of a booking."""

    label: str
    config: Any

    def reference_data(self) -> dict[str, Any]:
        data = super().reference_data()  # type: ignore[misc]
        data["bookyears"] = bookyear_rows(self)  # type: ignore[arg-type]
        wanted = {self.config.sales_journal, self.config.credit_note_journal}
        currencies = {
            journal["currency"]
            for bookyear in data["bookyears"]
            for key, journal in bookyear["journals"].items()
            if key in wanted and journal["currency"]
        }
        data["currencies"] = sorted(currencies)
        return data

    def preview_period(
        self, invoice: Invoice, reference: dict[str, Any], problems: list[Problem]
    ) -> str:
        """ "2026/202611": the book year and period; a problem when the date has no book year
        or its period is closed in the journal."""
        day = invoice.invoice_date
        bookyears = reference.get("bookyears")
        if bookyears is None:  # not read: the period Octopus would be asked for
            return str(day.year * 100 + day.month)
        for bookyear in bookyears:
            if bookyear["start"] <= day.isoformat() <= bookyear["end"]:
                break
        else:
            problems.append(
                Problem(
                    _("Octopus has no book year for %(date)s: the booking would be refused.")
                    % {"date": day.isoformat()},
                    _(
                        "Create the book year in Octopus and refresh this preview, or change the "
                        "invoice date."
                    ),
                )
            )
            return _("no book year")
        period = period_of(bookyear, day)
        journal_key = self.config.journal_of(invoice.kind)
        journal = bookyear["journals"].get(journal_key)
        if journal is not None and (journal["closed"] or period <= journal["closed_until"]):
            problems.append(
                Problem(
                    _("Period %(period)s is closed in Octopus journal %(journal)s.")
                    % {"period": period, "journal": journal_key},
                    _(
                        "Reopen the period in Octopus and refresh this preview, or change the "
                        "invoice date to an open period."
                    ),
                )
            )
        return f"{bookyear['description']} / {period}"
