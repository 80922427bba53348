"""1. Tool calls per synced invoice, per tool, counted by the simulators.

1,000 booked invoices of 100 new customers, synced from scratch (the simulator's rate limits
lifted: they are a separate concern), then synced again with nothing changed.
"""

from __future__ import annotations

from collections import Counter

from bench import seed
from bench.common import median, timed, unsync
from bench.env import Simulators
from bench.results import Results
from bookkeeping.sync import sync_company

INVOICES = 1000
CUSTOMERS = 100
# Reads of reference data (accounts, VAT codes, journals, book years, administrations).
REFERENCE = {
    "exact_online": {"GET financial/GLAccounts", "GET vat/VATCodes", "GET financial/Journals"},
    "octopus": {"GET bookyears", "GET bookyears.journals", "GET accounts", "GET vatcodes"},
    "yuki": {"Administrations", "GLAccountScheme", "VATCodes", "GetCurrentDomain", "Domains"},
}
LABELS = {"exact_online": "Exact Online", "octopus": "Octopus", "yuki": "Yuki"}


def run(sims: Simulators, results: Results, runs: int) -> None:
    for tool in ("exact_online", "octopus", "yuki"):
        measure_tool(tool, sims.tool(tool), results, runs)


def measure_tool(tool: str, sim, results: Results, runs: int) -> None:  # noqa: ANN001
    company = seed.company(f"calls-{tool}")
    seed.invoices(company, seed.customers(company, CUSTOMERS), INVOICES)
    integration = seed.integration(company, tool)
    credentials = dict(integration.credentials)
    label = LABELS[tool]
    samples: dict[str, list[float]] = {k: [] for k in ("w", "r", "ref", "s", "rw", "rr", "cpm")}
    for _ in range(runs):
        sim.reset()
        sim.lift_limits()
        unsync(integration, credentials)
        seconds, first = timed(lambda: sync_company(company, trigger="manual"))
        if first.invoices_booked != INVOICES:
            results.note(f"{label}: only {first.invoices_booked} of {INVOICES} invoices booked")
        operations = Counter(call.operation for call in sim.calls)
        samples["w"].append(sim.write_calls)
        samples["r"].append(sim.read_calls)
        samples["ref"].append(sum(n for op, n in operations.items() if op in REFERENCE[tool]))
        samples["s"].append(seconds)
        samples["cpm"].append(len(sim.calls) / seconds * 60)
        sim.reset_calls()
        sync_company(company, trigger="manual")
        samples["rw"].append(sim.write_calls)
        samples["rr"].append(sim.read_calls)
    writes, reads = median(samples["w"]), median(samples["r"])
    if tool == "yuki":
        per_call = INVOICES / max(1, writes - CUSTOMERS)
        results.add(f"{label}: invoices per invoice write call", per_call, ">= 50", per_call >= 50)
    else:
        allowed = INVOICES + CUSTOMERS
        results.add(
            f"{label}: write calls (1,000 inv., 100 new cust.)",
            int(writes),
            f"<= {allowed:,}",
            writes <= allowed,
        )
    results.add(f"{label}: read calls (find before create)", int(reads))
    reference = median(samples["ref"])
    results.add(f"{label}: reference-data reads per run", int(reference), "<= 5", reference <= 5)
    resync_w, resync_r = median(samples["rw"]), median(samples["rr"])
    results.add(
        f"{label}: re-sync, no changes: writes / reads",
        f"{int(resync_w)} / {int(resync_r)}",
        "0 / <= 3",
        resync_w == 0 and resync_r <= 3,
    )
    if tool == "exact_online":
        calls_per_minute = median(samples["cpm"])
        results.add(
            "Exact Online: calls a minute unthrottled (limit 60/min)", calls_per_minute, unit="/min"
        )
        results.add(
            "Exact Online: minutes for this backlog at 60 calls/min",
            (writes + reads) / 60,
            unit="min",
        )
