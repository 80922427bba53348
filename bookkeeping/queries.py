"""Read-only questions the pages ask about a company's sync (no rules here, no writes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookkeeping.models import ExternalRecord, Integration, SyncRun
from invoicing.models import Invoice

if TYPE_CHECKING:
    from invoicing.models import Company


def active_integration_or_none(company: Company) -> Integration | None:
    return Integration.objects.filter(company=company, is_active=True).first()


def waiting_count(integration: Integration) -> int:
    """Booked invoices that have no booking in this integration's tool yet."""
    synced = ExternalRecord.objects.filter(
        integration=integration,
        kind=ExternalRecord.Kind.INVOICE,
        state=ExternalRecord.State.SYNCED,
    ).values("invoice_id")
    return (
        Invoice.objects.filter(company_id=integration.company_id, status=Invoice.Status.BOOKED)
        .exclude(pk__in=synced)
        .count()
    )


def current_run(company: Company) -> SyncRun | None:
    return (
        SyncRun.objects.filter(company=company, status=SyncRun.Status.RUNNING)
        .select_related("integration")
        .first()
    )


def latest_run(company: Company) -> SyncRun | None:
    return SyncRun.objects.filter(company=company).select_related("integration").first()
