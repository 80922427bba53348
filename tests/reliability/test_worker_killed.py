"""A real worker process killed with SIGKILL ten times during a 500-invoice sync, each time at a
random moment (seeded), restarted, and finally a last run: every invoice is in the tool exactly
once with the booking number the tool gave it, and at every kill nothing is marked synced that
the tool does not have."""

from __future__ import annotations

import random
import signal
import time

import pytest
from django.utils import timezone

from bookkeeping.models import SyncRun
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from tests.reliability.conftest import (
    assert_all_booked_exactly_once,
    assert_synced_ones_are_in_the_tool,
    book_invoices,
    record_figures,
    relax_rate_limits,
    wait_for,
    worker_process,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

INVOICES = 500
KILLS = 10
STALE_AFTER = 1
# Calls each worker makes before its kill (then 0-30 ms more): spread the ten kills over the
# run. Yuki books 100 invoices per call in a handful of calls: its worker is also killed within
# 0-100 ms of the tool booking a batch, while it saves the bookings.
CALLS_BEFORE_KILL = {"exact_online": (10, 55), "octopus": (10, 55), "yuki": (1, 40)}
BATCHED = {"yuki"}


def wait_until_stale(company) -> None:
    """The killed worker's run must look abandoned before the next worker may take it over."""
    run = SyncRun.objects.filter(company=company, status=SyncRun.Status.RUNNING).first()
    if run is not None:
        age = (timezone.now() - run.heartbeat_at).total_seconds()
        time.sleep(max(0.0, STALE_AFTER + 0.2 - age))


def kill_at_random_moment(sim, worker, rng: random.Random, key: str, company) -> bool:
    """Lets the worker make a random number of calls, then SIGKILLs it. False when the run
    finished before the kill point was reached."""
    low, high = CALLS_BEFORE_KILL[key]
    start, target = len(sim.calls), rng.randint(low, high)
    booked = sim.booking_count()

    def progressed():
        """the worker to reach its kill point or finish"""
        if len(sim.calls) - start >= target:
            return "kill"
        if key in BATCHED and sim.booking_count() > booked:
            return "kill"
        done = not SyncRun.objects.filter(company=company, status=SyncRun.Status.RUNNING).exists()
        return "done" if done and len(sim.calls) > start else None

    state = wait_for(progressed, timeout=45, interval=0.005)
    time.sleep(rng.uniform(0, 0.1 if key in BATCHED else 0.03))
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    return state == "kill"


@pytest.mark.parametrize("key", list(TOOLS))
def test_ten_kills_of_a_real_worker_book_every_invoice_exactly_once(
    postgres, broker, request, key, acme, alice, settings, monkeypatch
):
    sim = request.getfixturevalue(key)
    request.getfixturevalue(f"{key}_integration")
    relax_rate_limits(sim)
    sim.latency_ms = 3
    invoices = book_invoices(acme, INVOICES, customers=10)
    from bookkeeping.tasks import sync_company_task

    monkeypatch.setenv("SYNC_STALE_AFTER_SECONDS", str(STALE_AFTER))
    rng = random.Random(f"worker-kill-{key}")  # noqa: S311 (test randomness, seeded)
    kills, synced_at_kill, in_tool_at_kill = 0, [], []
    for _ in range(KILLS):
        worker = worker_process(settings)  # it starts while the killed run grows stale
        try:
            wait_until_stale(acme)
            sync_company_task.delay(acme.pk, SyncRun.Trigger.MANUAL, alice.pk)
            killed = kill_at_random_moment(sim, worker, rng, key, acme)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
        if not killed:
            break
        kills += 1
        synced_at_kill.append(assert_synced_ones_are_in_the_tool(key, sim, acme))
        in_tool_at_kill.append(sim.booking_count())
    assert kills == KILLS, f"the sync finished after {kills} kills: kill earlier"
    assert synced_at_kill[-1] < INVOICES

    settings.SYNC_STALE_AFTER_SECONDS = STALE_AFTER
    wait_until_stale(acme)
    sim.latency_ms = 0
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    assert_all_booked_exactly_once(key, sim, invoices)
    earlier = SyncRun.objects.filter(company=acme).exclude(pk=run.pk)
    assert earlier.count() == KILLS
    assert set(earlier.values_list("status", flat=True)) == {SyncRun.Status.FAILED}
    assert all("its worker stopped" in error for error in earlier.values_list("error", flat=True))
    record_figures(
        f"worker_killed.{key}",
        {
            "invoices": INVOICES,
            "kills": kills,
            "synced_at_each_kill": synced_at_kill,
            "in_tool_at_each_kill": in_tool_at_kill,
            "runs": KILLS + 1,
            "bookings_in_tool": sim.booking_count(),
            "duplicates": sim.booking_count() - INVOICES,
        },
    )
