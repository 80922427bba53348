"""What a sync tells people: issues per invoice, the run's summary, and its notification.

The same summary is the bell notification, the line in the sync history and what
`manage.py sync` prints.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from bookkeeping.connectors.base import (
    AuthError,
    ClosedPeriod,
    ConnectorError,
    InvoiceRejected,
    TransientError,
)
from bookkeeping.models import ExternalRecord, Integration, SyncIssue, SyncRun
from invoicing.models import Customer, Invoice, Membership
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)

SETTINGS_MARKER = "Integration settings"
TRANSIENT_HINT = "This is usually temporary: the next sync tries this invoice again."
NO_CHANGES = "No changes"


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
    if SETTINGS_MARKER in exc.hint:
        return SyncIssue.Kind.SETTINGS
    return SyncIssue.Kind.REJECTED


def _issue_link(exc: ConnectorError, *, invoice: Invoice | None, customer: Customer | None) -> str:
    if SETTINGS_MARKER in exc.hint or isinstance(exc, AuthError):
        return reverse("bookkeeping:settings")
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
    message: str = "",
) -> SyncIssue:
    """Files the error as an issue of the run; `message` replaces the error's own message."""
    logger.warning("Sync %s: %s", run.pk, exc)
    return SyncIssue.objects.create(
        run=run,
        invoice=invoice,
        customer=customer,
        kind=_issue_kind(exc),
        code=getattr(exc, "code", "") or "",
        message=message or exc.message,
        hint=exc.hint,
        link=_issue_link(exc, invoice=invoice, customer=customer),
    )


def fail_invoice(
    run: SyncRun, invoice: Invoice, exc: ConnectorError, *, transient: bool = False
) -> None:
    """Records why this invoice did not sync; the run goes on with the others.

    After a temporary failure the record keeps its "pushing" mark: the tool may have booked it,
    so the next run asks the tool before it pushes again.
    """
    from bookkeeping.sync import heartbeat

    if transient and not exc.hint:
        exc.hint = TRANSIENT_HINT
    message = exc.message
    if invoice.number not in message:  # a failure of the call says which invoice it hit
        message = f"Invoice {invoice.number}: {message}"
    record_issue(run, exc, invoice=invoice, message=message)
    if not transient:
        ExternalRecord.objects.filter(
            integration=run.integration, invoice=invoice, state=ExternalRecord.State.PUSHING
        ).update(state=ExternalRecord.State.FAILED)
    Invoice.objects.filter(pk=invoice.pk).update(
        sync_state=Invoice.SyncState.FAILED,
        sync_message=f"{message} {exc.hint}".strip(),
    )
    heartbeat(run, invoices_failed=1, done=1)


def customer_refused(invoice: Invoice, label: str) -> InvoiceRejected:
    customer = invoice.customer
    return InvoiceRejected(
        f"Invoice {invoice.number}: its customer {customer.name} ({customer.code}) could not be "
        f"created in {label}.",
        hint="Fix the customer as the customer's issue says, then retry this invoice.",
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


def reconnect_needed(run: SyncRun, exc: AuthError) -> None:
    """Access was refused for good: the integration needs a reconnect; the run ends."""
    Integration.objects.filter(pk=run.integration_id).update(
        status=Integration.Status.RECONNECT_NEEDED, last_error=f"{exc.message} {exc.hint}".strip()
    )
    record_issue(run, exc)
    SyncRun.objects.filter(pk=run.pk).update(error=exc.message)
    run.error = exc.message


# Finishing ---------------------------------------------------------------------------------


def _status(run: SyncRun, open_issues: int) -> str:
    if run.error:
        return SyncRun.Status.FAILED
    if open_issues:
        succeeded = run.invoices_booked + run.invoices_updated
        return SyncRun.Status.PARTIALLY_FAILED if succeeded else SyncRun.Status.FAILED
    return SyncRun.Status.SUCCEEDED


def finish(run: SyncRun, *, status: str | None = None, error: str = "") -> SyncRun:
    """Closes the run with its counts, status and summary, and notifies who should know."""
    run.refresh_from_db()
    if error:
        run.error = error
    issues = list(run.issues.select_related("invoice", "customer"))
    run.status = status or _status(run, len(issues))
    run.finished_at = timezone.now()
    title, body = summarize(run, issues)
    run.summary = "\n".join([title, *body])
    run.save(update_fields=["status", "finished_at", "error", "summary"])
    if (
        run.status == SyncRun.Status.SUCCEEDED
        and run.integration.status == Integration.Status.ERROR
    ):
        Integration.objects.filter(pk=run.integration_id).update(
            status=Integration.Status.CONNECTED, last_error=""
        )
    _notify(run, title, body, issues)
    return run


def summarize(run: SyncRun, issues: Sequence[SyncIssue]) -> tuple[str, list[str]]:
    """(title, body lines) of a run, for the bell, the history and the command line."""
    label = run.integration.tool_label
    synced = synced_line(run, label)
    if run.status == SyncRun.Status.RESCHEDULED:
        prefix = f"{synced}; " if synced else ""
        title = f"{prefix}sync to {label} paused: {run.error}"
        return title[0].upper() + title[1:], [
            "The rest is synced automatically as soon as the tool allows it again."
        ]
    if not issues and not run.error:
        return synced or no_changes_line(run), []
    failed = plural(run.invoices_failed, "invoice")
    title = (
        f"Sync to {label}: {failed} failed" if run.invoices_failed else f"Sync to {label} failed"
    )
    done = synced_line(run, "")
    if done:
        title = f"{title}, {done}"
    body = [issue_line(issue) for issue in issues] or [run.error]
    return title, body


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


def _notify(run: SyncRun, title: str, body: list[str], issues: Sequence[SyncIssue]) -> None:
    has_problems = bool(issues) or run.status == SyncRun.Status.FAILED
    recipients = _recipients(run, has_problems)
    if not recipients:
        return
    if has_problems:
        level = Notification.Level.ERROR
    elif run.status == SyncRun.Status.RESCHEDULED:
        level = Notification.Level.WARNING
    elif title.startswith(NO_CHANGES):
        level = Notification.Level.INFO
    else:
        level = Notification.Level.SUCCESS
    links = {issue.link for issue in issues if issue.link}
    link = links.pop() if len(links) == 1 else run.get_absolute_url()
    notify(
        recipients=recipients,
        company=run.company,
        level=level,
        title=title[:200],
        body="\n".join(body),
        link=link,
        source=f"sync-run:{run.pk}",
    )
