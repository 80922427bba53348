"""3. Worker scaling: the nightly sync of many companies at 50 ms a call, concurrency 1, 4, 16.

Every company has its own Exact Online division, so the simulator applies the real limits
(60 calls a minute, 5,000 a day) per company, and its request log gives each company's busiest
minute. With PostgreSQL the syncs run in a real Celery worker (`--pool=threads`); with SQLite,
which locks under many writers, in threads of this process calling `sync_company`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min

from bench import seed
from bench.env import ROOT, BenchExact, Recorded, Simulators, child_env
from bench.results import Results
from bookkeeping.models import SyncRun
from bookkeeping.sync import sync_company
from bookkeeping.tasks import sync_company_task
from invoicing.models import Company

FULL_COMPANIES = 200
INVOICES = 20
CUSTOMERS = 2
LEVELS = (1, 4, 16)
EXACT_PER_MINUTE = 60
_divisions = iter(range(300_001, 400_000))


def run(sims: Simulators, results: Results, runs: int, companies: int) -> None:  # noqa: ARG001
    sim = sims.slow_exact
    use_worker = connection.vendor == "postgresql"
    how = "a Celery worker, threads pool" if use_worker else "threads calling sync_company"
    results.note(
        f"worker scaling: {companies} companies x {INVOICES} invoices "
        f"(scale {companies / FULL_COMPANIES:.2f} of 200 x 20), {sim.latency_ms:.0f} ms a call, "
        f"with {how}"
        + ("" if use_worker else " (SQLite: no real worker, it would lock under 16 threads)")
    )
    walls: dict[int, float] = {}
    busiest, limited = 0, 0
    for level in LEVELS:
        batch = make_companies(sim, companies)
        sim.start_recording()
        if use_worker:
            walls[level] = with_worker(sim, batch, level)
        else:
            walls[level] = with_threads(sim, batch, level)
        recorded = sim.stop_recording()
        busiest = max(busiest, busiest_minute(recorded))
        limited += sum(1 for call in recorded if call.status == 429)
        booked = SyncRun.objects.filter(company__in=batch).aggregate(n=Max("invoices_booked"))
        results.add(f"Nightly sync, concurrency {level}: wall time", walls[level], unit="s")
        if booked["n"] != INVOICES:
            results.note(f"concurrency {level}: a company booked {booked['n']} of {INVOICES}")
    for level in LEVELS[1:]:
        speedup = walls[LEVELS[0]] / walls[level]
        results.add(
            f"Speedup at concurrency {level}",
            speedup,
            f">= {0.7 * level:.1f} (0.7 x {level})",
            speedup >= 0.7 * level,
            "x",
        )
    results.add(
        "Busiest minute of any company (Exact calls)",
        busiest,
        f"<= {EXACT_PER_MINUTE}",
        busiest <= EXACT_PER_MINUTE,
    )
    results.add("Calls refused with 429 during the nightly sync", limited, "0", limited == 0)


def make_companies(sim: BenchExact, n: int) -> list[Company]:
    batch = []
    for _ in range(n):
        division = next(_divisions)
        sim.add_division(division)
        sim.add_refresh_token(seed.exact_token(division))
        company = seed.company("nightly")
        seed.invoices(company, seed.customers(company, CUSTOMERS), INVOICES)
        seed.integration(company, "exact_online", division=division, nightly_sync=True)
        batch.append(company)
    return batch


def with_threads(sim: BenchExact, companies: list[Company], level: int) -> float:
    original = settings.EXACT_ONLINE_BASE_URL
    settings.EXACT_ONLINE_BASE_URL = sim.base_url

    def one(company: Company) -> None:
        try:
            sync_company(company, trigger=SyncRun.Trigger.NIGHTLY)
        finally:
            connection.close()

    start = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=level) as pool:
            list(pool.map(one, companies))
    finally:
        settings.EXACT_ONLINE_BASE_URL = original
    return time.perf_counter() - start


def with_worker(sim: BenchExact, companies: list[Company], level: int) -> float:
    """Starts `celery worker --pool=threads --concurrency=level`, enqueues one nightly task per
    company, waits until every run finished. The wall time is from the first run's start to the
    last one's finish, so the worker's start-up does not count."""
    env = child_env(EXACT_ONLINE_BASE_URL=sim.base_url)
    worker = subprocess.Popen(  # noqa: S603 (our own virtualenv)
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "--pool=threads",
         f"--concurrency={level}", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-n", f"bench{level}-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for company in companies:
            sync_company_task.delay(company.pk, SyncRun.Trigger.NIGHTLY)
        runs = SyncRun.objects.filter(company__in=companies)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker stopped: {worker.stderr.read().decode()[-2000:]}")
            if runs.exclude(status=SyncRun.Status.RUNNING).count() == len(companies):
                break
            time.sleep(0.2)
        span = runs.aggregate(start=Min("started_at"), end=Max("finished_at"))
        return (span["end"] - span["start"]).total_seconds()
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def busiest_minute(recorded: list[Recorded]) -> int:
    """The most API calls one division (company) got in any 60 s window."""
    times: dict[str, list[float]] = defaultdict(list)
    for call in recorded:
        parts = call.path.split("/")
        if len(parts) > 3 and parts[3].isdigit():  # /api/v1/{division}/...
            times[parts[3]].append(call.at)
    most = 0
    for stamps in times.values():
        stamps.sort()
        first = 0
        for last, stamp in enumerate(stamps):
            while stamp - stamps[first] >= 60:
                first += 1
            most = max(most, last - first + 1)
    return most
