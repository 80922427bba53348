"""The bell in the header: ``{% load notifications_tags %}{% notification_bell %}``.

``templates/notifications/bell.html`` calls the tag, so a page may either include that template or
call the tag itself. The tag reads ``request.user`` and ``request.company`` (set by the current
company middleware) and renders nothing for anonymous users or without a current company.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from notifications.bell import bell_context

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    request: HttpRequest | None = context.get("request")
    if request is None:
        return {"show_bell": False}
    return bell_context(request, next_url=request.get_full_path())
