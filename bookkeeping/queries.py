"""Read-only questions the pages ask about a company's sync (no rules here, no writes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookkeeping.models import Integration, SyncRun
from invoicing.models import Invoice

if TYPE_CHECKING:
    from invoicing.models import Company


def active_integration_or_none(company: Company) -> Integration | None:
    return Integration.objects.filter(company=company, is_active=True).first()


def waiting_count(integration: Integration) -> int:
    """Booked invoices without a booking number: what the next sync sends (one index-only count,
    the same rule as the overview's "Not synced" filter)."""
    return Invoice.objects.filter(
        company_id=integration.company_id, status=Invoice.Status.BOOKED, booking_number=""
    ).count()


def current_run(company: Company) -> SyncRun | None:
    return (
        SyncRun.objects.filter(company=company, status=SyncRun.Status.RUNNING)
        .select_related("integration")
        .first()
    )


def latest_run(company: Company) -> SyncRun | None:
    return SyncRun.objects.filter(company=company).select_related("integration").first()
