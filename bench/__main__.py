"""`python -m bench` (`make bench`): runs the five measurements, prints one table and writes
bench/results.json. Options: --runs N (runs per median, default 3), --companies N (worker
scaling, default 48 of the issue's 200), --only calls,overhead,scaling,overview,memory.

DATABASE_URL picks the database (its name must contain "bench": it is recreated); without it a
fresh SQLite file under var/bench/ is used.
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
    parser.add_argument("--companies", type=int, default=48)
    parser.add_argument("--only", default=",".join(PARTS))
    args = parser.parse_args()
    parts = [part for part in args.only.split(",") if part]
    started = time.perf_counter()

    from bench import env

    sims = env.start_simulators(latency_ms=50)
    url = env.database_url()
    if env.is_postgres(url) and "CELERY_BROKER_URL" not in os.environ and redis_up():
        os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/13"
    os.environ["DATABASE_URL"] = url
    env.setup_django()
    import logging

    logging.disable(logging.WARNING)  # refusals and retries are logged by design; not here

    from django.db import connection

    from bench.results import Results

    results = Results()
    results.meta = machine(connection.vendor)
    print(f"Booksync benchmark on {results.meta['machine']}, database {connection.vendor}")
    for part in parts:
        print(f"\n== {part}")
        part_started = time.perf_counter()
        module = __import__(f"bench.{part}", fromlist=["run"])
        if part == "scaling":
            module.run(sims, results, args.runs, args.companies)
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


def redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def machine(vendor: str) -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "machine": f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "database": vendor,
        "broker": os.environ.get("CELERY_BROKER_URL", "filesystem://"),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


if __name__ == "__main__":
    main()
