"""`python -m bench` (`make bench`): runs the five measurements, prints one table and writes
bench/results.json. Options: --runs N (runs per median, default 3), --companies N (of the
nightly sync, default the issue's 200), --latency-ms (a call in the nightly sync, default 200),
--rounds N (N companies a round at N syncs at once, default 8), --pool prefork|threads (of the
worker), --memory-invoices N (the memory part's large size, default 50,000),
--only calls,overhead,scaling,overview,memory.

The production stack when it answers: PostgreSQL on 127.0.0.1:5432 (or DATABASE_URL's server),
Redis on 127.0.0.1:6379 and a real Celery worker process; SQLite and threads otherwise.
`BENCH_DB=sqlite` forces SQLite, `BENCH_DB=postgres` refuses to fall back. The database's name
always contains "bench" (it is dropped and created again); see bench/env.py.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

PARTS = ("calls", "overhead", "scaling", "memory", "overview")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--pool", choices=("prefork", "threads"), default="prefork")
    parser.add_argument("--memory-invoices", type=int, default=50_000)
    parser.add_argument("--only", default=",".join(PARTS))
    args = parser.parse_args()
    parts = [part for part in args.only.split(",") if part]
    started = time.perf_counter()

    from bench import env

    sims = env.start_simulators(latency_ms=args.latency_ms)
    url = env.database_url()
    broker = env.broker_url(url)
    os.environ["CELERY_BROKER_URL"] = broker
    env.setup_django(url)
    import logging

    logging.disable(logging.WARNING)  # refusals and retries are logged by design; not here

    from django.db import connection

    from bench.results import Results

    results = Results()
    results.meta = machine(connection)
    results.meta["worker"] = worker_kind(connection.vendor, broker, args.pool)
    print(f"Booksync benchmark on {results.meta['machine']}")
    print(f"Stack: {results.meta['database']}, broker {broker}, {results.meta['worker']}")
    for part in parts:
        print(f"\n== {part}")
        part_started = time.perf_counter()
        module = __import__(f"bench.{part}", fromlist=["run"])
        if part == "memory":
            module.SIZES = (module.SIZES[0], args.memory_invoices)
        if part == "calls":
            module.run(sims, results, 1)  # exact counts: one run (the other parts: --runs)
        elif part == "scaling":
            module.run(sims, results, args.runs, args.companies, pool=args.pool, rounds=args.rounds)
        else:
            module.run(sims, results, args.runs)
        results.meta[f"seconds_{part}"] = round(time.perf_counter() - part_started, 1)
    sims.stop()
    results.meta["seconds_total"] = round(time.perf_counter() - started, 1)
    print()
    print(results.table())
    for note in results.notes:
        print(f"- {note}")
    print(f"\n{results.meta['seconds_total']:.0f} s in all; figures in bench/results.json")
    results.write()
    sys.exit(0)


def worker_kind(vendor: str, broker: str, pool: str) -> str:
    if vendor == "postgresql" and not broker.startswith("filesystem"):
        return f"syncs in a real Celery worker process (--pool={pool})"
    return "syncs in threads of the benchmark process (no PostgreSQL and Redis: SQLite)"


def machine(connection) -> dict[str, str]:  # noqa: ANN001 (Django's connection proxy)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    if connection.vendor == "postgresql":
        version = connection.cursor().connection.info.server_version
        database = (
            f"PostgreSQL {version // 10000}.{version % 10000} ({connection.settings_dict['NAME']})"
        )
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    return {
        "machine": f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "database": database,
        "broker": os.environ.get("CELERY_BROKER_URL", "filesystem://"),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


if __name__ == "__main__":
    main()
