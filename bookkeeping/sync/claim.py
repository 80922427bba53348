"""Claiming a run: at most one running run per integration, a stale one taken over."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookkeeping.models import Integration, SyncRun
from bookkeeping.texts import later

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def claim_run(
    integration: Integration,
    *,
    trigger: str,
    user: AbstractBaseUser | None,
    invoice_ids: list[int] | None = None,
    _retrying: bool = False,
) -> tuple[SyncRun, bool]:
    """One running run per integration, by a partial unique constraint.

    A running run whose heartbeat is stale (its worker died) is closed first, so that this claim
    takes over. Returns (run, True) for a new run, (running run, False) to join it.
    """
    cutoff = timezone.now() - timezone.timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS)
    SyncRun.objects.filter(
        integration=integration, status=SyncRun.Status.RUNNING, heartbeat_at__lt=cutoff
    ).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error=later(
            "This sync stopped without finishing (its worker stopped); the next run took over."
        ),
    )
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                integration=integration,
                company_id=integration.company_id,
                trigger=trigger,
                started_by=user,
                only_invoice_ids=invoice_ids or [],
            )
    except IntegrityError:
        running = SyncRun.objects.filter(
            integration=integration, status=SyncRun.Status.RUNNING
        ).first()
        if running is None:
            if _retrying:  # not the one-running-run constraint: a real error
                raise
            # The running run finished in between: try once more.
            return claim_run(
                integration, trigger=trigger, user=user, invoice_ids=invoice_ids, _retrying=True
            )
        if user is not None and user.pk != running.started_by_id:
            _add_watcher(running, user.pk)
        return running, False
    return run, True


def _add_watcher(run: SyncRun, user_id: int) -> None:
    with transaction.atomic():
        locked = SyncRun.objects.select_for_update().get(pk=run.pk)
        if user_id not in locked.watcher_ids:
            locked.watcher_ids.append(user_id)
            locked.save(update_fields=["watcher_ids"])


def still_running(run: SyncRun) -> bool:
    run.refresh_from_db()
    return run.status == SyncRun.Status.RUNNING
