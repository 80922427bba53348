"""Puts the current company and membership on every request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from invoicing.tenancy import resolve_membership


class CurrentCompanyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = resolve_membership(request)
        request.membership = membership
        request.company = membership.company if membership else None
        return self.get_response(request)
