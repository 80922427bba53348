"""Notifications shown in the bell of the header."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.texts import StoredTextField


class Notification(models.Model):
    class Level(models.TextChoices):
        INFO = "info", _("Info")
        SUCCESS = "success", _("Success")
        WARNING = "warning", _("Warning")
        ERROR = "error", _("Error")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # Referenced by name only: this app imports nothing of the others.
    company = models.ForeignKey(
        "invoicing.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    # What the notification is about, as a key the caller chooses ("sync-run:42"): it finds the
    # notifications of one event without this app knowing the event's model.
    source = models.CharField(_("source"), max_length=100, blank=True, default="", db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    # Stored texts (config/texts.py): each reader sees them in his own language. The title is a
    # text column because it holds the message id and its parameters, not the sentence.
    title = StoredTextField(_("title"))
    body = StoredTextField(_("body"), blank=True, default="")
    link = models.CharField(_("link"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "company", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_error(self) -> bool:
        return self.level == self.Level.ERROR
