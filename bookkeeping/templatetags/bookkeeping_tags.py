"""Sync fragments of the invoicing pages: the Sync panel and the banner on a synced invoice.

``{% load bookkeeping_tags %}{% sync_panel %}`` on the overview and
``{% sync_edit_banner invoice %}`` on the invoice pages. Both read ``request.company``.
"""

from __future__ import annotations

from typing import Any

from django import template

from bookkeeping.queries import (
    Attention,
    active_integration_or_none,
    attention,
    current_run,
    waiting_count,
)
from bookkeeping.tools import tool

register = template.Library()


@register.inclusion_tag("bookkeeping/_sync_panel.html", takes_context=True)
def sync_panel(context: template.Context) -> dict[str, Any]:
    """The Sync button, how many invoices wait, and the progress bar of a running sync."""
    request = context.get("request")
    company = getattr(request, "company", None)
    if company is None:
        return {"show": False}
    membership = getattr(request, "membership", None)
    integration = active_integration_or_none(company)
    connected = integration is not None and integration.is_connected
    return {
        "show": True,
        "integration": integration,
        "is_admin": bool(membership and membership.is_admin),
        "run": current_run(company),
        "waiting": waiting_count(integration) if connected else 0,
        # Never "everything is synced" while an edit or a discrepancy says otherwise.
        "attention": attention(integration) if connected else Attention(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("bookkeeping/_edit_banner.html", takes_context=True)
def sync_edit_banner(context: template.Context, invoice: Any) -> dict[str, Any]:
    """What editing a synced invoice means for the tool it is booked in."""
    if invoice is None or not getattr(invoice, "booking_number", ""):
        return {"show": False}
    integration = active_integration_or_none(invoice.company)
    if integration is None:
        return {"show": False}
    entry = tool(integration.tool)
    pushes_updates = bool(entry and entry.pushes_edits)
    return {
        "show": True,
        "pushes_updates": pushes_updates,
        "label": integration.tool_label,
        "invoice": invoice,
    }
