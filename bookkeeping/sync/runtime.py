"""How a run stays alive and in charge: its heartbeat, the fence against a takeover, and the
policy for each call to the tool (rate-limit waits, lost access)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from bookkeeping.connectors.base import AuthError, CallsForbidden, RateLimited
from bookkeeping.models import SyncRun

logger = logging.getLogger(__name__)
T = TypeVar("T")


class RunAborted(Exception):
    """Ends a run early: access was refused for good (`error`); the run is finished as failed."""

    def __init__(self, error: AuthError):
        super().__init__(error.message)
        self.error = error


class RunTakenOver(CallsForbidden):
    """This run no longer owns its integration: another run took it over (this worker was
    presumed dead). The worker stops before its next call to the tool and leaves the run as the
    takeover closed it."""


def heartbeat(run: SyncRun, **increments: int) -> bool:
    """Proves the run is alive and moves its counters (one UPDATE). Returns False, changing
    nothing, when the run no longer owns its integration (another run took it over)."""
    updates = {name: F(name) + value for name, value in increments.items()}
    owned = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
        heartbeat_at=timezone.now(), **updates
    )
    for name, value in increments.items():
        setattr(run, name, getattr(run, name) + value)
    run._proven_at = elapsed() if owned else None  # type: ignore[attr-defined]
    return bool(owned)


def fence(run: SyncRun) -> None:
    """Raises RunTakenOver unless this run still owns its integration: checked before every
    "pushing" mark and, through `fence_call`, every call to the tool, so that a worker that was
    only paused (and presumed dead) never pushes beside the run that took over.

    A takeover needs a heartbeat older than SYNC_STALE_AFTER_SECONDS. So when this run's own
    heartbeat proved it the owner less than `beat_interval()` ago, and no call to the tool has
    waited since (a call spends the proof), nobody can have taken over: no query. Saving a
    booking writes the heartbeat, so the push of the next invoice is fenced for free. Otherwise
    the check is a read, and the heartbeat a write at most every `beat_interval()` seconds (a
    write is a commit: one before every call cost a sync a quarter of its time)."""
    now = elapsed()
    proven = getattr(run, "_proven_at", None)
    if proven is not None and now - proven < beat_interval():
        return
    if now - getattr(run, "_beaten_at", float("-inf")) >= beat_interval():
        owned = heartbeat(run)
        run._beaten_at = now  # type: ignore[attr-defined]
    else:
        owned = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).exists()
    if not owned:
        raise RunTakenOver(run.pk)


def fence_call(run: SyncRun) -> None:
    """The fence before one call to the tool; the call may wait long, so it spends the proof:
    the next call is fenced again unless a heartbeat proves the run the owner after it."""
    fence(run)
    run._proven_at = None  # type: ignore[attr-defined]


def elapsed() -> float:
    """Seconds on a clock that never goes back and also counts the time the machine was
    suspended (a paused virtual machine may have been presumed dead meanwhile)."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    return time.clock_gettime(boottime) if boottime is not None else time.monotonic()


def beat_interval() -> float:
    """Seconds between two heartbeats of a busy run: far below the age at which a run is
    presumed dead (SYNC_STALE_AFTER_SECONDS), so a live run is never taken for a dead one."""
    return min(2.0, settings.SYNC_STALE_AFTER_SECONDS / 10)


def call(run: SyncRun, thunk: Callable[[], T]) -> T:
    """Runs one connector call under the run's policy for rate limits and lost access.

    A short rate-limit wait is slept here and the call repeated; a long one propagates (the run
    is rescheduled). AuthError ends the run (RunAborted) with a reconnect.
    """
    while True:
        try:
            return thunk()
        except RateLimited as exc:
            if exc.retry_after > settings.SYNC_MAX_INLINE_WAIT_SECONDS:
                raise
            logger.info("Sync %s waits %.1f s for the rate limit", run.pk, exc.retry_after)
            heartbeat(run)
            time.sleep(exc.retry_after)
        except AuthError as exc:
            raise RunAborted(exc) from exc
