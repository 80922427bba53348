"""The invoice overview: filters, search and the page of rows, in a constant number of queries.

Totals are stored on the invoice, the customer comes with `select_related`, and every filter
starts with the company so that PostgreSQL uses the indexes declared on `Invoice.Meta`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from invoicing.models import Company, Invoice, OverviewPreference
from invoicing.search import FEW_MATCHES, SORT_MATCHES, few_matches, search

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.contrib.auth.models import AbstractBaseUser
    from django.http import QueryDict

PAGE_SIZE = 50
# The overview counts matching invoices up to this many (see CappedPaginator).
COUNT_CAP = 10_000
STATUS_FILTERS = {"draft": "Drafts", "booked": "Booked"}


STATUS_FILTERS = {"draft": _("Drafts"), "booked": _("Booked")}
SYNC_FILTERS = {
    "not_synced": _("Not synced"),
    "failed": _("Sync failed"),
    "synced": _("Synced"),
    "changed": _("Changed since sync"),
    "before_start": _("Before the start date"),
    # Booked by an admin although the tool would refuse it: to fix before the sync.
    "not_ready": _("Not ready"),
}
# What the tool's books say about payment (Invoice.payment_status, written by bookkeeping).
PAYMENT_FILTERS = {
    "open": pgettext_lazy("payment status", "Open"),
    "overdue": _("Overdue"),
    "paid": _("Paid"),
}
# Something is still to be paid: open, or partly paid.
UNPAID = (Invoice.PaymentStatus.OPEN, Invoice.PaymentStatus.PARTLY_PAID)
# The extra columns of the cogwheel, in the order of the table.
OVERVIEW_COLUMNS = {
    "booking_number": _("Booking number"),
    "sync_state": _("Sync state"),
    "kind": _("Kind"),
    "vat": _("VAT"),
    "booked_at": _("Booked at"),
    "payment": _("Paid"),
}
# Booked, without a booking number, and never to be sent: not "not synced".
NEVER_SENT = (Invoice.SyncState.EXCLUDED, Invoice.SyncState.BEFORE_START)
# The columns a row shows, in the order of the table; extra ones come from the cogwheel.
ROW_COLUMNS = ("number", "customer", "invoice_date", "due_date", "total", "status")


@dataclass(frozen=True)
class OverviewFilters:
    q: str = ""
    status: str = ""
    sync: str = ""
    payment: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> OverviewFilters:
        """Filters from the query string; unknown values are ignored rather than refused."""
        status = query.get("status", "")
        sync = query.get("sync", "")
        payment = query.get("payment", "")
        return cls(
            q=query.get("q", "").strip()[:100],
            status=status if status in STATUS_FILTERS else "",
            sync=sync if sync in SYNC_FILTERS else "",
            payment=payment if payment in PAYMENT_FILTERS else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.sync or self.payment)

    def as_query(self) -> str:
        """The filters as a query string, for the pagination links."""
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in self.__dict__.items() if v})


def overview_invoices(company: Company, filters: OverviewFilters) -> QuerySet[Invoice]:
    """The company's invoices matching `filters`, newest first."""
    invoices = Invoice.objects.filter(company=company)
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.sync == "not_synced":
        invoices = invoices.filter(status=Invoice.Status.BOOKED, booking_number="").exclude(
            sync_state__in=NEVER_SENT
        )
    elif filters.sync:
        invoices = invoices.filter(sync_state=filters.sync)
    if filters.payment:
        invoices = _by_payment(invoices, filters.payment)
    if filters.q:
        invoices = invoices.filter(search(company, filters.q))
    return invoices.order_by("-invoice_date", "-id")


def _by_payment(invoices: QuerySet[Invoice], payment: str) -> QuerySet[Invoice]:
    """Open (something still to pay), overdue (that, past the due date) or paid."""
    if payment == "paid":
        return invoices.filter(payment_status=Invoice.PaymentStatus.PAID)
    invoices = invoices.filter(payment_status__in=UNPAID)
    if payment == "overdue":
        invoices = invoices.filter(due_date__lt=timezone.localdate())
    return invoices


class CappedPaginator(Paginator):
    """A paginator that counts at most COUNT_CAP + 1 rows.

    Counting every invoice of a company with years of history costs as much as reading them all;
    past COUNT_CAP the page says "more than 10,000" and the filters narrow it down.
    """

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap


def overview_page(company: Company, filters: OverviewFilters, page_number: str | None) -> Page:
    """One page of the overview: one bounded COUNT and one SELECT whatever the page holds. A
    search on SQLite: the FTS5 tables' candidates, then one SELECT that also counts the matches
    (invoicing/search.py)."""
    invoices = overview_invoices(company, filters).select_related("customer")
    paginator = CappedPaginator(invoices, PAGE_SIZE)
    if filters.q:
        matches = few_matches(company, filters.q, invoices)
        if matches is not None:
            return _page_of_few(paginator, matches, page_number)
        if connection.vendor == "postgresql" and paginator.count <= FEW_MATCHES:
            paginator.object_list = invoices.order_by(*SORT_MATCHES)
    return paginator.get_page(page_number)


def _page_of_few(
    paginator: CappedPaginator, matches: QuerySet[Invoice], page_number: str | None
) -> Page:
    """The page `page_number` of `matches` (see few_matches) and their number, in one query; a
    page past the last one (or below 1) is the last, found by a count as Paginator.get_page does,
    and a page number that is not a number the first."""
    paginator.object_list = matches
    try:
        number = int(page_number or 1)
    except ValueError:
        number = 1
    bottom = (number - 1) * paginator.per_page
    # Past FEW_MATCHES (or below the first) a page is past the end: no OFFSET of 10**30 rows.
    rows = list(matches[bottom : bottom + paginator.per_page]) if 0 <= bottom < FEW_MATCHES else []
    if not rows and number != 1:
        return paginator.get_page(page_number)
    paginator.__dict__["count"] = rows[0].overview_matches if rows else 0  # the cached count
    return Page(rows, number, paginator)


# Overview preferences -----------------------------------------------------------------------


def overview_columns(user: AbstractBaseUser) -> list[str]:
    """The extra overview columns `user` chose, in the order of OVERVIEW_COLUMNS."""
    preference = OverviewPreference.objects.filter(user=user).first()
    chosen = set(preference.columns) if preference else set()
    return [key for key in OVERVIEW_COLUMNS if key in chosen]


def save_overview_columns(user: AbstractBaseUser, *, columns: Sequence[str]) -> list[str]:
    """Remember the extra overview columns of `user`; unknown names are ignored."""
    chosen = [key for key in OVERVIEW_COLUMNS if key in set(columns)]
    OverviewPreference.objects.update_or_create(user=user, defaults={"columns": chosen})
    return chosen
