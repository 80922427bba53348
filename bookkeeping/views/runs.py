"""Sync pages: start a sync, follow its progress, the history with its issues, and retries."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from bookkeeping import integrations, queries
from bookkeeping.models import SyncIssue, SyncRun
from bookkeeping.sync import SyncNotPossible, start_sync
from invoicing.tenancy import company_admin_required, company_required, get_for_company

NOTHING_WAITS = "No invoice waits on these settings any more."


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("invoicing:overview")
    return redirect(target)


def _start(request: HttpRequest, *, trigger: str, invoice_ids: list[int] | None = None) -> None:
    try:
        run, started = start_sync(
            request.company, trigger=trigger, user=request.user, invoice_ids=invoice_ids
        )
    except SyncNotPossible as exc:
        messages.error(request, str(exc))
        return
    if started:
        messages.info(request, "Sync started. You get a notification in the bell when it ends.")
    else:
        messages.info(
            request,
            "A sync is already running; you get its notification too when it ends.",
        )


@require_POST
@company_required
def start_sync_view(request: HttpRequest) -> HttpResponse:
    _start(request, trigger=SyncRun.Trigger.MANUAL)
    return _back(request)


@require_GET
@company_required
def progress(request: HttpRequest) -> JsonResponse:
    """The current (or last) run of the company, for the progress bar."""
    run = queries.current_run(request.company) or queries.latest_run(request.company)
    if run is None:
        return JsonResponse({"running": False, "run": None})
    return JsonResponse(
        {
            "running": run.is_running,
            "run": run.pk,
            "status": run.status,
            "done": run.done,
            "total": run.total,
            "percent": run.progress_percent,
            "summary": run.summary.splitlines()[0] if run.summary else "",
        }
    )


@require_GET
@company_required
def run_list(request: HttpRequest) -> HttpResponse:
    runs = (
        SyncRun.objects.filter(company=request.company)
        .select_related("integration", "started_by")
        .annotate(open_issues=Count("issues", filter=Q(issues__resolved=False)))
        .order_by("-started_at", "-id")
    )
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    return render(request, "bookkeeping/run_list.html", {"page": page})


@require_GET
@company_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_for_company(
        SyncRun.objects.select_related("integration", "started_by"), request, pk=pk
    )
    issues = run.issues.select_related("invoice", "customer")
    return render(request, "bookkeeping/run_detail.html", {"run": run, "issues": issues})


@require_POST
@company_required
def retry_run(request: HttpRequest, pk: int) -> HttpResponse:
    get_for_company(SyncRun, request, pk=pk)
    _start(request, trigger=SyncRun.Trigger.RETRY)
    return redirect("bookkeeping:runs")


@require_POST
@company_required
def retry_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(SyncIssue, pk=pk, run__company=request.company, invoice__isnull=False)
    _start(request, trigger=SyncRun.Trigger.RETRY, invoice_ids=[issue.invoice_id])
    return redirect("bookkeeping:runs")


@require_POST
@company_admin_required
def retry_waiting_on_settings(request: HttpRequest) -> HttpResponse:
    """Retries the invoices whose issue was fixed in the settings (offered after saving them)."""
    integration = integrations.active_integration(request.company)
    waiting = integrations.waiting_on_settings(integration) if integration else []
    if waiting:
        _start(request, trigger=SyncRun.Trigger.RETRY, invoice_ids=[pk for pk, _ in waiting])
    else:
        messages.info(request, NOTHING_WAITS)
    return redirect("bookkeeping:settings")
