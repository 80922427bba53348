"""Django admin for the invoicing models: what support staff need to look things up.

A booked invoice keeps its number, kind, customer, booking stamps and sync fields: they are
read-only here as in the product. Lines edited here recompute the stored totals.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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
)
TOTALS = ("subtotal", "vat_total", "total")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "country", "vat_number", "currency", "created_at")
    list_filter = ("country", "currency")
    search_fields = ("name", "slug", "vat_number")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "company", "role", "created_at")
    list_filter = ("role", "company")
    search_fields = ("user__username", "user__email", "company__name")
    list_select_related = ("user", "company")
    autocomplete_fields = ["user", "company"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "company", "vat_number", "country", "payment_terms_days")
    list_filter = ("company", "country")
    search_fields = ("name", "code", "vat_number", "email")
    list_select_related = ("company",)
    autocomplete_fields = ["company"]


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ("company", "kind", "year", "last_number")
    list_filter = ("kind", "year", "company")
    search_fields = ("company__name",)
    list_select_related = ("company",)
    # The sequence moves only by booking: editing it by hand would create gaps or duplicates.
    readonly_fields = ("company", "kind", "year", "last_number")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
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
class InvoiceAdmin(admin.ModelAdmin):
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

    @admin.display(description="Number", ordering="number")
    def display_number(self, invoice: Invoice) -> str:
        return invoice.display_number

    def get_readonly_fields(self, request: HttpRequest, obj: Invoice | None = None) -> Any:
        if obj is not None and obj.is_booked:
            return (*BOOKED_READONLY, "company", *TOTALS)
        # Drafts get their number, stamps and sync fields from booking and the sync only.
        return ("status", "number", "booked_at", "booked_by", *BOOKED_READONLY[8:], *TOTALS)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.recompute_totals(form.instance)


@admin.register(InvoiceLine)
class InvoiceLineAdmin(admin.ModelAdmin):
    list_display = ("description", "invoice", "quantity", "unit_price", "vat_rate", "amount")
    list_filter = ("vat_rate", "invoice__company")
    search_fields = ("description", "invoice__number", "revenue_account")
    list_select_related = ("invoice",)
    raw_id_fields = ["invoice"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: InvoiceLine, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.recompute_totals(obj.invoice)

    def delete_model(self, request: HttpRequest, obj: InvoiceLine) -> None:
        invoice = obj.invoice
        super().delete_model(request, obj)
        services.recompute_totals(invoice)


@admin.register(OverviewPreference)
class OverviewPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "columns")
    search_fields = ("user__username",)
    list_select_related = ("user",)
