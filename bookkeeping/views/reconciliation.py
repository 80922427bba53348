"""The reconciliation and recovery console: every discrepancy with the books and every failed
invoice, with the actions that fix them (company admins act, members read)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bookkeeping import queries
from bookkeeping.models import Discrepancy
from config.tenancy import company_required


@require_GET
@company_required
def console(request: HttpRequest) -> HttpResponse:
    integration = queries.active_integration_or_none(request.company)
    discrepancies = (
        Discrepancy.objects.filter(integration=integration, closed_at__isnull=True)
        .select_related("invoice")
        .order_by("opened_at", "id")
        if integration
        else Discrepancy.objects.none()
    )
    context = {"integration": integration, "discrepancies": discrepancies}
    return render(request, "bookkeeping/reconciliation.html", context)
