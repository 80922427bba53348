"""Helpers the measurements share: timing, medians, running a sync again on the same data."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from bookkeeping.models import ExternalRecord, Integration, SyncIssue, SyncRun
from invoicing.models import Invoice


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def stopwatch() -> Any:
    """`with stopwatch() as elapsed: ...` then `elapsed()` gives the seconds it took."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def unsync(integration: Integration, credentials: dict[str, Any]) -> None:
    """Back to "never synced": no records, runs or issues; invoices not synced; the
    credentials the (reset) simulator accepts."""
    SyncIssue.objects.filter(run__integration=integration).delete()
    SyncRun.objects.filter(integration=integration).delete()
    ExternalRecord.objects.filter(integration=integration).delete()
    Invoice.objects.filter(company_id=integration.company_id).update(
        booking_number="", sync_state=Invoice.SyncState.NOT_SYNCED, sync_message="", synced_at=None
    )
    integration.set_credentials(dict(credentials))
    Integration.objects.filter(pk=integration.pk).update(status=Integration.Status.CONNECTED)
    integration.status = Integration.Status.CONNECTED
