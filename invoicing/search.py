"""The overview's search: any part of the invoice number, the booking number or the customer's
name, in any case, served by an index on both databases.

- PostgreSQL: the GIN trigram indexes of migration 0011 on the very expressions Django's
  `icontains` compares (`UPPER(column::text) LIKE UPPER('%q%')`).
- SQLite: the FTS5 trigram tables of migration 0012 (`invoicing_invoice_search` and
  `invoicing_customer_search`, kept by triggers) find the candidates of a term of 3 characters or
  more; the same LIKEs as without them then decide among those few, so that what a search
  matches does not depend on the index. Shorter terms have no trigram and are LIKEs alone.

A search that matches few invoices (FEW_MATCHES at most) sorts its matches; past that many, the
overview walks the company's invoices newest first for the page, which is quick when matches are
many. On PostgreSQL the count comes first and decides; on SQLite the candidates of the FTS5
tables decide (one query), and one more returns the page with the number of matches
(`COUNT(*) OVER ()`).
"""

from __future__ import annotations

import json

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
# The shortest term the FTS5 tables of migration 0012 (SQLite only) can look up: a trigram. Their
# rowids are the company's id times STRIDE plus the invoice's (customer's) id, so that a
# company's rows are one range of rowids, which FTS5 reads alone.
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


def few_matches(company: Company, q: str, invoices: QuerySet[Invoice]) -> QuerySet[Invoice] | None:
    """SQLite: the matches of `invoices` (the overview's, `q` among its filters) among the
    candidates the FTS5 tables find, each row with their number as `overview_matches`
    (`COUNT(*) OVER ()`), so that one query gives a page and the count. None when the tables
    cannot say: a term shorter than a trigram, more than FEW_MATCHES candidates, or PostgreSQL
    (whose trigram indexes serve `invoices` as it is)."""
    if connection.vendor != "sqlite" or len(q) < TRIGRAM:
        return None
    ids = _fts_ids(company, q)
    if len(ids) > FEW_MATCHES:
        return None
    # The ids found, as one JSON parameter; the LIKEs of `invoices` decide among them.
    candidates = RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),))  # noqa: S611
    return invoices.filter(pk__in=candidates).annotate(overview_matches=Window(Count("pk")))


def _fts_ids(company: Company, q: str) -> list[int]:
    """The ids of the company's invoices whose number or booking number contains `q` in the FTS5
    table of invoices, then those of its customers whose name contains `q` in the FTS5 table of
    customers (through the index of Invoice.customer): up to FEW_MATCHES + 1 of them, where it
    stops, so that a term in every invoice costs no more than one in 5,000. A superset of the
    LIKE matches: FTS5 also folds the case of letters beyond ASCII, which SQLite's LIKE does not.

    The term is one quoted phrase (its own double quotes doubled), so that nothing in it is FTS
    syntax (AND, OR, NOT, NEAR, *, ^, column filters) and `%` and `_` are plain characters. A
    phrase of the trigram tokenizer is a substring of one column. A company's rows are one range
    of rowids (see STRIDE), which FTS5 reads alone.
    """
    base = company.pk * STRIDE
    found = [base, '"' + q.replace('"', '""') + '"', base, base + STRIDE - 1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid - %s FROM invoicing_invoice_search WHERE invoicing_invoice_search "
            "MATCH %s AND rowid BETWEEN %s AND %s "
            "UNION ALL SELECT id FROM invoicing_invoice WHERE customer_id IN ("
            "SELECT rowid - %s FROM invoicing_customer_search WHERE invoicing_customer_search "
            "MATCH %s AND rowid BETWEEN %s AND %s) LIMIT %s",
            [*found, *found, FEW_MATCHES + 1],
        )
        return [row[0] for row in cursor.fetchall()]
