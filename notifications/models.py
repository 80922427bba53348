"""Notifications shown in the bell of the header."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Level(models.TextChoices):
        INFO = "info", "Info"
        SUCCESS = "success", "Success"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Referenced by name only: this app imports nothing of the others.
    company = models.ForeignKey(
        "invoicing.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # What the notification is about, as a key the caller chooses ("sync-run:42"): it finds the
    # notifications of one event without this app knowing the event's model.
    source = models.CharField(max_length=100, blank=True, default="", db_index=True)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    link = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "company", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_error(self) -> bool:
        return self.level == self.Level.ERROR
