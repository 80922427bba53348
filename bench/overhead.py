"""2. Sync overhead at zero simulator latency: 2,000 invoices to Exact Online.

The simulator records every request of the sync (method, path, query, headers, body); the same
sequence is then replayed with a plain `requests.Session`, nothing else. The ratio of the two wall
times is what Booksync adds around the HTTP calls (database, payloads, bookkeeping).
"""

from __future__ import annotations

import requests

from bench import seed
from bench.common import median, timed, unsync
from bench.env import Recorded, Simulators
from bench.results import Results
from bookkeeping.sync import sync_company

INVOICES = 2000
CUSTOMERS = 100
SKIP_HEADERS = {"host", "content-length", "connection", "accept-encoding", "user-agent"}


def run(sims: Simulators, results: Results, runs: int) -> None:
    sim = sims.exact_online
    company = seed.company("overhead")
    seed.invoices(company, seed.customers(company, CUSTOMERS), INVOICES)
    integration = seed.integration(company, "exact_online")
    credentials = dict(integration.credentials)
    rates, ratios = [], []
    for _ in range(runs):
        sim.reset()
        sim.lift_limits()
        unsync(integration, credentials)
        sim.start_recording()
        sync_seconds, run_ = timed(lambda: sync_company(company, trigger="manual"))
        recorded = sim.stop_recording()
        replay_seconds = replay(sim.url, recorded)
        rates.append(run_.invoices_booked / sync_seconds)
        ratios.append(sync_seconds / replay_seconds)
    results.add("Sync speed, 2,000 invoices, 0 ms latency (Exact)", median(rates), unit="inv/s")
    ratio = median(ratios)
    results.add("Sync wall time / bare `requests` loop", ratio, "<= 1.5", ratio <= 1.5)


def replay(base_url: str, recorded: list[Recorded]) -> float:
    """Seconds to send the same requests, one after the other, with a plain Session."""
    session = requests.Session()
    prepared = [
        (
            call.method,
            base_url + call.path,
            call.query or None,
            {k: v for k, v in call.headers.items() if k not in SKIP_HEADERS},
            call.body or None,
        )
        for call in recorded
    ]

    def loop() -> None:
        for method, url, params, headers, body in prepared:
            session.request(method, url, params=params, headers=headers, data=body, timeout=30)

    seconds, _ = timed(loop)
    return seconds
