"""The tool's reference data (journals, accounts, VAT codes, book years), cached per integration.

Kept in the database (`ReferenceData`) so that every web and worker process shares one copy. A
page view reads the copy and calls the tool only when it is older than MAX_AGE (or of another
target); a failed read is kept too, and tried again after RETRY_AFTER_FAILURE, so that a tool
that is down does not slow every page view. `refresh=True` (the "Refresh" button) reads now.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from bookkeeping.connectors.base import ConnectorError
from bookkeeping.integrations import connector_for, describe_error
from bookkeeping.models import ReferenceData

if TYPE_CHECKING:
    from bookkeeping.models import Integration
    from invoicing.models import Company

logger = logging.getLogger(__name__)

MAX_AGE = dt.timedelta(hours=1)
RETRY_AFTER_FAILURE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Reference:
    """The reference data as last read (None: never read, or not of this target) and, when the
    last read failed, why."""

    data: dict[str, Any] | None
    fetched_at: dt.datetime | None
    error: str = ""


def reference_data(integration: Integration, *, refresh: bool = False) -> Reference:
    """The cached reference data of the integration, read from the tool first when it is
    missing, older than MAX_AGE, of another target, or `refresh`. Never raises a tool error:
    a failed read is returned as `error` (with the stale copy, when it is of this target)."""
    row = ReferenceData.objects.filter(integration=integration).first()
    now = timezone.now()
    current = row is not None and row.target_id == integration.target_id and row.fetched_at
    if not refresh and row is not None:
        if current and now - row.fetched_at < MAX_AGE:
            return Reference(row.data, row.fetched_at)
        if row.error and row.failed_at and now - row.failed_at < RETRY_AFTER_FAILURE:
            return _as_reference(row, current=bool(current))
    return _read(integration, now=now, row=row, current=bool(current))


def _read(
    integration: Integration, *, now: dt.datetime, row: ReferenceData | None, current: bool
) -> Reference:
    try:
        data = connector_for(integration).reference_data()
    except (ConnectorError, ImproperlyConfigured) as exc:  # a missing server setting too
        logger.info("Reference data of integration %s not read: %s", integration.pk, exc)
        error = describe_error(exc) if isinstance(exc, ConnectorError) else str(exc)
        ReferenceData.objects.update_or_create(
            integration=integration, defaults={"error": error, "failed_at": now}
        )
        row = ReferenceData.objects.get(integration=integration)
        return _as_reference(row, current=current)
    ReferenceData.objects.update_or_create(
        integration=integration,
        defaults={
            "target_id": integration.target_id,
            "data": data,
            "fetched_at": now,
            "error": "",
            "failed_at": None,
        },
    )
    return Reference(data, now)


def _as_reference(row: ReferenceData, *, current: bool) -> Reference:
    return Reference(row.data if current else None, row.fetched_at if current else None, row.error)


def forget_company(company: Company) -> None:
    """Drops the copies of the company's integrations: the next view reads the tool again."""
    ReferenceData.objects.filter(integration__company=company).delete()
