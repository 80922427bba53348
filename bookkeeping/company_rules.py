"""Rules of the settings page beyond the connection: the start date and the lock on booked
invoices. Re-exported by `bookkeeping.integrations`, the services the settings views call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from bookkeeping import tools
from bookkeeping.models import ExternalRecord, Integration
from invoicing.models import Invoice

if TYPE_CHECKING:
    from invoicing.models import Company


# States a start date never overwrites: a person's decision, or what the tool already holds.
KEPT_STATES = [
    Invoice.SyncState.EXCLUDED,
    Invoice.SyncState.SYNCED,
    Invoice.SyncState.CHANGED,
    Invoice.SyncState.BEFORE_START,
]


@dataclass(frozen=True)
class StartDateChange:
    """What saving a start date changed: invoices now before it, and those no longer before it."""

    before: int
    released: int


def set_sync_from(integration: Integration, *, sync_from: dt.date | None) -> StartDateChange:
    """Saves the start date and marks the company's booked, never-synced invoices dated before
    it "before the start date" (never sent), at once rather than at the next sync; invoices no
    longer before it become "not synced" again. Synced, changed and excluded invoices keep their
    state. A new date reads the books again from scratch (the mirror starts at that date)."""
    synced = ExternalRecord.objects.filter(
        integration=integration, kind=ExternalRecord.Kind.INVOICE, state=ExternalRecord.State.SYNCED
    ).values("invoice_id")
    booked = Invoice.objects.filter(company_id=integration.company_id, status=Invoice.Status.BOOKED)
    with transaction.atomic():
        changed = integration.sync_from != sync_from
        integration.sync_from = sync_from
        fields = ["sync_from", "updated_at"]
        if changed:
            integration.books_cursor = ""
            fields.append("books_cursor")
        integration.save(update_fields=fields)
        released = booked.filter(sync_state=Invoice.SyncState.BEFORE_START)
        if sync_from is not None:
            released = released.filter(invoice_date__gte=sync_from)
        released_count = released.update(sync_state=Invoice.SyncState.NOT_SYNCED, sync_message="")
        before_count = 0
        if sync_from is not None:
            before_count = (
                booked.filter(invoice_date__lt=sync_from, booking_number="")
                .exclude(pk__in=synced)
                .exclude(sync_state__in=KEPT_STATES)
                .update(sync_state=Invoice.SyncState.BEFORE_START, sync_message="")
            )
    return StartDateChange(before=before_count, released=released_count)


def lock_default(tool_key: str) -> bool:
    """Booked invoices are locked by default where the tool does not take edits: a change made
    here would never reach the books."""
    entry = tools.tool(tool_key)
    return bool(entry and not entry.pushes_edits)


def apply_lock_default(company: Company, *, tool_key: str) -> None:
    """Sets the company's lock to the tool's default, unless an admin chose it already."""
    if company.lock_booked_chosen:
        return
    locked = lock_default(tool_key)
    if company.lock_booked_invoices != locked:
        company.lock_booked_invoices = locked
        company.save(update_fields=["lock_booked_invoices"])


def set_lock_booked(company: Company, *, locked: bool) -> None:
    """An admin's choice: kept when another tool is picked later."""
    company.lock_booked_invoices = locked
    company.lock_booked_chosen = True
    company.save(update_fields=["lock_booked_invoices", "lock_booked_chosen"])
