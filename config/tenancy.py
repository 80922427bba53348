"""The guards every app's views use to work in the current company.

This module reads only what the current company middleware puts on the request
(``request.company`` and ``request.membership``) and imports none of the apps, so `invoicing`,
`bookkeeping` and `notifications` all use it without depending on each other (DESIGN §2).

Every page is scoped to the current company: an object of another company is a 404, never a 403
that would reveal that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

M = TypeVar("M", bound=Model)
NO_COMPANY_TEMPLATE = "no_company.html"


def company_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required, and a company to work in (request.company, request.membership)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "membership", None) is None:
            return render(request, NO_COMPANY_TEMPLATE, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def company_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like company_required, for company admins only; members get a 404."""

    @company_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.membership.is_admin:
            raise Http404("Only company admins can open this page.")
        return view(request, *args, **kwargs)

    return wrapper


def get_for_company(
    queryset: QuerySet[M] | type[M],
    request: HttpRequest,
    *,
    company_field: str = "company",
    **lookup: Any,
) -> M:
    """The object of the current company matching `lookup`, or a 404.

    `company_field` is the path from the object to its company, for objects that belong to it
    through another one (a sync issue through its run: ``"run__company"``).
    """
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    return get_object_or_404(queryset, **{company_field: request.company}, **lookup)
