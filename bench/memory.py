"""5. Worker memory: peak RSS of a process that syncs 2,000 and 50,000 invoices (target: flat,
at most 10 % more at 50,000).

The sync runs in a child process (`python -m bench.child <company id>`), which reads
`ru_maxrss` when it is done; the simulator stays in this process, so its memory is not counted.
A child that only starts Django gives the base. On PostgreSQL the child commits without waiting
for the disk (`synchronous_commit=off` for its connection only): that changes no byte of its
memory and halves the time of 50,000 invoices; the timing parts keep the server's setting.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench import seed
from bench.env import ROOT, Simulators, child_env, is_postgres
from bench.results import Results

SIZES = (2_000, 50_000)
TOOL = "yuki"  # 100 invoices a call: the invoices, not the calls, fill the memory
LIMIT_MB = 200


def run(sims: Simulators, results: Results, runs: int) -> None:  # noqa: ARG001
    sim = sims.yuki
    sim.reset()
    sim.lift_limits()
    base = child(None)["rss_mb"]
    peaks = {}
    for size in SIZES:
        company = seed.company(f"memory-{size}")
        seed.invoices(company, seed.customers(company, 100), size)
        seed.integration(company, TOOL)
        sim.reset()  # one administration for all: our invoice numbers must be new to it
        sim.lift_limits()
        report = child(company.pk)
        if report["booked"] != size:
            results.note(f"memory: {report['booked']} of {size} invoices booked")
        peaks[size] = report["rss_mb"]
    results.add("Worker peak RSS, Django loaded, no sync", base, unit="MB")
    for size, peak in peaks.items():
        results.add(
            f"Worker peak RSS, {size:,} invoices", peak, f"<= {LIMIT_MB} MB", peak <= LIMIT_MB, "MB"
        )
    growth = peaks[SIZES[-1]] - peaks[SIZES[0]]
    results.add(
        f"Worker RSS growth {SIZES[0] // 1000}k -> {SIZES[-1] // 1000}k invoices",
        growth,
        "flat (<= 10 %)",
        growth <= 0.1 * peaks[SIZES[0]],
        "MB",
    )


def child(company_id: int | None) -> dict:
    args = [sys.executable, "-m", "bench.child"] + ([str(company_id)] if company_id else [])
    url = os.environ["DATABASE_URL"]
    if is_postgres(url):
        url += ("&" if "?" in url else "?") + "options=-c%20synchronous_commit%3Doff"
    out = subprocess.run(
        args,
        cwd=ROOT,
        env=child_env(DATABASE_URL=url),
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
