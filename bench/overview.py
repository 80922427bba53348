"""4. The invoice overview with 1,000, 10,000 and 100,000 invoices in the company.

Through Django's test Client, logged in: SQL queries per request (CaptureQueriesContext) and
the median response time, for the plain list, the "not synced" filter and a search. 95 % of the
invoices are synced (the oldest), as in a company that has used Booksync for years. The search
"00042" matches a few invoice numbers and one customer's name (1 in 200 invoices: 510 at 100,000),
"2026-000042" one invoice at every size.

Targets: at 100,000 invoices at most 1.5 x the time at 1,000 (the search: 2 x on SQLite, which has
no trigram index), and the same number of queries at every size.
"""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import seed
from bench.common import median, timed
from bench.env import Simulators
from bench.results import Results
from invoicing.models import Invoice

SIZES = (1_000, 10_000, 100_000)
VIEWS = {
    "plain": "/invoices/",
    "not synced": "/invoices/?sync=not_synced",
    "search": "/invoices/?q=00042",
    "search, one number": "/invoices/?q=2026-000042",
}
REQUESTS = 25
MAX_QUERIES = 12


def run(sims: Simulators, results: Results, runs: int) -> None:  # noqa: ARG001
    clients = {size: client_for(size) for size in SIZES}
    queries: dict[str, set[int]] = {view: set() for view in VIEWS}
    samples: dict[tuple[str, int], list[float]] = {}
    for view, url in VIEWS.items():
        for size, client in clients.items():
            client.get(url)  # warm up (templates, session)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            queries[view].add(len(captured))
            samples[(view, size)] = []
        # The sizes take turns, so that a busy moment of the machine hits them alike.
        for _ in range(REQUESTS):
            for size, client in clients.items():
                samples[(view, size)].append(timed(lambda c=client, u=url: c.get(u))[0])
    times = {key: median(values) for key, values in samples.items()}
    for view in VIEWS:
        counts = queries[view]
        constant = len(counts) == 1 and max(counts) <= MAX_QUERIES
        results.add(
            f"Overview ({view}): SQL queries per request",
            "/".join(str(n) for n in sorted(counts)),
            f"constant, <= {MAX_QUERIES}",
            constant,
        )
        small, large = times[(view, SIZES[0])], times[(view, SIZES[-1])]
        results.add(
            f"Overview ({view}): median ms at 1k / 100k",
            f"{small * 1000:.1f} / {large * 1000:.1f}",
        )
        limit = 2.0 if view.startswith("search") and connection.vendor == "sqlite" else 1.5
        results.add(
            f"Overview ({view}): time ratio 100k / 1k",
            large / small,
            f"<= {limit}",
            large / small <= limit,
        )


def client_for(size: int) -> Client:
    company = seed.company(f"overview-{size}")
    people = seed.customers(company, 200)
    seed.invoices(company, people, size, lines=False)
    synced = int(size * 0.95)
    oldest = Invoice.objects.filter(company=company).order_by("invoice_date", "id")
    ids = list(oldest.values_list("id", flat=True)[:synced])
    for start in range(0, len(ids), 5000):
        Invoice.objects.filter(pk__in=ids[start : start + 5000]).update(
            booking_number="B" + "1", sync_state=Invoice.SyncState.SYNCED
        )
    seed.analyze()
    client = Client()
    client.force_login(company.memberships.get().user)
    return client
