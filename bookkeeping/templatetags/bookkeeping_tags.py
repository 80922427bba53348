"""Bookkeeping fragments of the invoicing pages: the Sync panel, the banner on a synced invoice
and what the tool says about payment.

``{% load bookkeeping_tags %}{% sync_panel %}`` and ``{% payment_reporting as reporting %}`` on
the overview, ``{% sync_edit_banner invoice %}`` and ``{% payment_facts invoice %}`` on the
invoice pages. They read ``request.company``; whether the tool reports payments is decided here,
so that invoicing never names a tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import template
from django.utils.translation import gettext

from bookkeeping.connectors.base import Connector
from bookkeeping.connectors.registry import connector_class
from bookkeeping.payments import NOT_REPORTED, NOT_REPORTED_SHORT
from bookkeeping.queries import (
    Attention,
    active_integration_or_none,
    attention,
    current_run,
    waiting_count,
)
from bookkeeping.tools import tool
from invoicing.templatetags.money import money

if TYPE_CHECKING:
    from bookkeeping.models import Integration

register = template.Library()


@dataclass(frozen=True)
class PaymentReporting:
    """Whether the company's active tool reports payments, and what to say when it does not."""

    label: str = ""
    reports: bool = True

    @property
    def not_reported(self) -> str:
        """The sentence for every payment status of a tool that does not report payments."""
        return "" if self.reports else gettext(NOT_REPORTED) % {"label": self.label}

    @property
    def not_reported_short(self) -> str:
        """The same without its ending, for a table cell: "Octopus does not report payments
        to Booksync"."""
        return "" if self.reports else gettext(NOT_REPORTED_SHORT) % {"label": self.label}


def reports_payments(integration: Integration) -> bool:
    """True when the tool's connector reads payments: it has its own `read_payments` (the base
    class's raises NotImplementedError)."""
    return connector_class(integration.tool).read_payments is not Connector.read_payments


def _active_integration(request: Any) -> Integration | None:
    """The company's active integration, read once per request by all the fragments."""
    company = getattr(request, "company", None)
    if company is None:
        return None
    if not hasattr(request, "_booksync_integration"):
        request._booksync_integration = active_integration_or_none(company)
    return request._booksync_integration


def _reporting(integration: Integration | None) -> PaymentReporting:
    if integration is None:
        return PaymentReporting()
    return PaymentReporting(label=integration.tool_label, reports=reports_payments(integration))


@register.simple_tag(takes_context=True)
def payment_reporting(context: template.Context) -> PaymentReporting:
    """``{% payment_reporting as reporting %}``: one answer for every row of the overview."""
    return _reporting(_active_integration(context.get("request")))


@register.inclusion_tag("bookkeeping/_payment_facts.html", takes_context=True)
def payment_facts(context: template.Context, invoice: Any) -> dict[str, Any]:
    """The payment status of a booked invoice, its open amount and when it was read."""
    if invoice is None or not getattr(invoice, "is_booked", False):
        return {"show": False}
    integration = _active_integration(context.get("request"))
    return {
        "show": True,
        "invoice": invoice,
        "reporting": _reporting(integration),
        "label": integration.tool_label if integration else "",
    }


@register.inclusion_tag("bookkeeping/_sync_panel.html", takes_context=True)
def sync_panel(context: template.Context) -> dict[str, Any]:
    """The Sync button, how many invoices wait, and the progress bar of a running sync."""
    request = context.get("request")
    company = getattr(request, "company", None)
    if company is None:
        return {"show": False}
    membership = getattr(request, "membership", None)
    integration = _active_integration(request)
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


# ``{{ invoice.total|money:invoice.currency }}``: the project's one money filter, here too.
register.filter("money", money)
