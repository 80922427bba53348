"""A storm of tool faults: one call in ten answered with a 429 (with its reset headers), a 500, a
503, a timeout, a reset connection or a truncated body, while the access token expires every
few seconds. After at most three runs every invoice is booked exactly once, every failure on the
way was a retried call or a clear SyncIssue, and each run's status and notification tell the
truth."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import pytest

from bookkeeping.models import Integration, SyncIssue, SyncRun
from bookkeeping.reporting import plural
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from invoicing.models import Invoice
from notifications.models import Notification
from tests.reliability.conftest import (
    assert_all_booked_exactly_once,
    book_invoices,
    record_figures,
    relax_rate_limits,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

INVOICES = 1000
FAULT_RATE = 0.1
MAX_RUNS = 3
TOKEN_LIFETIME = 4.0  # seconds between two expiries of every token the tool issued
# One fault in ten is a 429, one in ten a timeout (they cost a second each); the rest are
# 500, 503, resets and truncated replies. Yuki has no 429: its quota fault pauses the run until
# midnight (tested with the connector), so it gets the other kinds only.
KINDS = ("429", "timeout", "500", "503", "reset", "malformed", "500", "503", "reset", "malformed")
KINDS_BY_TOOL = {"yuki": tuple(kind for kind in KINDS if kind != "429")}
# A lost reply to Exact's token call loses the rotating refresh token for good (the user must
# reconnect): `test_a_lost_token_reply_asks_for_a_reconnect` covers it, the storm spares it.
SPARED = {"exact_online": ("/api/oauth2/",)}


class TokenExpirer:
    """Expires every token / session of the simulator every `interval` seconds, in a thread."""

    def __init__(self, sim, interval: float):
        self.sim, self.interval = sim, interval
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sim.expire_tokens()
            self.count += 1

    def __enter__(self) -> TokenExpirer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def make_storm(key: str, sim, settings, monkeypatch) -> None:
    """Timeouts cost half a second; a 429 asks for a one-second pause."""
    relax_rate_limits(sim)
    settings.TOOL_HTTP_TIMEOUT = (1.0, 0.5)
    monkeypatch.setattr(sim, "timeout_seconds", 1.0)
    if key == "exact_online":  # the minute "resets" within a second of a 429
        monkeypatch.setattr(sim, "clock", lambda: time.time() - 59)
    if key == "octopus":
        monkeypatch.setattr(sim, "retry_after_seconds", 1)
    if key == "yuki":  # 100 invoices a call make few calls: lose two batch replies on top
        sim.fail_next("", "ProcessSalesInvoices", kind="reset")
        sim.fail_next("", "ProcessSalesInvoices", kind="malformed")
    kinds = KINDS_BY_TOOL.get(key, KINDS)
    sim.set_fault_rate(FAULT_RATE, kinds, seed=20261124, spare=SPARED.get(key, ()))


def assert_run_tells_the_truth(run: SyncRun, user) -> None:
    """Counts add up, the status matches them, and the notification lists every failure."""
    issues = list(run.issues.all())
    assert str(run.error) == "", f"run {run.pk} ended on an error: {str(run.error)}"
    assert run.invoices_booked + run.invoices_failed == run.total == run.done
    assert run.invoices_failed == sum(1 for issue in issues if issue.invoice_id)
    for issue in issues:
        assert str(issue.message), issue
        assert str(issue.hint), issue
    note = Notification.objects.filter(recipient=user, source=f"sync-run:{run.pk}").get()
    if not issues:
        assert run.status == SyncRun.Status.SUCCEEDED
        assert f"{plural(run.invoices_booked, 'invoice')} synced" in note.title
        return
    expected = SyncRun.Status.PARTIALLY_FAILED if run.invoices_booked else SyncRun.Status.FAILED
    assert run.status == expected
    assert note.level == Notification.Level.ERROR
    if run.invoices_failed:
        assert f"{run.invoices_failed} invoice" in note.title
    for issue in issues:
        assert str(issue.message) in note.body
        if issue.invoice_id:
            assert issue.invoice.number in str(issue.message)


@pytest.mark.parametrize("key", list(TOOLS))
def test_a_storm_of_tool_faults_books_every_invoice_exactly_once_within_three_runs(
    request, key, acme, alice, settings, monkeypatch, caplog
):
    sim = request.getfixturevalue(key)
    request.getfixturevalue(f"{key}_integration")
    invoices = book_invoices(acme, INVOICES, customers=10)
    make_storm(key, sim, settings, monkeypatch)
    caplog.set_level(logging.INFO)
    started = time.monotonic()

    runs = []
    with TokenExpirer(sim, TOKEN_LIFETIME) as expirer:
        while len(runs) < MAX_RUNS:
            runs.append(sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice))
            if not Invoice.objects.filter(company=acme).exclude(sync_state="synced").exists():
                break
    sim.set_fault_rate(0)

    tracebacks = [record.getMessage() for record in caplog.records if record.exc_info]
    assert tracebacks == []
    for run in runs:
        assert_run_tells_the_truth(run, alice)
    assert runs[-1].status == SyncRun.Status.SUCCEEDED, str(runs[-1].summary)
    assert sum(run.invoices_booked for run in runs) == INVOICES
    assert_all_booked_exactly_once(key, sim, invoices)
    assert Integration.objects.get(company=acme).status == Integration.Status.CONNECTED
    assert sum(sim.faults_injected.values()) > 0.05 * len(sim.calls)
    retried = sum("retrying" in record.getMessage() for record in caplog.records)
    record_figures(
        f"tool_faults.{key}",
        {
            "invoices": INVOICES,
            "runs": len(runs),
            "run_statuses": [run.status for run in runs],
            "invoices_failed_per_run": [run.invoices_failed for run in runs],
            "calls": len(sim.calls),
            "faults_injected": dict(sim.faults_injected),
            "faults_total": sum(sim.faults_injected.values()),
            "token_expiries": expirer.count,
            "request_retries_logged": retried,
            "sync_issues": dict(Counter(SyncIssue.objects.values_list("kind", flat=True))),
            "bookings_in_tool": sim.booking_count(),
            "duplicates": sim.booking_count() - INVOICES,
            "tracebacks_logged": len(tracebacks),
            "seconds": round(time.monotonic() - started, 1),
        },
    )


def test_a_lost_token_reply_asks_for_a_reconnect(
    exact_online, exact_online_integration, acme, alice, caplog
):
    """Exact rotates its refresh token: when the reply carrying the new one is lost, the old
    one is dead. The run ends with a clear "reconnect" message, never a crash."""
    book_invoices(acme, 2, customers=1)
    exact_online.fail_next("POST", "/api/oauth2/token", kind="reset")

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.FAILED
    integration = Integration.objects.get(company=acme)
    assert integration.status == Integration.Status.RECONNECT_NEEDED
    note = Notification.objects.filter(recipient=alice, source=f"sync-run:{run.pk}").get()
    assert "Reconnect Exact Online in Integration settings." in note.body
    assert exact_online.booking_count() == 0
    assert not [record for record in caplog.records if record.exc_info]


@pytest.mark.parametrize("key", ["exact_online", "octopus"])
def test_access_that_expires_again_during_the_retries_of_a_call_is_renewed_again(
    request, key, acme, alice
):
    """401 (renew), 500 (retry), 401 again: the token expired twice during one call. The
    credentials are fine, so access is renewed again instead of asking for a reconnect."""
    sim = request.getfixturevalue(key)
    request.getfixturevalue(f"{key}_integration")
    book_invoices(acme, 1, customers=1)
    for fault in ({"status": 401}, {"kind": "500"}, {"status": 401}):
        sim.fail_next("GET", **fault)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    assert Integration.objects.get(company=acme).status == Integration.Status.CONNECTED
    assert sim.faults_injected["status"] == 2
