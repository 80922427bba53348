"""What a tool will receive for an invoice, before it is booked, and what the tool would refuse.

Mixed into `Connector`. The default is built from the integration's settings with the pieces the
payloads use (`config.journal_of`, `config.revenue_account_of`, `vat_code`); a tool overrides
`reference_data` to read more of what its bookings refer to, and `preview_period` where its
periods differ (Octopus: book years, closed periods). No method here calls the tool except
`reference_data`: the preview reads a cached copy of it (`bookkeeping.reference`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _

from bookkeeping.connectors.errors import (
    CREDIT_NOTE_JOURNAL,
    REVENUE_ACCOUNT,
    SALES_JOURNAL,
    Fix,
    InvoiceRejected,
)
from bookkeeping.vat_codes import key_label, line_key

if TYPE_CHECKING:
    from invoicing.models import Invoice, InvoiceLine

# The lists every tool's reference data holds: name -> [[code, label], ...].
REFERENCE_LISTS = ("journals", "accounts", "vat_codes")


@dataclass(frozen=True)
class Problem:
    """Something the tool would refuse: what, how to fix it, and where (`fix`, and `field` for
    a setting), as a ConnectorError says it."""

    message: str
    hint: str
    fix: str = Fix.INVOICE
    field: str = ""


@dataclass(frozen=True)
class PreviewLine:
    description: str
    amount: Decimal
    vat_rate: Decimal
    vat: str  # the tool's VAT code and its label, "" when unmapped
    vat_row: str  # the row of the mapping it goes by: "VAT 21%", "Exempt"
    account: str  # the revenue account and its label, "" when none


@dataclass
class Preview:
    """The posting the tool will receive: journal, period, lines, total; and the problems."""

    journal: str
    period: str
    lines: list[PreviewLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def labelled(code: str, rows: list[list[str]] | None) -> str:
    """ "700000 Verkopen" when the tool's list names the code, else the code."""
    for row in rows or ():
        if str(row[0]) == code and len(row) > 1 and row[1] and row[1] != code:
            label = str(row[1])
            return label if label.startswith(f"{code} ") else f"{code} {label}"
    return code


def known(code: str, rows: list[list[str]] | None) -> bool:
    """Whether the tool's list holds the code (True when the list was not read)."""
    return rows is None or any(str(row[0]) == code for row in rows)


class Previewing:
    """The preview part of a connector (mixed into `Connector`: uses `label`, `config`,
    `vat_code` and the `list_*` methods)."""

    label: str
    config: Any
    # Whether the booking goes to a journal the integration chooses (Yuki: its own, always).
    chooses_journal: ClassVar[bool] = True

    def reference_data(self) -> dict[str, Any]:
        """What bookings refer to, read from the tool (journals, accounts, VAT codes as
        [code, label] rows; a tool adds its own, such as book years). Read-only; raises the
        connector's errors."""
        choices = {
            "journals": self.list_journals(),  # type: ignore[attr-defined]
            "accounts": self.list_accounts(),  # type: ignore[attr-defined]
            "vat_codes": self.list_vat_codes(),  # type: ignore[attr-defined]
        }
        return {name: [[c.code, c.label] for c in rows] for name, rows in choices.items()}

    def preview(self, invoice: Invoice, *, reference: dict[str, Any] | None) -> Preview:
        """The posting of the draft and its problems; `reference` is the cached reference data
        (None: it could not be read, so only what needs no tool is checked)."""
        reference = reference or {}
        journal = self.config.journal_of(invoice.kind)
        problems: list[Problem] = []
        if not journal and self.chooses_journal:
            problems.append(self._no_journal(invoice))
        elif journal and not known(journal, reference.get("journals")):
            problems.append(self._unknown_journal(invoice, journal))
        lines = [
            self.preview_line(invoice, line, reference, problems) for line in invoice.lines.all()
        ]
        period = self.preview_period(invoice, reference, problems)
        currency = self.currency_problem(invoice, reference)
        if currency is not None:
            problems.append(currency)
        return Preview(
            journal=labelled(journal, reference.get("journals")),
            period=period,
            lines=lines,
            problems=problems,
        )

    def preview_line(
        self,
        invoice: Invoice,
        line: InvoiceLine,
        reference: dict[str, Any],
        problems: list[Problem],
    ) -> PreviewLine:
        vat = ""
        try:
            code = self.vat_code(invoice, line)  # type: ignore[attr-defined]
        except InvoiceRejected as exc:
            problem = Problem(
                _("%(what)s has no VAT code of %(tool)s.")
                % {"what": key_label(line_key(line)), "tool": self.label},
                _("Map it to a VAT code in Integration settings."),
                fix=Fix.SETTINGS,
                field=exc.field,
            )
            if problem not in problems:
                problems.append(problem)
        else:
            vat = labelled(code, reference.get("vat_codes"))
        account = self.config.revenue_account_of(line)
        if not account:
            problem = Problem(
                _("A line has no revenue account, and no default revenue account is chosen."),
                _("Choose a default revenue account in Integration settings, or one per line."),
                fix=Fix.SETTINGS,
                field=REVENUE_ACCOUNT,
            )
            if problem not in problems:
                problems.append(problem)
        elif not known(account, reference.get("accounts")):
            problems.append(
                Problem(
                    _("Revenue account %(account)s does not exist in %(tool)s.")
                    % {"account": account, "tool": self.label},
                    _(
                        "Use an account of %(tool)s on the line, or as the default in Integration "
                        "settings."
                    )
                    % {"tool": self.label},
                    fix=Fix.INVOICE if line.revenue_account else Fix.SETTINGS,
                    field="" if line.revenue_account else REVENUE_ACCOUNT,
                )
            )
        return PreviewLine(
            description=line.description,
            amount=line.amount,
            vat_rate=line.vat_rate,
            vat=vat,
            vat_row=str(key_label(line_key(line))),
            account=labelled(account, reference.get("accounts")) if account else "",
        )

    def preview_period(
        self, invoice: Invoice, reference: dict[str, Any], problems: list[Problem]
    ) -> str:
        """The period the booking goes to (the tool's own name for it where it has one)."""
        return invoice.invoice_date.strftime("%Y-%m")

    def currency_problem(self, invoice: Invoice, reference: dict[str, Any]) -> Problem | None:
        """A currency the administration does not use, when the tool says which it uses."""
        currencies = reference.get("currencies")
        if not currencies or invoice.currency in currencies:
            return None
        return Problem(
            _("%(tool)s books in %(currencies)s here, not in %(currency)s.")
            % {
                "tool": self.label,
                "currencies": ", ".join(currencies),
                "currency": invoice.currency,
            },
            _("Change the invoice's currency, or add the currency in %(tool)s.")
            % {"tool": self.label},
        )

    def _journal_field(self, invoice: Invoice) -> str:
        return CREDIT_NOTE_JOURNAL if invoice.kind == "credit_note" else SALES_JOURNAL

    def _no_journal(self, invoice: Invoice) -> Problem:
        return Problem(
            _("No journal is chosen for this kind of invoice."),
            _("Choose the journal in Integration settings."),
            fix=Fix.SETTINGS,
            field=self._journal_field(invoice),
        )

    def _unknown_journal(self, invoice: Invoice, journal: str) -> Problem:
        return Problem(
            _("Journal %(journal)s does not exist in %(tool)s.")
            % {"journal": journal, "tool": self.label},
            _("Choose an existing journal in Integration settings."),
            fix=Fix.SETTINGS,
            field=self._journal_field(invoice),
        )
