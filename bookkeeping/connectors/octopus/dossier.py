"""The dossier's structure as the connector reads it: dossiers, book years and their periods,
journals, accounts and VAT codes. A mixin of the connector (which provides `request`, `json`,
`config` and `_dossier`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from bookkeeping.connectors.base import Choice, InvoiceRejected, TransientError
from bookkeeping.connectors.octopus.payload import day_of, key_id

if TYPE_CHECKING:
    from invoicing.models import Invoice

BOOKYEAR_HINT = "Create the book year of the invoice date in Octopus, then retry the invoice."
UNREADABLE_HINT = "This is usually temporary; the next sync tries again."


def _readable_bookyear(row: dict[str, Any]) -> bool:
    """A book year with a key and a start and end date we can read."""
    try:
        day_of(row["startDate"]), day_of(row["endDate"])
    except (KeyError, TypeError, ValueError):
        return False
    return key_id(row.get("bookyearKey")) is not None


class OctopusDossier:
    """Reads of the dossier's reference data; book years are read once per connector."""

    _bookyears: list[dict[str, Any]] | None = None

    # Interface: connecting -------------------------------------------------------------------

    def list_targets(self) -> list[Choice]:
        """The dossiers the user may open (needs only the first token). Raises AuthError."""
        self._login()
        dossiers = self._auth_call(
            "GET", "/dossiers", headers={"Token": self._token}, failure="list dossiers"
        )
        return [
            Choice(code=str(d["dossierKey"]["id"]), label=str(d.get("dossierDescription", "")))
            for d in dossiers or []
        ]

    def test_connection(self) -> str:
        """Logs in to the dossier and reads its book years and journals. Read-only."""
        self._authenticate()
        bookyear = self._current_bookyear()
        journals = {str(j.get("journalKey")) for j in self._get_list(self._journals_path(bookyear))}
        wanted = [self.config.sales_journal, self.config.credit_note_journal]
        missing = [journal for journal in wanted if journal not in journals]
        line = f"Connected to Octopus dossier {self.config.dossier_id}"
        if missing:
            return f"{line}, but journal {', '.join(missing)} was not found."
        return f"{line}: journals {', '.join(dict.fromkeys(wanted))} found."

    def list_journals(self) -> list[Choice]:
        """Sales journals (V...) of the current book year."""
        rows = self._get_list(self._journals_path(self._current_bookyear()))
        return [
            Choice(
                code=str(j["journalKey"]), label=f"{j['journalKey']} {j.get('name', '')}".strip()
            )
            for j in rows
            if str(j.get("journalKey", "")).upper().startswith("V")
        ]

    def list_accounts(self) -> list[Choice]:
        """Revenue accounts (class 7) of the current book year."""
        bookyear_id = key_id(self._current_bookyear()["bookyearKey"])
        rows = self._get_list(self._path("/accounts"), bookyearId=bookyear_id)
        choices = []
        for row in rows:
            number = str(
                row["accountKey"]["id"]
                if isinstance(row["accountKey"], dict)
                else row["accountKey"]
            )
            texts = row.get("description") or {}
            label = (
                texts.get("description_EN") or texts.get("description_NL") or ""
                if isinstance(texts, dict)
                else str(texts)
            )
            choices.append(Choice(code=number, label=f"{number} {label}".strip()))
        revenue = [choice for choice in choices if choice.code.startswith("7")]
        return revenue or choices

    def list_vat_codes(self) -> list[Choice]:
        """VAT codes of the dossier, with `extra["percentage"]` from `basePercentage`."""
        return [
            Choice(
                code=str(row["code"]),
                label=f"{row['code']} {row.get('description', '')}".strip(),
                extra={"percentage": row.get("basePercentage")},
            )
            for row in self._get_list(self._path("/vatcodes"))
        ]

    # Book years ------------------------------------------------------------------------------

    def _load_bookyears(self) -> list[dict[str, Any]]:
        if self._bookyears is None:
            bookyears = self._get_list(self._path("/bookyears"))
            if not all(_readable_bookyear(row) for row in bookyears):
                raise TransientError(
                    "Octopus sent book years we could not read.", hint=UNREADABLE_HINT
                )
            self._bookyears = bookyears
        return self._bookyears

    def _bookyear_of(self, invoice: Invoice) -> dict[str, Any]:
        for bookyear in self._load_bookyears():
            if day_of(bookyear["startDate"]) <= invoice.invoice_date <= day_of(bookyear["endDate"]):
                return bookyear
        raise InvoiceRejected(
            f"Invoice {invoice.number}: Octopus has no book year for {invoice.invoice_date}.",
            code="-9",
            hint=BOOKYEAR_HINT,
        )

    def _bookyear_by_id(self, bookyear_id: int) -> dict[str, Any]:
        for bookyear in self._load_bookyears():
            if key_id(bookyear["bookyearKey"]) == bookyear_id:
                return bookyear
        return {"bookyearKey": {"id": bookyear_id}, "bookyearDescription": str(bookyear_id)}

    def _current_bookyear(self) -> dict[str, Any]:
        bookyears = self._load_bookyears()
        if not bookyears:
            raise InvoiceRejected("Octopus has no book years in this dossier.", hint=BOOKYEAR_HINT)
        today = timezone.localdate()
        for bookyear in bookyears:
            if day_of(bookyear["startDate"]) <= today <= day_of(bookyear["endDate"]):
                return bookyear
        return max(bookyears, key=lambda bookyear: str(bookyear["startDate"]))

    @staticmethod
    def _period_of(bookyear: dict[str, Any], day: dt.date) -> int:
        """The book year period (YYYYMM) that contains the day."""
        periods = bookyear.get("periods")
        for period in periods if isinstance(periods, list) else []:
            try:
                if day_of(period["startDate"]) <= day <= day_of(period["endDate"]):
                    return int(period["bookyearPeriod"])
            except (KeyError, TypeError, ValueError):
                continue  # an unreadable period: the period is computed from the day
        return day.year * 100 + day.month

    # Plumbing --------------------------------------------------------------------------------

    def _path(self, suffix: str) -> str:
        return f"/dossiers/{self._dossier()}{suffix}"

    def _journals_path(self, bookyear: dict[str, Any]) -> str:
        return self._path(f"/bookyears/{key_id(bookyear['bookyearKey'])}/journals")

    def _get_list(self, path: str, **params: Any) -> list[Any]:
        """A GET that returns a list; Octopus answers 404 when there is no data."""
        try:
            response = self.request("GET", path, params=params or None)
        except InvoiceRejected as exc:
            if exc.status == 404:
                return []
            raise
        if not response.content.strip():
            return []
        data = self.json(response)
        if isinstance(data, dict):
            return [data]
        # Rows that are not objects cannot be read: they are left out.
        return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []
