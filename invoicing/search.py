"""The overview's search: any part of the invoice number, the booking number or the customer's
name, in any case, served by an index on both databases.

- PostgreSQL: the GIN trigram indexes of migration 0011 on the very expressions Django's
  `icontains` compares (`UPPER(column::text) LIKE UPPER('%q%')`).
- SQLite: the FTS5 trigram table of migration 0012 (`invoicing_invoice_search`, one row per
  invoice, kept by triggers) finds the candidates of a term of 3 characters or more; the same
  LIKEs as without it then decide among those few, so that what a search matches does not depend
  on the index. Shorter terms have no trigram and are LIKEs alone.

A search that matches few invoices (FEW_MATCHES at most) is read once: one query returns the
page, sorted, with the number of matches (`COUNT(*) OVER ()`). Past that many, the overview
counts them (up to its cap) and walks the company's invoices newest first for the page, which
is quick when matches are many.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    DateField,
    F,
    Func,
    Q,
    QuerySet,
    Window,
)
from django.db.models.expressions import RawSQL

from invoicing.models import Company, Customer, Invoice

# At most this many matches are sorted rather than found by walking the company's invoices newest
# first until a page is full: PostgreSQL cannot know how many invoices the customers found have,
# and may otherwise read them all for one match.
FEW_MATCHES = 5_000
# The overview's order in expressions no index offers (PostgreSQL only: on SQLite, date + 0 is a
# number), so that PostgreSQL sorts the matches found by the trigram indexes.
SORT_MATCHES = (
    Func(F("invoice_date"), template="(%(expressions)s + 0)", output_field=DateField()).desc(),
    Func(F("id"), template="(%(expressions)s + 0)", output_field=BigIntegerField()).desc(),
)
# The shortest term the FTS5 table of migration 0012 (`invoicing_invoice_search`, SQLite only)
# can look up: a trigram. Its rowids are the company's id times STRIDE plus the invoice's id, so
# that a company's rows are one range of rowids, which FTS5 reads alone.
TRIGRAM = 3
STRIDE = 2**40


def search(company: Company, q: str) -> Q:
    """The invoices whose number, booking number or customer's name contains `q`, in any case.

    On PostgreSQL each part is a condition one index serves on its own, combined in one bitmap:
    the trigram indexes for the numbers, and the customer index for
    `customer_id = ANY(ARRAY(<the matching customers>))`, which PostgreSQL computes once (itself
    with the trigram index on the name) before it reads invoices. The plain `IN (<subquery>)`
    would make it test every invoice of the company. `%`, `_` and `\\` are plain characters.
    """
    customers = Customer.objects.filter(company=company, name__icontains=q).order_by().values("pk")
    if connection.vendor == "postgresql":
        by_customer = Q(AnyOf(F("customer_id"), ArraySubquery(customers)))
    else:
        by_customer = Q(customer_id__in=customers)
    return Q(number__icontains=q) | Q(booking_number__icontains=q) | by_customer


class AnyOf(Func):
    """`value = ANY(array)`, a condition (PostgreSQL)."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


@dataclass(frozen=True)
class FewMatches:
    """The matches of a search, sorted newest first, each row with their number as
    `overview_matches`, when there are at most FEW_MATCHES; a page of `rows` is one query.

    `complete`: `rows` holds every match, so that an empty first page means none (SQLite, whose
    candidates were counted first). Else an empty first page means none or too many to sort
    (PostgreSQL): a count decides."""

    rows: QuerySet[Invoice]
    complete: bool


def few_matches(company: Company, q: str, invoices: QuerySet[Invoice]) -> FewMatches | None:
    """The matches of `invoices` (the overview's, `q` among its filters) found through the index;
    None when the index cannot say: a term shorter than a trigram, or (SQLite) more than
    FEW_MATCHES candidates."""
    if len(q) < TRIGRAM:
        return None  # no trigram: no index serves it (PostgreSQL would read every invoice twice)
    matches = Window(Count("pk"))
    if connection.vendor == "postgresql":
        # The ids of at most FEW_MATCHES + 1 matches, found by the trigram indexes and computed
        # first; then, when they are few, those rows read by the primary key, sorted and counted
        # in the same query: the matching rows are read once for both. More: no row is read.
        capped = ArraySubquery(invoices.order_by().values("pk")[: FEW_MATCHES + 1])
        rows = (
            Invoice.objects.filter(AnyOf(F("pk"), IfFew(capped)))
            .select_related("customer")
            .annotate(overview_matches=matches)
            .order_by(*SORT_MATCHES)
        )
        return FewMatches(rows, complete=False)
    if connection.vendor != "sqlite" or _fts_count(company, q) > FEW_MATCHES:
        return None
    # All the candidates (at most FEW_MATCHES); the LIKEs of `invoices` decide among them.
    candidates = fts_candidates(company, q, limit=FEW_MATCHES + 1)
    rows = invoices.filter(pk__in=candidates).annotate(overview_matches=matches)
    return FewMatches(rows, complete=True)


class IfFew(Func):
    """The array when it has at most FEW_MATCHES elements, else NULL (PostgreSQL): one scalar
    subquery, computed once (cast, so that `= ANY(...)` reads it as an array)."""

    template = (
        "(SELECT CASE WHEN cardinality(ids) <= %(few)s THEN ids END "
        "FROM (SELECT %(expressions)s AS ids OFFSET 0) AS found)::%(array_type)s"
    )

    def __init__(self, array: ArraySubquery) -> None:
        super().__init__(array, few=FEW_MATCHES, output_field=array.output_field)

    def as_sql(self, compiler, connection, **extra):  # noqa: ANN001, ANN201 (Django's signature)
        array_type = self.output_field.db_type(connection)
        return super().as_sql(compiler, connection, array_type=array_type, **extra)


def fts_candidates(company: Company, q: str, *, limit: int) -> RawSQL:
    """The ids of (at most `limit` of) the company's invoices whose number, booking number or
    customer's name contains `q` in the FTS5 trigram table (SQLite): a superset of the LIKE
    matches, as FTS5 also folds the case of letters beyond ASCII, which SQLite's LIKE does not.

    The term is one quoted phrase (its own double quotes doubled), so that nothing in it is FTS
    syntax (AND, OR, NOT, NEAR, *, ^, column filters) and `%` and `_` are plain characters. A
    phrase of the trigram tokenizer is a substring of one column.
    """
    base = company.pk * STRIDE
    return RawSQL(  # noqa: S611 (a constant statement; the term is a bound parameter)
        "SELECT rowid - %s FROM invoicing_invoice_search WHERE invoicing_invoice_search MATCH %s "
        "AND rowid BETWEEN %s AND %s LIMIT %s",
        (base, _phrase(q), base, base + STRIDE - 1, limit),
    )


def _fts_count(company: Company, q: str) -> int:
    """How many of the company's invoices the FTS5 table finds for `q`, up to FEW_MATCHES + 1
    (it stops there: a term in every invoice costs no more than one in 5,000)."""
    base = company.pk * STRIDE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM invoicing_invoice_search "
            "WHERE invoicing_invoice_search MATCH %s AND rowid BETWEEN %s AND %s LIMIT %s)",
            [_phrase(q), base, base + STRIDE - 1, FEW_MATCHES + 1],
        )
        return cursor.fetchone()[0]


def _phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'
