"""Sync pages: start a sync, follow its progress, the history with its issues, and retries."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from bookkeeping import first_sync, integrations, queries, recovery
from bookkeeping.models import SyncIssue, SyncRun
from bookkeeping.sync import SyncNotPossible, start_sync
from config.tenancy import company_admin_required, company_required, get_for_company
from config.views import paginate, safe_url

NOTHING_WAITS = _lazy("No invoice waits on these settings any more.")
RUNS_PER_PAGE = 25


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.headers.get("Referer", "")
    return redirect(safe_url(request, target) or reverse("invoicing:overview"))


def _start(request: HttpRequest, *, trigger: str, invoice_ids: list[int] | None = None) -> None:
    try:
        run, started = start_sync(
            request.company, trigger=trigger, user=request.user, invoice_ids=invoice_ids
        )
    except SyncNotPossible as exc:
        messages.error(request, str(exc))
        return
    if started:
        messages.info(request, _("Sync started. You get a notification in the bell when it ends."))
    else:
        messages.info(
            request,
            _("A sync is already running; you get its notification too when it ends."),
        )


@require_POST
@company_required
def start_sync_view(request: HttpRequest) -> HttpResponse:
    """The Sync button; the first sync of a company with history shows its preview instead."""
    if first_sync.needs_preview(queries.active_integration_or_none(request.company)):
        return redirect("bookkeeping:sync_preview")
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
            "summary": str(run.summary).splitlines()[0] if run.summary else "",
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
    page = paginate(request, runs, RUNS_PER_PAGE)
    actions = recovery.recent_actions(request.company.pk)
    return render(request, "bookkeeping/run_list.html", {"page": page, "actions": actions})


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
    issue = get_for_company(
        SyncIssue.objects.filter(invoice__isnull=False),
        request,
        company_field="run__company",
        pk=pk,
    )
    _start(request, trigger=SyncRun.Trigger.RETRY, invoice_ids=[issue.invoice_id])
    return redirect("bookkeeping:runs")


@company_admin_required
@require_POST
def retry_waiting_on_settings(request: HttpRequest) -> HttpResponse:
    """Retries the invoices whose issue was fixed in the settings (offered after saving them)."""
    integration = integrations.active_integration(request.company)
    waiting = integrations.waiting_on_settings(integration) if integration else []
    if waiting:
        _start(request, trigger=SyncRun.Trigger.RETRY, invoice_ids=[pk for pk, _ in waiting])
    else:
        messages.info(request, NOTHING_WAITS)
    return redirect("bookkeeping:settings")
