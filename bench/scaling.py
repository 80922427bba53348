"""3. Scale-out: the nightly sync of many companies at a real tool's latency (200 ms a call), with
1, 4, 8 and 16 syncs at once.

Every company has its own Exact Online division, so the simulator applies the real limits
(60 calls a minute, 5,000 a day) per company, and its request log gives each company's busiest
minute. On PostgreSQL and Redis the syncs run in a real Celery worker process (`--pool` prefork or
threads, `--concurrency=N`) fed through the broker; on SQLite, which locks under many writers, in
N threads of this process calling the same task body.

Each level syncs --rounds (8) x N fresh companies (at most --companies), so every level does the same
number of rounds; the speedup at N is its throughput (companies a second) over that of N = 1,
from the same run. The wall time of a level runs from the first call the tool receives to the
last (the nightly task's reconcile included), so the worker's start-up does not count.
"""

from __future__ import annotations

import os
import signal
import socket
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
from bookkeeping.tasks import sync_company_task
from invoicing.models import Company

FULL_COMPANIES = 200
INVOICES = 20
CUSTOMERS = 2
LEVELS = (1, 4, 8, 16)
TARGET = 0.8  # speedup at N >= TARGET x N
EXACT_PER_MINUTE = 60
_divisions = iter(range(300_001, 400_000))


def run(  # noqa: ARG001 (runs: one run, the ratios from it)
    sims: Simulators, results: Results, runs: int, companies: int, *, pool: str, rounds: int
) -> None:
    sim = sims.slow_exact
    use_worker = connection.vendor == "postgresql" and not settings.CELERY_BROKER_URL.startswith(
        "filesystem"
    )
    how = f"a Celery worker process, --pool={pool}" if use_worker else "threads of this process"
    sizes = {level: min(companies, rounds * level) for level in LEVELS}
    results.note(
        f"nightly sync: {INVOICES} invoices a company, {sim.latency_ms:.0f} ms a call, with {how}; "
        + ", ".join(f"N={level}: {n} companies" for level, n in sizes.items())
        + f" ({rounds} rounds each, at most --companies {companies}; the issue's size is "
        f"{FULL_COMPANIES})"
    )
    walls: dict[int, float] = {}
    busiest, limited = 0, 0
    for level in LEVELS:
        batch = make_companies(sim, sizes[level])
        sim.start_recording()
        if use_worker:
            with_worker(sim, batch, level, pool)
        else:
            with_threads(sim, batch, level)
        recorded = sim.stop_recording()
        stamps = [call.at for call in recorded]
        walls[level] = max(stamps) - min(stamps) if stamps else float("nan")
        busiest = max(busiest, busiest_minute(recorded))
        limited += sum(1 for call in recorded if call.status == 429)
        runs_ = SyncRun.objects.filter(company__in=batch)
        booked = runs_.aggregate(low=Min("invoices_booked"), high=Max("invoices_booked"))
        results.add(
            f"Nightly sync, N={level}: {len(batch)} companies, wall time", walls[level], unit="s"
        )
        if booked["low"] != INVOICES or runs_.count() != len(batch):
            results.note(f"N={level}: a company booked {booked['low']} of {INVOICES} invoices")
    per_company = walls[1] / sizes[1]
    for level in LEVELS[1:]:
        speedup = per_company / (walls[level] / sizes[level])
        results.add(
            f"Speedup at N={level} (throughput / N=1's)",
            speedup,
            f">= {TARGET * level:.1f} ({TARGET} x {level})",
            speedup >= TARGET * level,
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


def with_threads(sim: BenchExact, companies: list[Company], level: int) -> None:
    """The nightly task's body (sync, then reconcile) in `level` threads of this process."""
    original = settings.EXACT_ONLINE_BASE_URL
    settings.EXACT_ONLINE_BASE_URL = sim.base_url

    def one(company: Company) -> None:
        try:
            sync_company_task.run(company.pk, SyncRun.Trigger.NIGHTLY)
        finally:
            connection.close()

    try:
        with ThreadPoolExecutor(max_workers=level) as pool:
            list(pool.map(one, companies))
    finally:
        settings.EXACT_ONLINE_BASE_URL = original


def with_worker(sim: BenchExact, companies: list[Company], level: int, pool: str) -> None:
    """Starts `celery worker --pool=<pool> --concurrency=level`, enqueues one nightly task per
    company through the broker, on a queue of its own, and waits until every task is done (its
    run finished and the worker has nothing left to do)."""
    from config.celery import app

    env = child_env(EXACT_ONLINE_BASE_URL=sim.base_url)
    name = f"bench{level}-{os.getpid()}@{socket.gethostname()}"
    # A queue of this run's own: another worker on the same broker never takes its tasks.
    queue = f"bench-{os.getpid()}-{level}"
    worker = subprocess.Popen(  # noqa: S603 (our own virtualenv)
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", f"--pool={pool}",
         f"--concurrency={level}", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-n", name, "-Q", queue],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for company in companies:
            sync_company_task.apply_async((company.pk, SyncRun.Trigger.NIGHTLY), queue=queue)
        runs = SyncRun.objects.filter(company__in=companies)
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker stopped: {worker.stderr.read().decode()[-2000:]}")
            done = runs.exclude(status=SyncRun.Status.RUNNING).count() == len(companies)
            active = app.control.inspect(destination=[name], timeout=1).active() or {}
            if done and not any(active.values()):
                return
            time.sleep(0.5)
        raise RuntimeError(f"N={level}: the nightly sync did not finish within 30 minutes")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
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
