"""Settings page: the start date of the sync and the lock on booked invoices (admins only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from bookkeeping import integrations
from bookkeeping.forms import LockForm, StartDateForm
from config.tenancy import company_admin_required

LOCK_ON = _lazy("Booked invoices are locked: they are corrected with a credit note.")
LOCK_OFF = _lazy("Booked invoices can be edited again.")


@company_admin_required
@require_POST
def save_start_date(request: HttpRequest) -> HttpResponse:
    """Saves "Sync invoices dated from" and marks the invoices before it at once."""
    integration = integrations.active_integration(request.company)
    if integration is None:
        messages.warning(request, _("Pick a bookkeeping tool first."))
        return redirect("bookkeeping:settings")
    form = StartDateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the start date as a date, or leave it empty."))
        return redirect("bookkeeping:settings")
    sync_from = form.cleaned_data["sync_from"]
    change = integrations.set_sync_from(integration, sync_from=sync_from)
    if sync_from is None:
        lines = [_("Start date removed: every booked invoice is sent.")]
    else:
        text = _("Start date saved: invoices dated before %(date)s are never sent to %(tool)s.")
        lines = [text % {"date": date_format(sync_from), "tool": integration.tool_label}]
    if change.before:
        text = ngettext(
            "%(count)s invoice marked “Before the start date”.",
            "%(count)s invoices marked “Before the start date”.",
            change.before,
        )
        lines.append(text % {"count": change.before})
    if change.released:
        text = ngettext(
            "%(count)s invoice will be sent again by the next sync.",
            "%(count)s invoices will be sent again by the next sync.",
            change.released,
        )
        lines.append(text % {"count": change.released})
    messages.success(request, " ".join(lines))
    return redirect("bookkeeping:settings")


@company_admin_required
@require_POST
def save_lock(request: HttpRequest) -> HttpResponse:
    form = LockForm(request.POST)
    form.is_valid()  # a single optional checkbox: always valid
    locked = form.cleaned_data.get("lock_booked_invoices", False)
    integrations.set_lock_booked(request.company, locked=locked)
    messages.success(request, LOCK_ON if locked else LOCK_OFF)
    return redirect("bookkeeping:settings")
