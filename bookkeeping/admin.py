"""Admin of integrations, external records, sync runs and their issues.

Credentials never appear here: the field is excluded, and the status says whether they work.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bookkeeping.models import ExternalRecord, Integration, SyncIssue, SyncRun


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    exclude = ("credentials",)
    list_display = (
        "company",
        "tool",
        "is_active",
        "status",
        "target_name",
        "nightly_sync",
        "connected_at",
        "updated_at",
    )
    list_filter = ("tool", "status", "is_active", "nightly_sync")
    search_fields = ("company__name", "company__slug", "target_id", "target_name")
    list_select_related = ("company",)
    readonly_fields = (
        "has_credentials",
        "status",
        "last_error",
        "connected_at",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("company",)

    @admin.display(boolean=True, description=_("Credentials stored"))
    def has_credentials(self, obj: Integration) -> bool:
        return bool(obj.credentials)


@admin.register(ExternalRecord)
class ExternalRecordAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "integration",
        "kind",
        "state",
        "remote_number",
        "remote_id",
        "attempts",
        "pushed_at",
    )
    list_filter = ("kind", "state", "integration__tool")
    search_fields = (
        "remote_id",
        "remote_number",
        "invoice__number",
        "customer__name",
        "customer__code",
        "integration__company__name",
    )
    list_select_related = ("integration__company",)
    raw_id_fields = ("integration", "customer", "invoice")
    readonly_fields = ("content_hash", "remote_data", "pushed_at", "created_at", "updated_at")


class SyncIssueInline(admin.TabularInline):
    model = SyncIssue
    extra = 0
    can_delete = False
    fields = ("kind", "invoice", "customer", "code", "message", "hint", "resolved")
    readonly_fields = ("kind", "invoice", "customer", "code", "message", "hint")
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "company",
        "integration",
        "trigger",
        "status",
        "started_by",
        "started_at",
        "finished_at",
        "invoices_booked",
        "invoices_failed",
    )
    list_filter = ("status", "trigger", "integration__tool")
    search_fields = ("company__name", "company__slug", "summary", "error")
    list_select_related = ("company", "integration__company", "started_by")
    date_hierarchy = "started_at"
    inlines = [SyncIssueInline]
    raw_id_fields = ("integration", "company", "started_by")
    readonly_fields = (
        "started_at",
        "finished_at",
        "heartbeat_at",
        "total",
        "done",
        "customers_created",
        "invoices_booked",
        "invoices_updated",
        "invoices_failed",
        "already_synced",
        "drafts_skipped",
        "summary",
        "error",
    )


@admin.register(SyncIssue)
class SyncIssueAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "run",
        "kind",
        "invoice",
        "code",
        "short_message",
        "resolved",
        "created_at",
    )
    list_filter = ("kind", "resolved", "run__integration__tool")
    search_fields = ("message", "hint", "code", "invoice__number", "run__company__name")
    list_select_related = ("run__company", "invoice")
    raw_id_fields = ("invoice", "customer")
    readonly_fields = ("run", "kind", "code", "message", "hint", "link", "created_at")

    @admin.display(description=_("Message"))
    def short_message(self, obj: SyncIssue) -> str:
        message = str(obj.message)  # a stored text, read in the admin's language
        return message if len(message) <= 80 else message[:77] + "..."
