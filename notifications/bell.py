"""What the bell template needs, shared by the template tag and the bell partial view."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from config.views import safe_url
from notifications import services


def bell_context(request: HttpRequest, *, next_url: str) -> dict[str, Any]:
    """The bell's context for the current user and company, or ``show_bell=False``.

    ``next_url`` is the page the bell sits on: the read forms come back there when the
    notification has no link of its own.
    """
    user = getattr(request, "user", None)
    company = getattr(request, "company", None)
    if user is None or not user.is_authenticated or company is None:
        return {"show_bell": False}
    return {
        "show_bell": True,
        "unread_count": services.unread_for(user, company).count(),
        "notifications": services.latest_for(user, company),
        "next_url": safe_url(request, next_url),
    }
