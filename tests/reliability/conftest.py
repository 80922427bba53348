"""Helpers of the reliability suite: many invoices at once, the tool's own record of a booking,
"exactly once" checks, the figures we publish, and the services (PostgreSQL, Redis) it needs."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from bookkeeping.models import ExternalRecord
from bookkeeping.simulators.octopus.data import BOOKYEARS as OCTOPUS_BOOKYEARS
from invoicing.models import Company, Customer, Invoice
from tests.factories import CustomerFactory, make_booked_invoice
from tests.integration.conftest import (  # noqa: F401 (used by the tests of this folder)
    WORKER_LOG,
    relax_rate_limits,
    worker_process,
)

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "var" / "reliability-figures.json"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def book_invoices(company: Company, count: int, *, customers: int) -> list[Invoice]:
    """`count` booked invoices numbered 2026-0001..., spread over `customers` new customers."""
    people: list[Customer] = [CustomerFactory(company=company) for _ in range(customers)]
    return [
        make_booked_invoice(company, number=f"2026-{n:04d}", customer=people[n % customers])
        for n in range(1, count + 1)
    ]


def tool_booking_number(key: str, booking: dict[str, Any]) -> str:
    """The number the tool itself gave a booking, read from the simulator's own record."""
    if key == "exact_online":
        return str(booking["EntryNumber"])
    if key == "octopus":  # "<journal>/<book year>/<document number>"
        year = OCTOPUS_BOOKYEARS[booking["bookyearKey"]["id"]]
        return f"{booking['journalKey']}/{year}/{booking['documentSequenceNr']}"
    return str(booking["documentid"])


def assert_synced_ones_are_in_the_tool(key: str, sim: Any, company: Company) -> int:
    """Every invoice marked synced is in the tool exactly once, under the number the tool gave
    it. Returns how many are synced."""
    synced = Invoice.objects.filter(company=company, sync_state=Invoice.SyncState.SYNCED)
    for invoice in synced:
        bookings = sim.bookings(invoice.number)
        assert len(bookings) == 1, f"{invoice.number} is synced, in {key} {len(bookings)} times"
        assert invoice.booking_number, f"{invoice.number} is synced without a booking number"
        assert invoice.booking_number == tool_booking_number(key, bookings[0]), (
            f"{invoice.number}: booking number {invoice.booking_number} is not the one {key} gave"
        )
    records = ExternalRecord.objects.filter(
        invoice__company=company,
        kind=ExternalRecord.Kind.INVOICE,
        state=ExternalRecord.State.SYNCED,
    )
    assert records.count() == synced.count()
    return synced.count()


def assert_all_booked_exactly_once(key: str, sim: Any, invoices: list[Invoice]) -> None:
    """Every invoice is synced, in the tool exactly once, with the tool's booking number."""
    company = invoices[0].company
    assert assert_synced_ones_are_in_the_tool(key, sim, company) == len(invoices)
    assert sim.booking_count() == len(invoices), f"{key} holds {sim.booking_count()} bookings"
    numbers = Invoice.objects.filter(company=company).values_list("booking_number", flat=True)
    assert len(set(numbers)) == len(invoices)


def record_figures(section: str, figures: dict[str, Any]) -> None:
    """Adds one test's figures to var/reliability-figures.json and prints them (visible with -s)."""
    FIGURES.parent.mkdir(exist_ok=True)
    try:
        data = json.loads(FIGURES.read_text())
    except (OSError, ValueError):
        data = {}
    data[section] = figures
    FIGURES.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"\nreliability figures [{section}]: {json.dumps(figures, sort_keys=True)}")


# Worker processes ----------------------------------------------------------------------------


def wait_for(predicate, *, timeout: float, interval: float = 0.05):
    """Polls until predicate() is truthy; returns its value, or fails with the worker log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    tail = WORKER_LOG.read_text(errors="replace")[-3000:] if WORKER_LOG.exists() else ""
    pytest.fail(f"timed out after {timeout} s waiting for {predicate.__doc__}\n{tail}")


# Services ------------------------------------------------------------------------------------


def service_missing(reason: str) -> None:
    """Fails under REQUIRE_SERVICES=1 (CI), skips with the reason otherwise."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres(transactional_db) -> None:
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def broker(settings) -> str:
    """The Redis broker, reachable, with an empty queue."""
    from config.celery import app
    from tests.integration.conftest import broker_reachable

    if not settings.CELERY_BROKER_URL.startswith("redis://") or not broker_reachable():
        service_missing(f"needs the Redis broker; {settings.CELERY_BROKER_URL} is not reachable")
    app.control.purge()
    yield settings.CELERY_BROKER_URL
    forget_unacked(settings.CELERY_BROKER_URL)


def forget_unacked(url: str) -> None:
    """Drops the messages of killed workers that Redis keeps for redelivery after an hour, so
    that they never reach a later test run."""
    import redis

    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(url).delete("unacked", "unacked_index", "unacked_mutex")


def redis_ping() -> bool:
    return subprocess.run(["redis-cli", "ping"], capture_output=True, check=False).returncode == 0


def restart_redis(outage_seconds: float) -> float:
    """Stops the local Redis (no save) and starts it again after `outage_seconds`; returns how
    long it was down. Always starts it again, even when stopping failed half-way."""
    down_at = time.monotonic()
    try:
        subprocess.run(["redis-cli", "shutdown", "nosave"], capture_output=True, check=False)
        time.sleep(outage_seconds)
    finally:
        start_redis()
    return time.monotonic() - down_at


def start_redis() -> None:
    if redis_ping():
        return
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379"]
        + ["--save", "", "--appendonly", "no", "--dir", "/tmp"],
        capture_output=True,
        check=False,
    )
    for _ in range(50):
        if redis_ping():
            return
        time.sleep(0.05)
