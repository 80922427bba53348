"""Small helpers every app's views share: where a redirect may go, and how a list is paged.

Like `config.tenancy`, this module imports none of the apps, so each of them may use it without
breaking the direction of the dependencies (DESIGN §2).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_url(request: HttpRequest, url: str | None) -> str:
    """`url` if it points into this site, else "" (no open redirects).

    A path ("/invoices/?page=2") or an absolute URL on this host is safe; another host, a
    scheme-relative "//host" or an http URL on an https site is not.
    """
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def paginate(
    request: HttpRequest,
    items: Any,
    per_page: int,
    *,
    paginator_class: type[Paginator] = Paginator,
) -> Page:
    """The page of `items` that ``?page=`` asks for: the first for a missing or unreadable
    number, the last for one past the end (never a 404)."""
    return paginator_class(items, per_page).get_page(request.GET.get("page"))
