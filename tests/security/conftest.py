"""The world of the security tests: Acme's data with markers no other company may ever see.

Every marker is a string that appears only in Acme's records, so a page shown to charlie (admin of
Globex) that contains one of them shows Acme's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from bookkeeping.models import Integration, SyncIssue, SyncRun
from invoicing.models import Customer, Invoice
from notifications.models import Notification
from tests.factories import CustomerFactory, make_booked_invoice

ACME_CUSTOMER = "Zebrafinch Trading Acme"
ACME_INVOICE_NUMBER = "2026-7731"
ACME_BOOKING_NUMBER = "BK-88123"
ACME_TARGET = "Acme Quokka Administration"
ACME_ISSUE = "Acme issue: line Narwhal refused"
ACME_NOTIFICATION = "Acme notice Pangolin"
ACME_MARKERS = (
    "Acme",
    ACME_CUSTOMER,
    ACME_INVOICE_NUMBER,
    ACME_BOOKING_NUMBER,
    ACME_TARGET,
    ACME_ISSUE,
    ACME_NOTIFICATION,
)


@dataclass
class AcmeWorld:
    customer: Customer
    invoice: Invoice
    integration: Integration
    run: SyncRun
    issue: SyncIssue
    notification: Notification
    extra: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def acme_world(acme, alice, bob) -> AcmeWorld:
    """Acme with a customer, a booked and synced invoice, a run with an issue, a notification."""
    customer = CustomerFactory(company=acme, name=ACME_CUSTOMER, code="ZEBRA1")
    invoice = make_booked_invoice(acme, number=ACME_INVOICE_NUMBER, customer=customer)
    Invoice.objects.filter(pk=invoice.pk).update(
        booking_number=ACME_BOOKING_NUMBER, sync_state=Invoice.SyncState.SYNCED
    )
    invoice.refresh_from_db()
    integration = Integration.objects.create(
        company=acme,
        tool="yuki",
        status=Integration.Status.CONNECTED,
        credentials={"access_key": "acme-access-key-0000"},
        target_id="acme-target",
        target_name=ACME_TARGET,
        sales_journal="sales",
        default_revenue_account="8000",
    )
    run = SyncRun.objects.create(
        integration=integration,
        company=acme,
        trigger=SyncRun.Trigger.MANUAL,
        started_by=alice,
        status=SyncRun.Status.PARTIALLY_FAILED,
        summary=f"1 invoice failed: {ACME_INVOICE_NUMBER}",
        total=1,
        done=1,
    )
    issue = SyncIssue.objects.create(
        run=run, invoice=invoice, kind="rejected", message=ACME_ISSUE, hint="Fix it in Yuki."
    )
    notification = Notification.objects.create(
        recipient=alice,
        company=acme,
        source=f"sync-run:{run.pk}",
        level=Notification.Level.ERROR,
        title=ACME_NOTIFICATION,
        body=f"Invoice {ACME_INVOICE_NUMBER} of {ACME_CUSTOMER} failed.",
        link=invoice.get_absolute_url(),
    )
    return AcmeWorld(customer, invoice, integration, run, issue, notification)


# The URL patterns of the project ------------------------------------------------------------

SKIPPED_PREFIXES = ("admin/", "static/", "media/", "__debug__/")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full name (with namespace), route text and argument names."""

    name: str
    route: str
    arguments: tuple[str, ...]


def project_routes() -> list[Route]:
    """Every URL pattern of the project (recursively), except the admin and static files."""
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            text = prefix + str(entry.pattern)
            if text.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, text, inner)
            elif isinstance(entry, URLPattern):
                assert entry.name, f"URL pattern {text!r} has no name"
                regex = entry.pattern.regex
                arguments = tuple(regex.groupindex)
                # Unnamed groups of a regex pattern count as arguments too.
                arguments += ("?",) * (regex.groups - len(arguments))
                routes.append(Route(f"{namespace}{entry.name}", text, arguments))

    walk(get_resolver().url_patterns, "", "")
    return routes


def acme_snapshot(company) -> dict[str, list[dict]]:
    """Every row of the company's data, to prove that a request changed nothing."""
    from invoicing.models import InvoiceLine, Membership

    return {
        "customers": list(Customer.objects.filter(company=company).order_by("pk").values()),
        "invoices": list(Invoice.objects.filter(company=company).order_by("pk").values()),
        "lines": list(InvoiceLine.objects.filter(invoice__company=company).order_by("pk").values()),
        "integrations": list(Integration.objects.filter(company=company).order_by("pk").values()),
        "runs": list(SyncRun.objects.filter(company=company).order_by("pk").values()),
        "issues": list(SyncIssue.objects.filter(run__company=company).order_by("pk").values()),
        "notifications": list(Notification.objects.filter(company=company).order_by("pk").values()),
        "memberships": list(Membership.objects.filter(company=company).order_by("pk").values()),
    }
