"""What the tool's books hold, as Booksync last read them, and where they disagree with Booksync.

`BookEntry` mirrors the bookings of the integration's sales and credit-note journals (kept up to
date by reading back with a cursor); `Discrepancy` is one disagreement between an invoice and
those books, open until a later reconcile no longer sees it; `RecoveryAction` is what a person
did about one, shown in the sync history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.texts import StoredTextField


class BookEntry(models.Model):
    """One booking the tool holds in the integration's sales or credit-note journal."""

    integration = models.ForeignKey(
        "bookkeeping.Integration", on_delete=models.CASCADE, related_name="book_entries"
    )
    # The tool's key of the booking (as ExternalRecord.remote_id) and its booking number.
    remote_id = models.CharField(max_length=100)
    number = models.CharField(max_length=40, blank=True, default="")
    # The tool's reference field: our invoice number when Booksync (or a person) put it there.
    reference = models.CharField(max_length=60, blank=True, default="", db_index=True)
    total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    customer_id = models.CharField(max_length=100, blank=True, default="")
    customer_code = models.CharField(max_length=60, blank=True, default="")
    customer_name = models.CharField(max_length=200, blank=True, default="")
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name, verbose_name_plural = _("booking in the tool"), _("bookings in the tool")
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "remote_id"], name="one_entry_per_booking"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number or self.remote_id} ({self.reference})"


class Discrepancy(models.Model):
    """An invoice and the books disagree; closed by itself when a reconcile no longer sees it."""

    class Kind(models.TextChoices):
        MISSING_IN_TOOL = "missing_in_tool", _("Missing in the tool")
        UNLINKED_IN_TOOL = "unlinked_in_tool", _("In the tool, not linked here")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")
        DUPLICATE_IN_TOOL = "duplicate_in_tool", _("Booked twice in the tool")
        NUMBER_MISMATCH = "number_mismatch", _("Booking numbers differ")

    integration = models.ForeignKey(
        "bookkeeping.Integration", on_delete=models.CASCADE, related_name="discrepancies"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What the tool holds: booking number(s), total, date, customer; as read.
    tool_facts = models.JSONField(default=dict, blank=True)
    message = StoredTextField(_("message"))
    hint = StoredTextField(_("hint"), blank=True, default="")
    opened_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name, verbose_name_plural = _("discrepancy"), _("discrepancies")
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "invoice", "kind"],
                condition=Q(closed_at__isnull=True),
                name="one_open_discrepancy_per_kind",
            )
        ]

    def __str__(self) -> str:
        return str(self.message)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RecoveryAction(models.Model):
    """What a person did in the recovery console, for the sync history."""

    class Action(models.TextChoices):
        LINK = "link", _("Linked to an entry in the tool")
        MARK_BOOKED = "mark_booked", _("Marked as booked by hand")
        SEND_AGAIN = "send_again", _("Unlinked to send again")
        NEVER_SEND = "never_send", _("Never send")
        RETRY = "retry", _("Retried")
        CONFIRM_FIRST_SYNC = "confirm", _("Confirmed the first sync")

    integration = models.ForeignKey(
        "bookkeeping.Integration", on_delete=models.CASCADE, related_name="recovery_actions"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = StoredTextField(_("detail"), blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name, verbose_name_plural = _("recovery action"), _("recovery actions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.detail}"
