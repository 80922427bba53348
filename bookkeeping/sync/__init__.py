"""The sync: books a company's booked invoices, with their customers, in its bookkeeping tool.

`sync_company` is the one entry point (Celery task, `manage.py sync`, retry buttons). It reads as
its steps: claim the run (`claim`), select the work (`work`), push customers, invoices and
updates (`push`), finish. Every state change of an invoice's sync is in `transitions`; how a run
stays alive and in charge (heartbeat, fence, call policy) in `runtime`.

Exactly once: before each call that creates something in the tool, the invoice's ExternalRecord is
marked "pushing" and committed. A crash between the call and the save leaves that mark, and the
next run asks the tool (`find_invoice`) before it creates anything. No transaction is held open
across a call to the tool.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from bookkeeping import payments
from bookkeeping.connectors.base import InvoiceRejected, RateLimited, TransientError
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import Integration, SyncRun
from bookkeeping.sync import transitions
from bookkeeping.sync.claim import claim_run, still_running
from bookkeeping.sync.customers import push_customers
from bookkeeping.sync.push import push_invoices, push_updates
from bookkeeping.sync.runtime import RunAborted, RunTakenOver, call, fence, fence_call, heartbeat
from bookkeeping.sync.work import select_work
from bookkeeping.texts import later
from config.texts import StoredText

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from invoicing.models import Company

__all__ = [
    "RunTakenOver",
    "SyncNotPossible",
    "SyncRescheduled",
    "active_integration",
    "claim_run",
    "heartbeat",
    "start_sync",
    "sync_company",
]

logger = logging.getLogger(__name__)


class SyncNotPossible(Exception):
    """The company cannot sync now (no connected integration); the message says why."""


class SyncRescheduled(Exception):
    """The tool asked us to wait longer than a run may sleep; retry after `retry_after` s."""

    def __init__(self, run: SyncRun, retry_after: float):
        super().__init__(f"Sync {run.pk} rescheduled in {retry_after:.0f} s")
        self.run = run
        self.retry_after = retry_after


def active_integration(company: Company) -> Integration:
    integration = Integration.objects.filter(company=company, is_active=True).first()
    if integration is None:
        raise SyncNotPossible(
            later(
                "No bookkeeping tool is connected. A company admin connects one in Integration "
                "settings."
            )
        )
    if integration.status == Integration.Status.NOT_CONNECTED:
        raise SyncNotPossible(
            later(
                "%(tool)s is not connected yet: finish connecting it in Integration settings.",
                tool=integration.tool_label,
            )
        )
    return integration


def start_sync(
    company: Company,
    *,
    trigger: str,
    user: AbstractBaseUser | None = None,
    invoice_ids: list[int] | None = None,
) -> tuple[SyncRun, bool]:
    """Claims a run (or joins the running one) and enqueues it for a worker after commit.

    Returns (run, started): `started` is False when another run was already going.
    """
    from bookkeeping.tasks import sync_company_task

    integration = active_integration(company)
    run, started = claim_run(integration, trigger=trigger, user=user, invoice_ids=invoice_ids)
    if started:
        user_id = user.pk if user else None
        transaction.on_commit(
            lambda: sync_company_task.delay(company.pk, trigger, user_id, run_id=run.pk)
        )
    return run, started


def sync_company(
    company: Company,
    *,
    trigger: str,
    user: AbstractBaseUser | None = None,
    run: SyncRun | None = None,
    invoice_ids: list[int] | None = None,
) -> SyncRun:
    """Syncs the company now, in this process, and returns the finished run.

    Joins (returns) the running run when another one is going. Raises SyncNotPossible without a
    connected integration and SyncRescheduled when the tool asked for a long pause.
    """
    integration = active_integration(company)
    if run is not None and not still_running(run):
        # A task delivered again after its run finished (or was taken over): nothing to do.
        logger.info("Sync %s already ended (%s)", run.pk, run.status)
        return run
    if run is None:
        run, started = claim_run(integration, trigger=trigger, user=user, invoice_ids=invoice_ids)
        if not started:
            return run
    connector = get_connector(integration)
    connector.before_call = lambda: fence_call(run)  # every call, also inside a connector method
    try:
        if integration.credentials_unreadable:  # say so even when nothing waits to be synced
            call(run, connector.test_connection)
        work = select_work(run, integration)
        push_customers(run, connector, work)
        push_invoices(run, connector, work)
        push_updates(run, connector, work)
        fence(run)  # a run that was taken over meanwhile is closed by the one that took over
        payments.refresh_quietly(integration, connector)
    except RunAborted as stop:
        transitions.reconnect_needed(run, stop.error)
    except RunTakenOver:
        logger.warning("Sync %s was taken over by another run; this worker stops.", run.pk)
        return run
    except RateLimited as exc:
        transitions.close(run, status=SyncRun.Status.RESCHEDULED, error=exc.message)
        raise SyncRescheduled(run, exc.retry_after) from exc
    except Exception as exc:
        logger.exception("Sync %s of %s failed", run.pk, company)
        _reconnect_if_lost()
        transitions.close(run, status=SyncRun.Status.FAILED, error=_unexpected(exc))
        raise
    transitions.close(run)
    return run


def _reconnect_if_lost() -> None:
    """A database connection that broke under the run is replaced, so the run can be closed
    (outside a transaction only: inside one, the caller owns the connection)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def _unexpected(exc: Exception) -> StoredText | str:
    if isinstance(exc, TransientError | InvoiceRejected):
        return exc.message
    if isinstance(exc, ImproperlyConfigured):  # the connectors word it for the user; no secrets
        return exc.args[0] if isinstance(exc.args[0], StoredText) else str(exc)
    return later(
        "The sync stopped on an unexpected error; the team has been told. Try again later."
    )
