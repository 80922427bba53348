"""Pages and endpoints of the bell: the list, mark read, mark all read, the bell partial and JSON.

Every view needs a login and a current company, and sees only the notifications of
``request.user`` in ``request.company``: any other id is a 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.tenancy import company_required
from config.views import paginate, safe_url
from notifications import services
from notifications.bell import bell_context
from notifications.models import Notification

PAGE_SIZE = 25


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _as_json(request: HttpRequest, notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "level": notification.level,
        "title": str(notification.title),
        "body": str(notification.body),
        "link": safe_url(request, notification.link),
        "created_at": notification.created_at.isoformat(),
        "read": notification.is_read,
        "read_url": reverse("notifications:read", args=[notification.pk]),
    }


def _unread_count(request: HttpRequest) -> int:
    return services.unread_for(request.user, request.company).count()


@require_GET
@company_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """All notifications of the user in the current company, newest first, paginated."""
    queryset = services.notifications_for(request.user, request.company)
    page = paginate(request, queryset, PAGE_SIZE)
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_count": _unread_count(request)},
    )


@require_POST
@company_required
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read, then follow its link (or go back to ``next``)."""
    try:
        notification = services.mark_read(request.user, notification_id, company=request.company)
    except Notification.DoesNotExist:
        return _not_found(request)
    if _wants_json(request):
        data = _as_json(request, notification)
        return JsonResponse({**data, "unread_count": _unread_count(request)})
    target = (
        safe_url(request, notification.link)
        or safe_url(request, request.POST.get("next"))
        or reverse("notifications:list")
    )
    return redirect(target)


@require_POST
@company_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """Mark all the user's notifications in the current company read, then go back."""
    changed = services.mark_all_read(request.user, request.company)
    if _wants_json(request):
        return JsonResponse({"marked": changed, "unread_count": 0})
    return redirect(safe_url(request, request.POST.get("next")) or reverse("notifications:list"))


@require_GET
@company_required
def bell(request: HttpRequest) -> HttpResponse:
    """The bell as an HTML fragment, for the script that refreshes it without a reload."""
    context = bell_context(request, next_url=request.GET.get("next", ""))
    return render(request, "notifications/_bell.html", context)


@require_GET
@company_required
def bell_json(request: HttpRequest) -> JsonResponse:
    """The bell's content as JSON: the unread count and the latest notifications."""
    latest = services.latest_for(request.user, request.company)
    return JsonResponse(
        {
            "unread_count": _unread_count(request),
            "notifications": [_as_json(request, n) for n in latest],
        }
    )


def _not_found(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": _("Notification not found.")}, status=404)
    raise Http404(_("Notification not found."))
