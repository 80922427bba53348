"""Before booking: the posting the company's tool will receive, and what it would refuse.

Registered with `invoicing.booking_checks` (bookkeeping.apps), so that the invoice page shows the
preview and `invoicing.services.book_invoice` refuses a draft the tool would refuse, without
invoicing importing bookkeeping. The connector builds the posting (`Connector.preview`) from the
cached reference data (`bookkeeping.reference`: a page view costs no call when it is fresh);
the checks that need no tool (the customer's VAT number, the start date) are made here. When the
tool cannot be reached, what needs it is not checked, the preview says so, and booking is not
blocked by it: the sync checks it later, as it always did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from bookkeeping import reference
from bookkeeping.connectors.base import ConnectorError, Fix
from bookkeeping.connectors.preview import Preview, Problem
from bookkeeping.integrations import connector_for, describe_error
from bookkeeping.models import ExternalRecord, Integration
from bookkeeping.queries import active_integration_or_none
from bookkeeping.reporting import setting_anchor
from invoicing.booking_checks import BookingReview, ReadinessProblem
from invoicing.models import Invoice, NumberSequence
from invoicing.services import NUMBER_FORMATS
from invoicing.vat import clean_vat_number

if TYPE_CHECKING:
    import datetime as dt

TEMPLATE = "bookkeeping/_booking_preview.html"


@dataclass
class BookingPreview:
    """What the invoice page shows: the tool's posting and the facts around it."""

    integration: Integration
    posting: Preview | None
    customer: str
    number: str
    problems: list[ReadinessProblem] = field(default_factory=list)
    # Why the tool's side was not checked ("" when it was), and when its data was read.
    unchecked: str = ""
    fetched_at: dt.datetime | None = None


def review_invoice(invoice: Invoice) -> BookingReview | None:
    """The review of a draft for the company's connected tool; None without one."""
    integration = active_integration_or_none(invoice.company)
    if integration is None or invoice.is_booked or not integration.is_connected:
        return None
    preview = build_preview(integration, invoice)
    return BookingReview(problems=preview.problems, template=TEMPLATE, context={"preview": preview})


def build_preview(integration: Integration, invoice: Invoice) -> BookingPreview:
    cached = reference.reference_data(integration)
    label = integration.tool_label
    unchecked = ""
    if cached.data is None:
        unchecked = _("Could not check with %(tool)s: %(error)s") % {
            "tool": label,
            "error": cached.error or _("its data could not be read."),
        }
    try:
        posting = connector_for(integration).preview(invoice, reference=cached.data)
    except (ConnectorError, ImproperlyConfigured) as exc:  # cannot even be built (settings)
        posting = None
        unchecked = describe_error(exc) if isinstance(exc, ConnectorError) else str(exc)
    problems = list(posting.problems) if posting is not None else []
    problems += local_problems(integration, invoice)
    return BookingPreview(
        integration=integration,
        posting=posting,
        customer=customer_line(integration, invoice),
        number=number_to_come(invoice),
        problems=[as_readiness(problem, invoice) for problem in problems],
        unchecked=unchecked,
        fetched_at=cached.fetched_at,
    )


def local_problems(integration: Integration, invoice: Invoice) -> list[Problem]:
    """What the tool would refuse, or never receive, that needs no call to the tool."""
    problems = []
    customer = invoice.customer
    if customer is not None and customer.vat_number:
        try:
            clean_vat_number(customer.vat_number, country=customer.country)
        except ValidationError as exc:
            problems.append(
                Problem(
                    _("The VAT number %(number)s of %(customer)s is not valid: %(reason)s")
                    % {
                        "number": customer.vat_number,
                        "customer": customer.name,
                        "reason": " ".join(exc.messages),
                    },
                    _("Correct the customer's VAT number or country."),
                    fix=Fix.CUSTOMER,
                )
            )
    start = integration.sync_from
    if start is not None and invoice.invoice_date < start:
        problems.append(
            Problem(
                _(
                    "The invoice date %(date)s is before the start date %(start)s: the sync "
                    "would never send it to %(tool)s."
                )
                % {"date": invoice.invoice_date, "start": start, "tool": integration.tool_label},
                _("Change the invoice date, or the start date in Integration settings."),
                fix=Fix.SETTINGS,
                field="sync_from",
            )
        )
    return problems


def as_readiness(problem: Problem, invoice: Invoice) -> ReadinessProblem:
    """The problem with the link to where it is fixed: the setting's row, the customer, or the
    invoice's form (a date or a line; also for what is fixed in the tool, where the other way
    out is another date)."""
    if problem.fix == Fix.SETTINGS:
        url = f"{reverse('bookkeeping:settings')}#{setting_anchor(problem.field)}"
        text = _("Open the setting")
    elif problem.fix == Fix.CUSTOMER and invoice.customer is not None:
        url, text = invoice.customer.get_absolute_url(), _("Edit the customer")
    else:
        url, text = reverse("invoicing:invoice_edit", args=[invoice.pk]), _("Edit the invoice")
    return ReadinessProblem(message=problem.message, fix=problem.hint, url=url, link_text=text)


def customer_line(integration: Integration, invoice: Invoice) -> str:
    """The customer in the tool: found there (its number), or to be looked up and created."""
    customer = invoice.customer
    if customer is None:
        return ""
    record = ExternalRecord.objects.filter(
        integration=integration,
        kind=ExternalRecord.Kind.CUSTOMER,
        customer=customer,
        state=ExternalRecord.State.SYNCED,
    ).first()
    values = {"customer": customer.name, "tool": integration.tool_label}
    if record is not None:
        values["number"] = record.remote_number or record.remote_id
        return _("%(customer)s, in %(tool)s as %(number)s") % values
    return (
        _(
            "%(customer)s: looked up in %(tool)s by code and VAT number, and created there if missing"
        )
        % values
    )


def number_to_come(invoice: Invoice) -> str:
    """The number booking would give now (another booking first takes it)."""
    year = invoice.invoice_date.year
    sequence = NumberSequence.objects.filter(
        company_id=invoice.company_id, kind=invoice.kind, year=year
    ).first()
    last = sequence.last_number if sequence is not None else 0
    return NUMBER_FORMATS[invoice.kind].format(year=year, n=last + 1)
