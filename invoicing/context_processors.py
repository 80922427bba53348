"""Template context: the current company and the user's other companies (header switcher)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from invoicing.tenancy import memberships_of


def current_company(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"current_company": None, "current_membership": None, "user_memberships": []}
    return {
        "current_company": membership.company,
        "current_membership": membership,
        "user_memberships": lambda: list(memberships_of(request.user)),
    }
