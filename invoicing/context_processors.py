"""Template context: the current company, the user's other companies (header switcher, with the
tool each one books in) and whether the admin link leads anywhere for this user."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from config.hooks import company_tools
from invoicing.tenancy import request_memberships


def current_company(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"show_admin_link": lambda: admin_link_useful(request)}
    membership = getattr(request, "membership", None)
    if membership is None:
        return {
            **context,
            "current_company": None,
            "current_membership": None,
            "user_memberships": [],
        }
    return {
        **context,
        "current_company": membership.company,
        "current_membership": membership,
        "user_memberships": lambda: switcher_memberships(request),
    }


def switcher_memberships(request: HttpRequest) -> list[Any]:
    """The user's memberships, each with `tool`: the label of its company's bookkeeping tool."""
    memberships = request_memberships(request)
    tools = company_tools(m.company_id for m in memberships)
    for membership in memberships:
        membership.tool = tools.get(membership.company_id, "")
    return memberships


def admin_link_useful(request: HttpRequest) -> bool:
    """Staff with something to see there: Django's admin tells anybody else "You don't have
    permission to view or edit anything"."""
    user = getattr(request, "user", None)
    if user is None or not admin.site.has_permission(request):
        return False
    return user.is_superuser or bool(user.get_all_permissions())
