"""The company a request works in: which companies a user may work in, and switching.

The guards every view uses (`company_required`, `company_admin_required`, `get_for_company`) live
in `config.tenancy`, so that every app uses the same ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from invoicing.models import Company, Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

SESSION_KEY = "current_company_id"
# The largest id a BigAutoField holds: a bigger number overflows the database integer (SQLite
# raises, PostgreSQL refuses), so it is no id at all.
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """`value` (from a form or a query string) as a database id, or None when it cannot be one.

    Only ASCII digits count: `str.isdigit` also takes "²" or "١", which `int` refuses or reads
    as another number.
    """
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def memberships_of(user: AbstractBaseUser) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("company").order_by("company__name")


def request_memberships(request: HttpRequest) -> list[Membership]:
    """The user's memberships, read once a request: the current company and the header's
    switcher both come from this one query."""
    if not hasattr(request, "_memberships"):
        request._memberships = list(memberships_of(request.user))
    return request._memberships


def resolve_membership(request: HttpRequest) -> Membership | None:
    """The membership of the company chosen in the session, else the user's first one."""
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = request_memberships(request)
    if not memberships:
        return None
    wanted = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.company_id == wanted:
            return membership
    request.session[SESSION_KEY] = memberships[0].company_id
    return memberships[0]


def switch_company(request: HttpRequest, company_id: int) -> Company:
    """Work in the company `company_id` from now on; a 404 unless the user is a member of it."""
    if parse_id(company_id) is None:
        raise Http404("No such company.")
    membership = get_object_or_404(Membership, user=request.user, company_id=company_id)
    request.session[SESSION_KEY] = membership.company_id
    return membership.company
