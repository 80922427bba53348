"""Celery tasks: thin wrappers that take ids and call bookkeeping.sync."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from invoicing.models import Company

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=24)
def sync_company_task(
    self,  # noqa: ANN001 (the bound task)
    company_id: int,
    trigger: str,
    user_id: int | None = None,
    run_id: int | None = None,
    invoice_ids: list[int] | None = None,
) -> None:
    """Syncs one company. Safe to run twice: the sync joins a running run and never books twice."""
    from bookkeeping.models import SyncRun
    from bookkeeping.sync import SyncNotPossible, SyncRescheduled, sync_company

    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        logger.info("Company %s was deleted before its sync ran", company_id)
        return
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = SyncRun.objects.filter(pk=run_id).first() if run_id else None
    try:
        sync_company(company, trigger=trigger, user=user, run=run, invoice_ids=invoice_ids)
    except SyncNotPossible as exc:
        logger.info("Sync of %s not possible: %s", company, exc)
        return
    except SyncRescheduled as exc:
        raise self.retry(
            countdown=exc.retry_after,
            args=(company_id, trigger, user_id),
            kwargs={"invoice_ids": invoice_ids},
        ) from exc
    if trigger == SyncRun.Trigger.NIGHTLY:
        from bookkeeping.reconcile import reconcile_after_nightly_sync

        reconcile_after_nightly_sync(company.pk)


@shared_task(acks_late=True)
def schedule_nightly_syncs() -> int:
    """Enqueues one sync per company with the nightly switch on, spread over the night so that
    no tool gets every company at the same minute. Returns how many were enqueued."""
    from bookkeeping.models import Integration, SyncRun

    company_ids = list(
        Integration.objects.filter(is_active=True, nightly_sync=True)
        .exclude(status=Integration.Status.NOT_CONNECTED)
        .order_by("company_id")
        .values_list("company_id", flat=True)
    )
    spread = settings.NIGHTLY_SYNC_SPREAD_SECONDS
    for index, company_id in enumerate(company_ids):
        countdown = int(spread * index / len(company_ids))
        sync_company_task.apply_async(
            args=(company_id, SyncRun.Trigger.NIGHTLY), countdown=countdown
        )
    logger.info("Nightly sync enqueued for %d companies over %d s", len(company_ids), spread)
    return len(company_ids)
