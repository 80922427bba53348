"""What a sync tells people: issues per invoice, the run's summary, and its notification.

The same summary is the bell notification, the line in the sync history and what
`manage.py sync` prints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.urls import reverse

from bookkeeping import queries
from bookkeeping.connectors.base import (
    AuthError,
    ClosedPeriod,
    ConnectorError,
    Fix,
    InvoiceRejected,
    TransientError,
)
from bookkeeping.connectors.errors import CONNECTION
from bookkeeping.forms import vat_field_name
from bookkeeping.models import SyncIssue, SyncRun
from invoicing.models import Customer, Invoice, Membership
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)

NO_CHANGES = "No changes"
ATTENTION_HINT = "Review them in Reconciliation: not everything booked is in the tool as here."


@dataclass(frozen=True)
class Summary:
    """What a run did, for the bell, the history and the command line; `level` is the
    notification's, decided from the run (never from the wording)."""

    title: str
    body: list[str]
    level: str
    # Where the notification leads instead of the run (what needs attention).
    link: str = ""

    @property
    def text(self) -> str:
        return "\n".join([self.title, *self.body])


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


# Issues ------------------------------------------------------------------------------------


def _issue_kind(exc: ConnectorError) -> str:
    if isinstance(exc, ClosedPeriod):
        return SyncIssue.Kind.CLOSED_PERIOD
    if isinstance(exc, AuthError):
        return SyncIssue.Kind.AUTH
    if isinstance(exc, TransientError):
        return SyncIssue.Kind.TRANSIENT
    if exc.fix == Fix.SETTINGS:
        return SyncIssue.Kind.SETTINGS
    return SyncIssue.Kind.REJECTED


def setting_anchor(field: str) -> str:
    """The id of a setting's row on the settings page: its form field, the connection step."""
    if field.startswith("vat-"):
        return f"id_{vat_field_name(field.removeprefix('vat-'))}"
    if not field or field == CONNECTION:
        return "step-connect"
    return f"id_{field}"


def issue_link(fix: str, field: str, *, invoice: Invoice | None, customer: Customer | None) -> str:
    """Where the issue's "Fix it" leads: the very setting, the invoice or the customer."""
    if fix == Fix.SETTINGS:
        return f"{reverse('bookkeeping:settings')}#{setting_anchor(field)}"
    if fix == Fix.CUSTOMER and (customer or invoice) is not None:
        return (customer or invoice.customer).get_absolute_url()
    if invoice is not None:
        return invoice.get_absolute_url()
    if customer is not None:
        return customer.get_absolute_url()
    return ""


def record_issue(
    run: SyncRun,
    exc: ConnectorError,
    *,
    invoice: Invoice | None = None,
    customer: Customer | None = None,
) -> SyncIssue:
    """Files the error as an issue of the run. An invoice's issue names it: a failure of a
    whole call gets the invoice's number in front."""
    logger.warning("Sync %s: %s", run.pk, exc)
    message = exc.message
    if invoice is not None and invoice.number not in message:
        message = f"Invoice {invoice.number}: {message}"
    return SyncIssue.objects.create(
        run=run,
        invoice=invoice,
        customer=customer,
        kind=_issue_kind(exc),
        fix=exc.fix,
        field=exc.field,
        # The tool's code, or its whole text where it has no code: cut to the column.
        code=(getattr(exc, "code", "") or "")[: SyncIssue._meta.get_field("code").max_length],
        message=message,
        hint=exc.hint,
        link=issue_link(exc.fix, exc.field, invoice=invoice, customer=customer),
    )


def customer_refused(invoice: Invoice, label: str) -> InvoiceRejected:
    customer = invoice.customer
    return InvoiceRejected(
        f"Invoice {invoice.number}: its customer {customer.name} ({customer.code}) could not be "
        f"created in {label}.",
        hint="Fix the customer as the customer's issue says, then retry this invoice.",
        fix=Fix.CUSTOMER,
    )


CREDITED_INVOICE_MISSING = (
    "Credit note {number} was not sent: the invoice it credits, {credited}, is not in {label} "
    "yet, and a credit note must never reach the books before its invoice."
)
CREDITED_INVOICE_MISSING_HINT = (
    "Fix invoice {credited} first (see its issue in the sync history); this credit note is sent "
    "by the next sync after it."
)


def credited_invoice_missing(credit_note: Invoice, label: str) -> InvoiceRejected:
    credited = credit_note.credited_invoice.number or "(a draft)"
    return InvoiceRejected(
        CREDITED_INVOICE_MISSING.format(number=credit_note.number, credited=credited, label=label),
        code="credited_invoice_missing",
        hint=CREDITED_INVOICE_MISSING_HINT.format(credited=credited),
    )


def summarize(run: SyncRun, issues: Sequence[SyncIssue]) -> Summary:
    """The summary of a run, for the bell, the history and the command line."""
    label = run.integration.tool_label
    synced = synced_line(run, label)
    if run.status == SyncRun.Status.RESCHEDULED:
        prefix = f"{synced}; " if synced else ""
        title = f"{prefix}sync to {label} paused: {run.error}"
        body = ["The rest is synced automatically as soon as the tool allows it again."]
        return Summary(title[0].upper() + title[1:], body, Notification.Level.WARNING)
    if not issues and not run.error:
        title = synced or no_changes_line(run)
        pending = queries.attention(run.integration)
        if pending:
            body = [f"Needs attention: {'; '.join(pending.lines)}.", ATTENTION_HINT]
            link = reverse("bookkeeping:reconciliation")
            return Summary(title, body, Notification.Level.WARNING, link=link)
        return Summary(title, [], Notification.Level.SUCCESS if synced else Notification.Level.INFO)
    failed = plural(run.invoices_failed, "invoice")
    title = (
        f"Sync to {label}: {failed} failed" if run.invoices_failed else f"Sync to {label} failed"
    )
    done = synced_line(run, "")
    if done:
        title = f"{title}, {done}"
    body = [issue_line(issue) for issue in issues] or [run.error]
    return Summary(title, body, Notification.Level.ERROR)


def synced_line(run: SyncRun, label: str) -> str:
    """ "2 customers and 14 invoices synced to <label>" (without " to ..." for an empty label)."""
    parts = []
    if run.customers_created:
        parts.append(plural(run.customers_created, "customer"))
    if run.invoices_booked:
        parts.append(plural(run.invoices_booked, "invoice"))
    line = f"{' and '.join(parts)} synced" if parts else ""
    if run.invoices_updated:
        updated = f"{plural(run.invoices_updated, 'invoice')} updated"
        line = f"{line}, {updated}" if line else updated
    if line and label:
        line += f" {'in' if line.endswith('updated') else 'to'} {label}"
    return line


def no_changes_line(run: SyncRun) -> str:
    synced = run.already_synced
    line = f"{NO_CHANGES}: {plural(synced, 'invoice')} {'was' if synced == 1 else 'were'} already synced"
    if run.drafts_skipped:
        drafts = run.drafts_skipped
        line += f", {drafts} {'is a draft' if drafts == 1 else 'are drafts'}"
    return line


def issue_line(issue: SyncIssue) -> str:
    return f"{issue.message} {('Fix: ' + issue.hint) if issue.hint else ''}".strip()


def _recipients(run: SyncRun, has_problems: bool) -> list:
    """Who pressed Sync for this run (also when they joined the nightly one), and, for a nightly
    run with problems, the company's admins."""
    ids = [*([run.started_by_id] if run.started_by_id else []), *run.watcher_ids]
    if run.trigger == SyncRun.Trigger.NIGHTLY and has_problems:
        ids += Membership.objects.filter(
            company_id=run.company_id, role=Membership.Role.ADMIN
        ).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=ids)) if ids else []


def notify_run(run: SyncRun, summary: Summary, issues: Sequence[SyncIssue]) -> None:
    """The run's notification to who pressed Sync (and, for a nightly run with problems, the
    company's admins), linking to the one place to fix it or to the run."""
    has_problems = summary.level == Notification.Level.ERROR
    recipients = _recipients(run, has_problems)
    if not recipients:
        return
    links = {issue.link for issue in issues if issue.link}
    link = summary.link or (links.pop() if len(links) == 1 else run.get_absolute_url())
    notify(
        recipients=recipients,
        company=run.company,
        level=summary.level,
        title=summary.title[:200],
        body="\n".join(summary.body),
        link=link,
        source=f"sync-run:{run.pk}",
    )
