"""1. Tool calls per synced invoice, per tool, counted by the simulators.

1,000 booked invoices of 100 new customers, synced from scratch (the simulator's rate limits
lifted: they are a separate concern), then synced again with nothing changed. After the first
sync, a complete read-back of the books (`read_bookings`) and a payment refresh
(`read_payments`) of the 1,000 invoices are counted against their budgets.

Budgets: customer lookups at most one read per 20 customers (issue 17); a read-back at most
one read per 100 bookings plus one (sign-in included); a payment refresh at most one read per
40 invoices plus one (Exact Online's `or`-chains of 40 references; sign-in included).
"""

from __future__ import annotations

from collections import Counter

from bench import seed
from bench.common import median, timed, unsync
from bench.env import Simulators
from bench.results import Results
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import BookEntry, Integration
from bookkeeping.payments import refresh_payments
from bookkeeping.reconcile import read_books
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
# The reads that look customers up (before creating them, and Yuki's after).
LOOKUP = {"exact_online": "GET crm/Accounts", "octopus": "GET relations", "yuki": "SearchContacts"}
# The payment refresh at the end of every run (its own row and budget below).
PAYMENT_READS = {"exact_online": "GET bulk/Cashflow/Receivables", "yuki": "OutstandingDebtorItems"}
LOOKUP_BUDGET = 20  # issue 17: at most 20 for 100 new customers (the design: 1 per 20, i.e. 5)
READ_BACK_BUDGET = INVOICES // 100 + 1
PAYMENTS_BUDGET = INVOICES // 40 + 1


def run(sims: Simulators, results: Results, runs: int) -> None:
    for tool in ("exact_online", "octopus", "yuki"):
        measure_tool(tool, sims.tool(tool), results, runs)


def measure_tool(tool: str, sim, results: Results, runs: int) -> None:  # noqa: ANN001
    company = seed.company(f"calls-{tool}")
    seed.invoices(company, seed.customers(company, CUSTOMERS), INVOICES)
    integration = seed.integration(company, tool)
    credentials = dict(integration.credentials)
    label = LABELS[tool]
    keys = ("w", "r", "ref", "look", "rp", "s", "rw", "rr", "rrp", "cpm", "back", "pay")
    samples: dict[str, list[float]] = {k: [] for k in keys}
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
        samples["look"].append(operations[LOOKUP[tool]])
        samples["rp"].append(operations[PAYMENT_READS.get(tool, "")])
        samples["s"].append(seconds)
        samples["cpm"].append(len(sim.calls) / seconds * 60)
        back, pay = read_back_and_payments(integration, sim)
        samples["back"].append(back)
        samples["pay"].append(pay)
        sim.reset_calls()
        sync_company(company, trigger="manual")
        samples["rw"].append(sim.write_calls)
        samples["rr"].append(sim.read_calls)
        samples["rrp"].append(sum(c.operation == PAYMENT_READS.get(tool) for c in sim.calls))
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
    results.add(f"{label}: read calls of the first sync, all", int(reads))
    lookups = median(samples["look"])
    results.add(
        f"{label}: customer lookup reads (100 new cust.)",
        int(lookups),
        f"<= {LOOKUP_BUDGET}",
        lookups <= LOOKUP_BUDGET,
    )
    reference = median(samples["ref"])
    results.add(f"{label}: reference-data reads per run", int(reference), "<= 5", reference <= 5)
    resync_w, resync_r = median(samples["rw"]), median(samples["rr"]) - median(samples["rrp"])
    results.add(
        f"{label}: re-sync, no changes: writes / reads (payment refresh apart)",
        f"{int(resync_w)} / {int(resync_r)}",
        "0 / <= 3",
        resync_w == 0 and resync_r <= 3,
    )
    if tool == "exact_online":
        calls_per_minute = median(samples["cpm"])
        results.add(
            "Exact Online: calls a minute unthrottled (limit 60/min)", calls_per_minute, unit="/min"
        )
        minutes = (writes + reads - median(samples["rp"])) / 60
        results.add(
            "Exact Online: minutes of the 60-calls-a-minute budget",
            minutes,
            "<= 18.5",
            minutes <= 18.5,
            unit="min",
        )
        results.add(
            "Exact Online: the same, with the run's payment refresh",
            (writes + reads) / 60,
            unit="min",
        )
    back = median(samples["back"])
    results.add(
        f"{label}: read-back of 1,000 bookings: reads",
        int(back),
        f"<= {READ_BACK_BUDGET}",
        back <= READ_BACK_BUDGET,
    )
    pay = median(samples["pay"])
    if pay != pay:  # NaN: the tool does not report payments
        results.add(f"{label}: payment refresh of 1,000 invoices: reads", "not offered")
        return
    results.add(
        f"{label}: payment refresh of 1,000 invoices: reads",
        int(pay),
        f"<= {PAYMENTS_BUDGET}",
        pay <= PAYMENTS_BUDGET,
    )


def read_back_and_payments(integration: Integration, sim) -> tuple[float, float]:  # noqa: ANN001
    """Reads of a complete read-back of the books and of a payment refresh, each with a new
    connector (its sign-in counted); NaN for payments when the tool does not report them."""
    integration = Integration.objects.get(pk=integration.pk)
    Integration.objects.filter(pk=integration.pk).update(books_cursor="")
    integration.books_cursor = ""
    sim.reset_calls()
    read_books(integration, get_connector(integration))
    back = sim.read_calls
    integration = Integration.objects.get(pk=integration.pk)
    sim.reset_calls()
    refreshed = refresh_payments(integration, get_connector(integration))
    pay = sim.read_calls if refreshed.supported else float("nan")
    # The next run starts from an empty tool (the simulator is reset): no mirror of these books.
    BookEntry.objects.filter(integration=integration).delete()
    Integration.objects.filter(pk=integration.pk).update(books_cursor="", books_read_at=None)
    return back, pay
