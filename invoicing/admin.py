"""Django admin for the invoicing models: what support staff need to look things up.

A booked invoice is read-only here, lines and totals included (its content changes only on the
invoice page, which knows the rules), and it is never deleted: not by itself, not in a bulk
action, not with its customer or company. Numbers and statuses come from booking only, so the
numbering never gets a gap. Drafts can be edited and deleted; lines edited here recompute the
stored totals.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from invoicing import services
from invoicing.models import (
    Company,
    Customer,
    Invoice,
    InvoiceLine,
    Membership,
    NumberSequence,
    OverviewPreference,
)
from invoicing.tenancy import parse_id

BOOKED_READONLY = (
    "status",
    "number",
    "kind",
    "customer",
    "credited_invoice",
    "currency",
    "booked_at",
    "booked_by",
    "booking_number",
    "sync_state",
    "sync_message",
    "synced_at",
    "payment_status",
    "open_amount",
    "paid_at",
    "payment_read_at",
)
TOTALS = ("subtotal", "vat_total", "total")
# Booked invoices named in a refusal; more are summed up with an ellipsis.
SHOWN_NUMBERS = 5
DELETE_REFUSED_INVOICE = gettext_noop(
    "Nothing was deleted: booked invoices stay for ever, only drafts can be deleted. "
    "Booked: {numbers}."
)
DELETE_REFUSED_COMPANY = gettext_noop(
    "Nothing was deleted: a company with booked invoices cannot be deleted, as booked invoices "
    "stay for ever. Booked: {numbers}."
)
DELETE_REFUSED_CUSTOMER = gettext_noop(
    "Nothing was deleted: a customer with booked invoices cannot be deleted, as booked invoices "
    "stay for ever. Booked: {numbers}."
)
DELETE_REFUSED_LINE = gettext_noop(
    "Nothing was deleted: the lines of a booked invoice change only on its invoice page. "
    "Booked: {numbers}."
)


class IdAutocompleteSelect(AutocompleteSelect):
    """Django looks the posted value up again to show a form with errors; a value that is no id
    (text, or past the database integer) would crash that page instead of showing the error."""

    def optgroups(self, name: str, value: list[str], attr: dict | None = None) -> list:
        return super().optgroups(name, [v for v in value if parse_id(v) is not None], attr)


class IdRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id widget, with the same guard as IdAutocompleteSelect (Django catches text, not
    SQLite's OverflowError)."""

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        if parse_id(value) is None:
            return "", ""
        return super().label_and_url_for_value(value)


class IdWidgets:
    """Gives every admin of invoicing the id-checking widgets for its foreign keys."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        using = kwargs.get("using")
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget", IdAutocompleteSelect(db_field, self.admin_site, using=using)
            )
        elif db_field.name in self.raw_id_fields:
            widget = IdRawIdWidget(db_field.remote_field, self.admin_site, using=using)
            kwargs.setdefault("widget", widget)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _refuse_or_delete_selected(
    modeladmin: KeepsBookedInvoices, request: HttpRequest, queryset: QuerySet
) -> HttpResponse | None:
    """The "delete selected" action, refused with the reason when it would lose a booked invoice."""
    refusal = modeladmin.deletion_refusal(queryset)
    if refusal:
        modeladmin.message_user(request, refusal, messages.ERROR)
        return None
    return delete_selected(modeladmin, request, queryset)


class KeepsBookedInvoices(IdWidgets, admin.ModelAdmin):
    """Refuses to delete what would take a booked invoice with it, saying why, before Django's
    confirmation page (which would only say "permission denied" or list protected objects)."""

    # The lookup from Invoice to the objects of this admin, and the refusal naming the numbers.
    booked_invoices_lookup: str
    delete_refused: str

    def booked_numbers(self, queryset: QuerySet) -> list[str]:
        invoices = Invoice.objects.filter(
            status=Invoice.Status.BOOKED, **{self.booked_invoices_lookup: queryset}
        )
        return list(invoices.order_by("number").values_list("number", flat=True).distinct())

    def deletion_refusal(self, queryset: QuerySet) -> str | None:
        numbers = self.booked_numbers(queryset)
        if not numbers:
            return None
        shown = ", ".join(numbers[:SHOWN_NUMBERS]) + (", …" if len(numbers) > SHOWN_NUMBERS else "")
        return gettext(self.delete_refused).format(numbers=shown)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self.booked_numbers(self.model.objects.filter(pk=obj.pk)):
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        refusal = obj and self.deletion_refusal(self.model.objects.filter(pk=obj.pk))
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", obj.pk)
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_refuse_or_delete_selected, name, description)
        return actions


class MembershipInline(IdWidgets, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(KeepsBookedInvoices):
    booked_invoices_lookup = "company__in"
    delete_refused = DELETE_REFUSED_COMPANY
    list_display = ("name", "slug", "country", "vat_number", "currency", "created_at")
    list_filter = ("country", "currency")
    search_fields = ("name", "slug", "vat_number")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(IdWidgets, admin.ModelAdmin):
    list_display = ("user", "company", "role", "created_at")
    list_filter = ("role", "company")
    search_fields = ("user__username", "user__email", "company__name")
    list_select_related = ("user", "company")
    autocomplete_fields = ["user", "company"]


@admin.register(Customer)
class CustomerAdmin(KeepsBookedInvoices):
    booked_invoices_lookup = "customer__in"
    delete_refused = DELETE_REFUSED_CUSTOMER
    list_display = ("name", "code", "company", "vat_number", "country", "payment_terms_days")
    list_filter = ("company", "country")
    search_fields = ("name", "code", "vat_number", "email")
    list_select_related = ("company",)
    autocomplete_fields = ["company"]


@admin.register(NumberSequence)
class NumberSequenceAdmin(IdWidgets, admin.ModelAdmin):
    list_display = ("company", "kind", "year", "last_number")
    list_filter = ("kind", "year", "company")
    search_fields = ("company__name",)
    list_select_related = ("company",)
    # The sequence moves only by booking: editing it by hand would create gaps or duplicates.
    readonly_fields = ("company", "kind", "year", "last_number")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _is_draft(invoice: Invoice | None) -> bool:
    """Whether lines may change: on a new invoice or a draft, not on a booked one."""
    return invoice is None or invoice.is_draft


class DateHierarchyChangeList(ChangeList):
    """Django turns a bad date-hierarchy year into "bad filter" only for a ValueError it expects:
    a 30-digit year overflows and year 9999 has no next year, both crashing the list."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class InvoiceLineInline(IdWidgets, admin.TabularInline):
    """Lines of the invoice; read-only once it is booked (the formset then ignores posted rows)."""

    model = InvoiceLine
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    fields = (
        "position",
        "description",
        "quantity",
        "unit_price",
        "vat_rate",
        "revenue_account",
        "cost_centre",
    )


@admin.register(Invoice)
class InvoiceAdmin(KeepsBookedInvoices):
    booked_invoices_lookup = "pk__in"
    delete_refused = DELETE_REFUSED_INVOICE
    list_display = (
        "display_number",
        "company",
        "customer",
        "kind",
        "status",
        "invoice_date",
        "total",
        "sync_state",
        "booking_number",
    )
    list_filter = ("status", "kind", "sync_state", "company")
    search_fields = ("number", "booking_number", "customer__name", "customer__code")
    list_select_related = ("company", "customer")
    date_hierarchy = "invoice_date"
    autocomplete_fields = ["company", "customer"]
    raw_id_fields = ["credited_invoice", "booked_by"]
    inlines = [InvoiceLineInline]
    show_full_result_count = False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DateHierarchyChangeList

    @admin.display(description=_("Number"), ordering="number")
    def display_number(self, invoice: Invoice) -> str:
        return invoice.display_number

    def get_readonly_fields(self, request: HttpRequest, obj: Invoice | None = None) -> Any:
        if obj is not None and obj.is_booked:
            return (*BOOKED_READONLY, "company", "invoice_date", *TOTALS)
        # Drafts get their number, stamps and sync fields from booking and the sync only.
        return ("status", "number", "booked_at", "booked_by", *BOOKED_READONLY[8:], *TOTALS)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.recompute_totals(form.instance)


@admin.register(InvoiceLine)
class InvoiceLineAdmin(KeepsBookedInvoices):
    booked_invoices_lookup = "lines__in"
    delete_refused = DELETE_REFUSED_LINE
    list_display = ("description", "invoice", "quantity", "unit_price", "vat_rate", "amount")
    list_filter = ("vat_rate", "invoice__company")
    search_fields = ("description", "invoice__number", "revenue_account")
    list_select_related = ("invoice",)
    raw_id_fields = ["invoice"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A line is added on its invoice's page, where the admin knows whether it is a draft.
        return False

    def has_change_permission(self, request: HttpRequest, obj: InvoiceLine | None = None) -> bool:
        return (obj is None or obj.invoice.is_draft) and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: InvoiceLine, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.recompute_totals(obj.invoice)

    def delete_model(self, request: HttpRequest, obj: InvoiceLine) -> None:
        invoice = obj.invoice
        super().delete_model(request, obj)
        services.recompute_totals(invoice)


@admin.register(OverviewPreference)
class OverviewPreferenceAdmin(IdWidgets, admin.ModelAdmin):
    list_display = ("user", "columns")
    search_fields = ("user__username",)
    list_select_related = ("user",)
