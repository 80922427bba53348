"""Admin for notifications: find what a user was told, and when they read it."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Notification


class ReadFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Read")), ("no", _("Unread"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "recipient", "company", "created_at", "is_read"]
    list_filter = ["level", ReadFilter, "company"]
    search_fields = [
        "title",
        "body",
        "recipient__username",
        "recipient__email",
        "company__name",
        "source",
    ]
    list_select_related = ["recipient", "company"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"
    actions = ["mark_selected_read"]

    @admin.display(boolean=True, description=_("Read"), ordering="read_at")
    def is_read(self, notification: Notification) -> bool:
        return notification.is_read

    @admin.action(description=_("Mark selected notifications as read"))
    def mark_selected_read(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        changed = queryset.filter(read_at__isnull=True).update(read_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%(count)s notification marked as read.",
                "%(count)s notifications marked as read.",
                changed,
            )
            % {"count": changed},
        )
