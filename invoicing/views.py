"""Invoicing pages: thin views that parse input, scope to the company and call the services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST

from config.tenancy import company_required, get_for_company
from config.views import paginate, safe_url
from invoicing import booking_checks, services
from invoicing.forms import (
    LOCKED_FIELDS,
    CustomerForm,
    InvoiceForm,
    initial_for,
    line_formset,
    posted_rows,
)
from invoicing.middleware import LANGUAGE_CODES
from invoicing.models import Customer, Invoice, UserPreference
from invoicing.overview import PAYMENT_FILTERS, SYNC_FILTERS, OverviewFilters, overview_page
from invoicing.tenancy import parse_id, switch_company
from invoicing.vat_mentions import mentions_for

CUSTOMERS_PER_PAGE = 100
# The language chosen on the login page outlives the browser session: a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
CHOOSE_COMPANY = gettext_noop("Choose a company.")
ONLY_ADMINS_BOOK_ANYWAY = gettext_lazy(
    "Only a company admin can book an invoice that the bookkeeping tool would refuse."
)
BOOKED_NOT_READY = gettext_lazy(
    "Invoice booked as %(number)s, but it is not ready: fix the problems before the next sync "
    "sends it (the overview's “Not ready” filter lists it)."
)


# Overview -----------------------------------------------------------------------------------


@company_required
def overview(request: HttpRequest) -> HttpResponse:
    filters = OverviewFilters.from_query(request.GET)
    page = overview_page(request.company, filters, request.GET.get("page"))
    columns = services.overview_columns(request.user)
    return render(
        request,
        "invoicing/overview.html",
        {
            "page": page,
            "filters": filters,
            "sync_filters": SYNC_FILTERS,
            "payment_filters": PAYMENT_FILTERS,
            "today": services.today(),
            "columns": columns,
            "column_choices": services.OVERVIEW_COLUMNS.items(),
        },
    )


@company_required
@require_POST
def save_columns(request: HttpRequest) -> HttpResponse:
    services.save_overview_columns(request.user, columns=request.POST.getlist("columns"))
    messages.success(request, _("Columns saved."))
    # Back to the overview with its filters, when `next` stays on this site.
    return redirect(safe_url(request, request.POST.get("next")) or "invoicing:overview")


# Invoices -----------------------------------------------------------------------------------


def _invoice_page(request, *, invoice, form, formset, status=200) -> HttpResponse:
    return render(
        request,
        "invoicing/invoice_form.html",
        {"invoice": invoice, "form": form, "formset": formset},
        status=status,
    )


def _add_line(request: HttpRequest, invoice: Invoice | None) -> HttpResponse:
    """Without JavaScript, "Add line" posts the form: show it again as typed, plus one row."""
    initial = initial_for(invoice) if invoice else {"kind": Invoice.Kind.INVOICE}
    locked = LOCKED_FIELDS if invoice is not None and invoice.is_booked else ()
    for name in InvoiceForm.base_fields:
        if name in request.POST and name not in locked:
            initial[name] = request.POST[name]
    form = InvoiceForm(company=request.company, invoice=invoice, initial=initial)
    rows, blanks = posted_rows(request.POST)
    formset = line_formset(request.company, invoice=invoice, initial=rows, extra=blanks + 1)
    return _invoice_page(request, invoice=invoice, form=form, formset=formset)


def _save_invoice(request: HttpRequest, invoice: Invoice | None) -> HttpResponse:
    if "add_line" in request.POST:
        return _add_line(request, invoice)
    form = InvoiceForm(request.POST, company=request.company, invoice=invoice)
    customer = form.cleaned_data.get("customer") if form.is_valid() else None
    formset = line_formset(request.company, invoice=invoice, data=request.POST, customer=customer)
    if form.is_valid() and formset.is_valid():
        try:
            if invoice is None:
                invoice = services.create_invoice(
                    request.company, data=form.invoice_data(), lines=formset.lines()
                )
                messages.success(request, _("Draft invoice saved."))
            else:
                invoice = services.update_invoice(
                    invoice, data=form.invoice_data(), lines=formset.lines()
                )
                messages.success(
                    request, _("Invoice %(number)s saved.") % {"number": invoice.display_number}
                )
        except services.InvoiceError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(invoice)
    return _invoice_page(request, invoice=invoice, form=form, formset=formset, status=400)


@company_required
def invoice_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save_invoice(request, None)
    initial = {"invoice_date": services.today(), "currency": request.company.currency}
    customer_id = parse_id(request.GET.get("customer", ""))
    if customer_id is not None:
        initial["customer"] = customer_id
    initial.update(_credit_note_of(request, parse_id(request.GET.get("credits", ""))))
    form = InvoiceForm(company=request.company, initial=initial)
    return _invoice_page(request, invoice=None, form=form, formset=line_formset(request.company))


def _credit_note_of(request: HttpRequest, invoice_id: int | None) -> dict[str, object]:
    """The initial values of a credit note for a booked invoice of the company ("credits")."""
    if invoice_id is None:
        return {}
    credited = Invoice.objects.filter(
        company=request.company, pk=invoice_id, status=Invoice.Status.BOOKED
    ).first()
    if credited is None:
        return {}
    return {
        "kind": Invoice.Kind.CREDIT_NOTE,
        "customer": credited.customer_id,
        "credited_number": credited.number,
        "currency": credited.currency,
    }


@company_required
def invoice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_for_company(Invoice.objects.select_related("company"), request, pk=pk)
    if services.edits_locked(invoice):
        messages.error(request, _(services.BOOKED_LOCKED))
        return redirect(invoice)
    if request.method == "POST":
        return _save_invoice(request, invoice)
    form = InvoiceForm(company=request.company, invoice=invoice)
    formset = line_formset(request.company, invoice=invoice, extra=2)
    return _invoice_page(request, invoice=invoice, form=form, formset=formset)


@company_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    queryset = Invoice.objects.select_related(
        "company", "customer", "booked_by", "credited_invoice"
    )
    invoice = get_for_company(queryset, request, pk=pk)
    lines = list(invoice.lines.all())
    return render(
        request,
        "invoicing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": lines,
            "per_rate": services.vat_breakdown(lines),
            "booking_problem": None if invoice.is_booked else services.booking_problem(invoice),
            "edits_locked": services.edits_locked(invoice),
            "vat_mentions": mentions_for(
                invoice.company.country, (line.vat_treatment for line in lines)
            ),
            # What the bookkeeping tool will receive and would refuse (drafts only).
            "review": None if invoice.is_booked else booking_checks.review(invoice),
            "is_admin": _is_admin(request),
        },
    )


def _is_admin(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership and membership.is_admin)


@company_required
@require_POST
def invoice_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Books the draft. "anyway" (company admins only) books it although the tool would refuse
    it: it is then "not ready" until fixed and synced."""
    invoice = get_for_company(Invoice, request, pk=pk)
    anyway = request.POST.get("anyway") == "1"
    if anyway and not _is_admin(request):
        messages.error(request, ONLY_ADMINS_BOOK_ANYWAY)
        return redirect(invoice)
    try:
        invoice = booking_checks.book_invoice(invoice, user=request.user, anyway=anyway)
    except booking_checks.NotReady as exc:
        messages.error(request, str(exc))
        for problem in exc.problems:
            messages.error(request, f"{problem.message} {problem.fix}".strip())
    except services.BookingRefused as exc:
        messages.error(request, str(exc))
    else:
        if invoice.sync_state == Invoice.SyncState.NOT_READY:
            messages.warning(request, BOOKED_NOT_READY % {"number": invoice.number})
        else:
            messages.success(
                request, _("Invoice booked as %(number)s.") % {"number": invoice.number}
            )
    return redirect(invoice)


@company_required
@require_POST
def invoice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_for_company(Invoice, request, pk=pk)
    try:
        services.delete_draft(invoice)
    except services.InvoiceLocked as exc:
        messages.error(request, str(exc))
        return redirect(invoice)
    messages.success(request, _("Draft deleted."))
    return redirect("invoicing:overview")


# Customers ----------------------------------------------------------------------------------


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@company_required
def customer_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    customers = Customer.objects.filter(company=request.company)
    if q:
        customers = customers.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(vat_number__icontains=q)
        )
    page = paginate(request, customers.order_by("name", "id"), CUSTOMERS_PER_PAGE)
    query = urlencode({"q": q}) if q else ""
    return render(request, "invoicing/customer_list.html", {"page": page, "q": q, "query": query})


@company_required
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(_posted(request), company=request.company)
    if request.method == "POST" and form.is_valid():
        customer = services.create_customer(request.company, customer=form.instance)
        messages.success(
            request,
            _("Customer %(name)s saved with code %(code)s.")
            % {"name": customer.name, "code": customer.code},
        )
        return redirect("invoicing:customer_list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "invoicing/customer_form.html", {"form": form, "customer": None}, status=status
    )


@company_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_for_company(Customer, request, pk=pk)
    form = CustomerForm(_posted(request), instance=customer, company=request.company)
    if request.method == "POST" and form.is_valid():
        customer = services.update_customer(form.instance)
        messages.success(request, _("Customer %(name)s saved.") % {"name": customer.name})
        return redirect("invoicing:customer_list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "invoicing/customer_form.html",
        {"form": form, "customer": customer},
        status=status,
    )


# Company switcher ---------------------------------------------------------------------------


@company_required
@require_POST
def company_switch(request: HttpRequest) -> HttpResponse:
    company_id = parse_id(request.POST.get("company", ""))
    if company_id is None:
        messages.error(request, _(CHOOSE_COMPANY))
        return redirect("invoicing:overview")
    company = switch_company(request, company_id)
    messages.success(request, sentence(_("You now work in %(company)s."), company=company.name))
    return redirect("invoicing:overview")


def sentence(template: str, **names: str) -> str:
    """`template` filled in with names that may end with a dot ("Kanaal Consultancy B.V."):
    such a name ends the sentence with its own dot, never with two."""
    text = template % names
    return text[:-1] if text.endswith("..") else text


# Language -----------------------------------------------------------------------------------


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language chosen in the header's menu: remembered for the user (when logged in) and
    in a cookie (the login page, and the next visit), then back to the page it was chosen on."""
    language = request.POST.get("language", "")
    target = safe_url(request, request.POST.get("next")) or "invoicing:overview"
    if language not in LANGUAGE_CODES:
        return redirect(target)
    if request.user.is_authenticated:
        UserPreference.objects.update_or_create(user=request.user, defaults={"language": language})
    translation.activate(language)
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
