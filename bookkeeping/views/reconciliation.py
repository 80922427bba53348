"""The reconciliation and recovery console: every discrepancy with the books and every failed
invoice, with the actions that fix them (company admins act, members read). The rules are in
`bookkeeping.recovery`; these views parse the form, guard and say what happened."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bookkeeping import queries, recovery
from bookkeeping.models import Integration
from bookkeeping.sync import SyncNotPossible
from bookkeeping.texts import joined, later, noop
from config.tenancy import company_admin_required, company_required, get_for_company
from config.texts import StoredText
from invoicing.models import Invoice

NO_INTEGRATION = noop(
    "No bookkeeping tool is connected: connect one in Integration settings first."
)
SYNC_STARTED = noop(
    "A sync of invoice %(number)s started; you get a notification in the bell when it ends."
)
SYNC_JOINED = noop("A sync is already running; invoice %(number)s waits for the next one.")
ALL_STARTED = noop(
    "A sync of every failed invoice started; you get a notification in the bell when it ends."
)
ALL_JOINED = noop("A sync is already running; every failed invoice waits for the next one.")
NOT_STARTED = noop("%(message)s The invoice is unlinked: the next sync books it.")

Action = Callable[[HttpRequest, Integration, Invoice], str]


@require_GET
@company_required
def console(request: HttpRequest) -> HttpResponse:
    integration = queries.active_integration_or_none(request.company)
    context: dict[str, Any] = {
        "integration": integration,
        "can_act": request.membership.is_admin,
        "console": recovery.console(integration) if integration else None,
    }
    return render(request, "bookkeeping/reconciliation.html", context)


def invoice_action(action: Action) -> Callable[[HttpRequest, int], HttpResponse]:
    """A console action on one invoice of the current company: admins only, POST only; a
    refusal or a sync that cannot start becomes a message on the console."""

    @company_admin_required
    @require_POST
    @wraps(action)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        invoice = get_for_company(Invoice, request, pk=pk)
        integration = queries.active_integration_or_none(request.company)
        if integration is None:
            messages.error(request, later(NO_INTEGRATION))
        else:
            try:
                messages.success(request, action(request, integration, invoice))
            except recovery.RecoveryRefused as exc:
                messages.error(request, str(exc))
        return redirect("bookkeeping:reconciliation")

    return view


@invoice_action
def link(request: HttpRequest, integration: Integration, invoice: Invoice) -> str:
    action = recovery.link_entry(
        invoice,
        integration=integration,
        entry_id=_int(request.POST.get("entry")),
        user=request.user,
    )
    return action.detail


@invoice_action
def mark_booked(request: HttpRequest, integration: Integration, invoice: Invoice) -> str:
    action = recovery.mark_booked(
        invoice,
        integration=integration,
        booking_number=request.POST.get("booking_number", ""),
        user=request.user,
    )
    return action.detail


@invoice_action
def send_again(request: HttpRequest, integration: Integration, invoice: Invoice) -> str:
    try:
        action, started = recovery.send_again(invoice, integration=integration, user=request.user)
    except SyncNotPossible as exc:
        return later(NOT_STARTED, message=exc)
    return joined(action.detail, _started(started, invoice.number))


@invoice_action
def never_send(request: HttpRequest, integration: Integration, invoice: Invoice) -> str:
    action = recovery.never_send(
        invoice, integration=integration, reason=request.POST.get("reason", ""), user=request.user
    )
    return action.detail


@invoice_action
def retry(request: HttpRequest, integration: Integration, invoice: Invoice) -> str:
    try:
        started = recovery.retry(invoice, integration=integration, user=request.user)
    except SyncNotPossible as exc:
        raise recovery.RecoveryRefused(str(exc)) from exc
    return _started(started, invoice.number)


@company_admin_required
@require_POST
def retry_failed(request: HttpRequest) -> HttpResponse:
    integration = queries.active_integration_or_none(request.company)
    if integration is None:
        messages.error(request, later(NO_INTEGRATION))
        return redirect("bookkeeping:reconciliation")
    try:
        started = recovery.retry_failed(integration=integration, user=request.user)
    except (recovery.RecoveryRefused, SyncNotPossible) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _started(started))
    return redirect("bookkeeping:reconciliation")


def _started(started: bool, number: str = "") -> StoredText:
    if not number:
        return later(ALL_STARTED if started else ALL_JOINED)
    return later(SYNC_STARTED if started else SYNC_JOINED, number=number)


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None
