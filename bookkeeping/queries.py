"""Read-only questions the pages ask about a company's sync (no rules here, no writes)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from bookkeeping import tools
from bookkeeping.connectors.errors import Fix
from bookkeeping.models import Discrepancy, Integration, SyncIssue, SyncRun
from bookkeeping.texts import later_plural
from invoicing.models import Invoice, InvoiceLine
from invoicing.vat import VAT_RATES

if TYPE_CHECKING:
    from invoicing.models import Company


def active_integration_or_none(company: Company) -> Integration | None:
    return Integration.objects.filter(company=company, is_active=True).first()


def waiting_count(integration: Integration) -> int:
    """Booked invoices without a booking number that are to be sent: what the next sync sends
    (index-only counts, the same rule as the overview's "Not synced" filter)."""
    company_invoices = Invoice.objects.filter(company_id=integration.company_id)
    without_number = company_invoices.filter(
        status=Invoice.Status.BOOKED, booking_number=""
    ).count()
    if not without_number:
        return 0
    # Never sent (a person's decision, or before the start date): a second index-only count.
    never_sent = company_invoices.filter(
        sync_state__in=[Invoice.SyncState.EXCLUDED, Invoice.SyncState.BEFORE_START]
    ).count()
    return max(0, without_number - never_sent)


@dataclass(frozen=True)
class Attention:
    """What keeps a company from "everything synced" beyond the invoices waiting: invoices
    edited after their sync (not pushed by tools that do not take edits) and open discrepancies
    with the books."""

    changed: int = 0
    discrepancies: int = 0
    pushes_edits: bool = False

    def __bool__(self) -> bool:
        return bool(self.changed or self.discrepancies)

    @property
    def lines(self) -> list:
        """Each a stored text (config/texts.py), read in the reader's language."""
        found = []
        if self.changed:
            if self.pushes_edits:
                found.append(
                    later_plural(
                        "%(count)s invoice changed since sync is pushed by the next sync",
                        "%(count)s invoices changed since sync are pushed by the next sync",
                        self.changed,
                    )
                )
            else:
                found.append(
                    later_plural(
                        "%(count)s invoice changed since sync is not in the tool as here",
                        "%(count)s invoices changed since sync are not in the tool as here",
                        self.changed,
                    )
                )
        if self.discrepancies:
            found.append(
                later_plural(
                    "%(count)s open discrepancy with the books",
                    "%(count)s open discrepancies with the books",
                    self.discrepancies,
                )
            )
        return found


def attention(integration: Integration) -> Attention:
    """Two index counts: changed-since-sync invoices and open discrepancies."""
    entry = tools.tool(integration.tool)
    return Attention(
        changed=Invoice.objects.filter(
            company_id=integration.company_id, sync_state=Invoice.SyncState.CHANGED
        ).count(),
        discrepancies=Discrepancy.objects.filter(
            integration=integration, closed_at__isnull=True
        ).count(),
        pushes_edits=bool(entry and entry.pushes_edits),
    )


def current_run(company: Company) -> SyncRun | None:
    return (
        SyncRun.objects.filter(company=company, status=SyncRun.Status.RUNNING)
        .select_related("integration")
        .first()
    )


def latest_run(company: Company) -> SyncRun | None:
    return SyncRun.objects.filter(company=company).select_related("integration").first()


def vat_rates_for(company: Company, integration: Integration | None = None) -> list[str]:
    """VAT rates to map, as "21.00" strings, highest first: the standard rates of the company's
    country, the rates its invoice lines use, and the rates already mapped."""
    rates = {normalize_rate(rate) for rate in VAT_RATES.get(company.country, ())}
    used = InvoiceLine.objects.filter(invoice__company=company).values_list("vat_rate", flat=True)
    rates.update(normalize_rate(rate) for rate in used.distinct())
    if integration is not None:
        rates.update(normalize_rate(rate) for rate in integration.vat_mapping)
    rates.discard("")
    return sorted(rates, key=Decimal, reverse=True)


def normalize_rate(rate: Any) -> str:
    """A VAT rate as the mapping key: two decimals ("6" -> "6.00"); "" when not a number."""
    try:
        return f"{Decimal(str(rate)).quantize(Decimal('0.01'))}"
    except (InvalidOperation, ValueError):
        return ""


def waiting_on_settings(integration: Integration) -> list[tuple[int, str]]:
    """(id, number) of the invoices whose open issue is fixed in these settings, oldest first:
    after the admin saves the settings, the page offers to retry them."""
    rows = (
        SyncIssue.objects.filter(
            run__integration=integration,
            resolved=False,
            fix=Fix.SETTINGS,
            invoice__isnull=False,
        )
        .order_by("invoice__invoice_date", "invoice_id")
        .values_list("invoice_id", "invoice__number")
    )
    return list(dict.fromkeys(rows))


def offers_cost_centres(integration: Integration) -> bool:
    entry = tools.tool(integration.tool)
    return bool(entry and entry.cost_centres)


def after_sync_text(key: str) -> str:
    entry = tools.tool(key)
    return entry.after_sync if entry else ""
