"""What a user chose for himself: the overview's columns, the language of the pages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OverviewPreference(models.Model):
    """The overview columns a user chose with the cogwheel."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="overview_preference"
    )
    columns = models.JSONField(default=list)

    class Meta:
        verbose_name = _("overview preference")
        verbose_name_plural = _("overview preferences")

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.columns)}"


class UserPreference(models.Model):
    """What a user chose for himself: the language of the pages (empty: the browser's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.language or '-'}"
