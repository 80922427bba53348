"""The first-sync preview: what the first sync of a company with history would send, link and
refuse; members see it, an admin confirms it (which starts the sync)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from bookkeeping import first_sync, reference
from bookkeeping.first_sync import LIST_LIMIT
from bookkeeping.queries import active_integration_or_none
from bookkeeping.sync import SyncNotPossible
from config.tenancy import company_admin_required, company_required
from config.views import safe_url

NOTHING_TO_PREVIEW = _("There is no first sync to preview: press Sync on the overview.")
CONFIRMED = _("First sync confirmed and started. You get a notification in the bell when it ends.")
JOINED = _("First sync confirmed; a sync is already running and you get its notification too.")


@require_GET
@company_required
def preview_page(request: HttpRequest) -> HttpResponse:
    integration = active_integration_or_none(request.company)
    if not first_sync.needs_preview(integration):
        messages.info(request, NOTHING_TO_PREVIEW)
        return redirect("invoicing:overview")
    preview = first_sync.build_preview(integration)
    membership = getattr(request, "membership", None)
    context = {
        "integration": integration,
        "preview": preview,
        "groups": [
            ("to-send", _("To send"), preview.to_send[:LIST_LIMIT], len(preview.to_send)),
            (
                "to-link",
                _("Already in the tool: linked, not sent again"),
                preview.to_link[:LIST_LIMIT],
                len(preview.to_link),
            ),
            (
                "conflicts",
                _("Conflicts: not sent"),
                preview.conflicts[:LIST_LIMIT],
                len(preview.conflicts),
            ),
        ],
        "list_limit": LIST_LIMIT,
        "is_admin": bool(membership and membership.is_admin),
    }
    return render(request, "bookkeeping/sync_preview.html", context)


@company_admin_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Confirms the first sync and starts it."""
    integration = active_integration_or_none(request.company)
    if not first_sync.needs_preview(integration):
        messages.info(request, NOTHING_TO_PREVIEW)
        return redirect("invoicing:overview")
    try:
        _run, started = first_sync.confirm_first_sync(
            integration, user=request.user, detail=request.POST.get("summary", "")[:500]
        )
    except SyncNotPossible as exc:
        messages.error(request, str(exc))
        return redirect("invoicing:overview")
    messages.info(request, CONFIRMED if started else JOINED)
    return redirect("invoicing:overview")


@company_required
@require_POST
def refresh_reference(request: HttpRequest) -> HttpResponse:
    """Reads the tool's reference data (journals, accounts, VAT codes, book years) now, for the
    booking preview; back to the page it was pressed on."""
    integration = active_integration_or_none(request.company)
    if integration is not None and integration.is_connected:
        result = reference.reference_data(integration, refresh=True)
        if result.data is None or result.error:
            messages.error(request, result.error)
        else:
            messages.success(
                request,
                _("The data of %(tool)s was read again.") % {"tool": integration.tool_label},
            )
    return redirect(safe_url(request, request.POST.get("next")) or "invoicing:overview")
