"""What the bell template needs, shared by the template tag and the bell partial view."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from notifications import services


def safe_next(request: HttpRequest, url: str | None) -> str:
    """``url`` if it points into this site, else an empty string (no open redirects)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


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
        "next_url": safe_next(request, next_url),
    }
