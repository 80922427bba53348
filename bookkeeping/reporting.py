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
from bookkeeping.texts import joined, later, later_plural, noop, quoted, text_of
from config.texts import StoredTextField
from invoicing.models import Customer, Invoice, Membership
from notifications.models import Notification
from notifications.services import notify

if TYPE_CHECKING:
    from collections.abc import Sequence

    from config.texts import StoredText

logger = logging.getLogger(__name__)

ATTENTION_HINT = noop(
    "Review them in Reconciliation: not everything booked is in the tool as here."
)


@dataclass(frozen=True)
class Summary:
    """What a run did, for the bell, the history and the command line; `level` is the
    notification's, decided from the run (never from the wording). The texts are stored texts
    (config/texts.py): each reader reads them in his language."""

    title: StoredText | str
    body: list
    level: str
    # Where the notification leads instead of the run (what needs attention).
    link: str = ""

    @property
    def text(self) -> StoredText | str:
        return joined(self.title, *self.body, sep="\n")

    @property
    def body_text(self) -> StoredText | str:
        return joined(*self.body, sep="\n")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """English only (the command line's and the tests' wording)."""
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
    if invoice is not None and invoice.number not in text_of(message):
        message = later("Invoice %(number)s: %(message)s", number=invoice.number, message=message)
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
        later(
            "Invoice %(number)s: its customer %(name)s (%(code)s) could not be created in "
            "%(tool)s.",
            number=invoice.number,
            name=quoted(customer.name),
            code=quoted(customer.code),
            tool=label,
        ),
        hint=later("Fix the customer as the customer's issue says, then retry this invoice."),
        fix=Fix.CUSTOMER,
    )


CREDITED_INVOICE_MISSING = noop(
    "Credit note %(number)s was not sent: the invoice it credits, %(credited)s, is not in "
    "%(label)s yet, and a credit note must never reach the books before its invoice."
)
CREDITED_INVOICE_MISSING_HINT = noop(
    "Fix invoice %(credited)s first (see its issue in the sync history); this credit note is sent "
    "by the next sync after it."
)


def credited_invoice_missing(credit_note: Invoice, label: str) -> InvoiceRejected:
    credited = credit_note.credited_invoice.number or later("(a draft)")
    return InvoiceRejected(
        later(CREDITED_INVOICE_MISSING, number=credit_note.number, credited=credited, label=label),
        code="credited_invoice_missing",
        hint=later(CREDITED_INVOICE_MISSING_HINT, credited=credited),
    )


def summarize(run: SyncRun, issues: Sequence[SyncIssue]) -> Summary:
    """The summary of a run, for the bell, the history and the command line."""
    label = run.integration.tool_label
    synced = synced_line(run, label)
    if run.status == SyncRun.Status.RESCHEDULED:
        if synced:
            title = later(
                "%(synced)s; sync to %(tool)s paused: %(error)s",
                synced=synced,
                tool=label,
                error=run.error,
            )
        else:
            title = later("Sync to %(tool)s paused: %(error)s", tool=label, error=run.error)
        body = [later("The rest is synced automatically as soon as the tool allows it again.")]
        return Summary(title, body, Notification.Level.WARNING)
    if not issues and not run.error:
        title = synced or no_changes_line(run)
        pending = queries.attention(run.integration)
        if pending:
            needs = later("Needs attention: %(what)s.", what=joined(*pending.lines, sep="; "))
            link = reverse("bookkeeping:reconciliation")
            return Summary(
                title, [needs, later(ATTENTION_HINT)], Notification.Level.WARNING, link=link
            )
        return Summary(title, [], Notification.Level.SUCCESS if synced else Notification.Level.INFO)
    if run.invoices_failed:
        title = later_plural(
            "Sync to %(tool)s: %(count)s invoice failed",
            "Sync to %(tool)s: %(count)s invoices failed",
            run.invoices_failed,
            tool=label,
        )
    else:
        title = later("Sync to %(tool)s failed", tool=label)
    done = synced_line(run, "")
    if done:
        title = joined(title, done, sep=", ")
    body = [issue_line(issue) for issue in issues] or [run.error]
    return Summary(title, body, Notification.Level.ERROR)


def synced_line(run: SyncRun, label: str) -> StoredText | str:
    """ "2 customers and 14 invoices synced to <label>" (without " to ..." for an empty label)."""
    customers = later_plural("%(count)s customer", "%(count)s customers", run.customers_created)
    invoices = later_plural("%(count)s invoice", "%(count)s invoices", run.invoices_booked)
    updated = later_plural("%(count)s invoice", "%(count)s invoices", run.invoices_updated)
    params = {"customers": customers, "invoices": invoices, "updated": updated, "tool": label}
    if run.customers_created and run.invoices_booked:
        synced = "%(customers)s and %(invoices)s synced"
    elif run.customers_created or run.invoices_booked:
        synced = "%(customers)s synced" if run.customers_created else "%(invoices)s synced"
    else:
        synced = ""
    if not synced and not run.invoices_updated:
        return ""
    return later(SYNCED_LINES[(synced, bool(run.invoices_updated), bool(label))], **params)


# Every wording of the synced line, whole sentences for the translators.
SYNCED_LINES = {
    ("%(customers)s and %(invoices)s synced", False, True): noop(
        "%(customers)s and %(invoices)s synced to %(tool)s"
    ),
    ("%(customers)s and %(invoices)s synced", False, False): noop(
        "%(customers)s and %(invoices)s synced"
    ),
    ("%(customers)s and %(invoices)s synced", True, True): noop(
        "%(customers)s and %(invoices)s synced, %(updated)s updated in %(tool)s"
    ),
    ("%(customers)s and %(invoices)s synced", True, False): noop(
        "%(customers)s and %(invoices)s synced, %(updated)s updated"
    ),
    ("%(customers)s synced", False, True): noop("%(customers)s synced to %(tool)s"),
    ("%(customers)s synced", False, False): noop("%(customers)s synced"),
    ("%(customers)s synced", True, True): noop(
        "%(customers)s synced, %(updated)s updated in %(tool)s"
    ),
    ("%(customers)s synced", True, False): noop("%(customers)s synced, %(updated)s updated"),
    ("%(invoices)s synced", False, True): noop("%(invoices)s synced to %(tool)s"),
    ("%(invoices)s synced", False, False): noop("%(invoices)s synced"),
    ("%(invoices)s synced", True, True): noop(
        "%(invoices)s synced, %(updated)s updated in %(tool)s"
    ),
    ("%(invoices)s synced", True, False): noop("%(invoices)s synced, %(updated)s updated"),
    ("", True, True): noop("%(updated)s updated in %(tool)s"),
    ("", True, False): noop("%(updated)s updated"),
}


def no_changes_line(run: SyncRun) -> StoredText:
    already = later_plural(
        "No changes: %(count)s invoice was already synced",
        "No changes: %(count)s invoices were already synced",
        run.already_synced,
    )
    if not run.drafts_skipped:
        return already
    drafts = later_plural("%(count)s is a draft", "%(count)s are drafts", run.drafts_skipped)
    return joined(already, drafts, sep=", ")


def issue_line(issue: SyncIssue) -> StoredText | str:
    if not issue.hint:
        return issue.message
    return later("%(message)s Fix: %(hint)s", message=issue.message, hint=issue.hint)


def for_notification(text: StoredText | str) -> StoredText | str:
    """notify() keeps a stored text once Notification's texts are StoredTextFields (so each
    reader reads it in his language); before that, the text as read now."""
    stored = isinstance(Notification._meta.get_field("title"), StoredTextField)
    return text if stored else text_of(text)


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
        title=for_notification(summary.title),
        body=for_notification(summary.body_text),
        link=link,
        source=f"sync-run:{run.pk}",
    )
