"""Integrations with bookkeeping tools, what we pushed to them, and the sync runs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bookkeeping.connectors.registry import RECONNECT_HINT, UNREADABLE_CREDENTIALS_MESSAGE
from bookkeeping.fields import EncryptedJSONField, UnreadableCredentials
from bookkeeping.texts import joined
from bookkeeping.tools import TOOLS, label_of
from config.texts import StoredTextField, later

# Why an integration whose stored credentials no key can decrypt needs a reconnect, and how.


def known_tool(key: str) -> None:
    if key not in TOOLS:
        raise ValidationError(_("Unknown bookkeeping tool %(key)r.") % {"key": key})


class Integration(models.Model):
    class Status(models.TextChoices):
        NOT_CONNECTED = "not_connected", _("Not connected")
        CONNECTED = "connected", _("Connected")
        RECONNECT_NEEDED = "reconnect_needed", _("Reconnect needed")
        ERROR = "error", _("Error")

    company = models.ForeignKey(
        "invoicing.Company", on_delete=models.CASCADE, related_name="integrations"
    )
    # A key of the registry (bookkeeping.tools): validated there, so a new tool needs no migration.
    tool = models.CharField(max_length=20, validators=[known_tool])
    is_active = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_CONNECTED)
    last_error = StoredTextField(_("last error"), blank=True, default="")

    # Tokens, passwords, access keys: encrypted at rest (FIELD_ENCRYPTION_KEY).
    credentials = EncryptedJSONField(default=dict, blank=True)

    # Division (Exact Online), dossier (Octopus) or administration (Yuki).
    target_id = models.CharField(max_length=64, blank=True, default="")
    target_name = models.CharField(max_length=200, blank=True, default="")
    sales_journal = models.CharField(max_length=20, blank=True, default="")
    credit_note_journal = models.CharField(max_length=20, blank=True, default="")
    default_revenue_account = models.CharField(max_length=20, blank=True, default="")
    # VAT rate as a string with two decimals ("21.00") -> the tool's VAT code.
    vat_mapping = models.JSONField(default=dict, blank=True)
    default_cost_centre = models.CharField(max_length=20, blank=True, default="")
    nightly_sync = models.BooleanField(default=False)
    # Invoices dated before this are never sent (they were booked in the tool before Booksync).
    sync_from = models.DateField(_("Sync invoices dated from"), null=True, blank=True)
    # The admin saw the first sync's preview (what is sent, linked, in conflict) and confirmed it.
    first_sync_confirmed = models.BooleanField(default=False)
    # Where the last read-back of the tool's books stopped (the tool's own cursor), and when.
    books_cursor = models.CharField(max_length=100, blank=True, default="")
    books_read_at = models.DateTimeField(null=True, blank=True)

    connected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name, verbose_name_plural = _("integration"), _("integrations")
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(is_active=True), name="one_active_integration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} → {self.tool_label}"

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 (Model.save's signature)
        """Saves the row but never the credentials of an existing integration, unless named in
        `update_fields`: a worker may have rotated the tokens since this object was loaded, and
        writing a stale copy back would break the token chain."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "credentials"
            ]
        super().save(*args, **kwargs)

    def set_credentials(self, credentials: dict) -> None:
        """Replaces the stored credentials (encrypted) at once."""
        self.credentials = credentials
        if self._state.adding:
            self.save()
        else:
            self.save(update_fields=["credentials", "updated_at"])

    @property
    def tool_label(self) -> str:
        return label_of(self.tool)

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED and not self.credentials_unreadable

    @property
    def credentials_unreadable(self) -> bool:
        """True when credentials are stored but no key of FIELD_ENCRYPTION_KEY decrypts them."""
        return isinstance(self.credentials, UnreadableCredentials)

    @property
    def needs_reconnect(self) -> bool:
        return self.status == self.Status.RECONNECT_NEEDED or self.credentials_unreadable

    @property
    def display_status(self) -> str:
        """The status the user sees: unreadable credentials need a reconnect whatever the
        stored status says (no page view writes it)."""
        if self.credentials_unreadable:
            return self.Status.RECONNECT_NEEDED
        return self.status

    @property
    def display_status_label(self) -> str:
        return self.Status(self.display_status).label

    @property
    def unreadable_credentials_text(self) -> str:
        """The reason and the fix in plain words, for pages and AuthError; "" when readable."""
        if not self.credentials_unreadable:
            return ""
        tool = self.tool_label
        return str(
            joined(
                later(UNREADABLE_CREDENTIALS_MESSAGE, tool=tool), later(RECONNECT_HINT, tool=tool)
            )
        )


class ExternalRecord(models.Model):
    """One of our customers or invoices as it exists in the tool of an integration."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        INVOICE = "invoice", _("Invoice")

    class State(models.TextChoices):
        # Marked and committed before the call to the tool: after a crash the next run looks
        # the record up in the tool before it creates anything.
        PUSHING = "pushing", _("Being pushed")
        SYNCED = "synced", _("Synced")
        FAILED = "failed", _("Failed")
        # The tool holds another booking under this invoice's number: looked up before any push.
        CONFLICT = "conflict", _("Number taken in the tool")

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    customer = models.ForeignKey(
        "invoicing.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUSHING)
    remote_id = models.CharField(max_length=100, blank=True, default="")
    remote_number = models.CharField(max_length=40, blank=True, default="")
    remote_data = models.JSONField(default=dict, blank=True)
    # Hash of what was pushed: a different hash now means the invoice changed since (Octopus).
    content_hash = models.CharField(max_length=64, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    pushed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name, verbose_name_plural = _("record in the tool"), _("records in the tool")
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "customer"],
                condition=Q(customer__isnull=False),
                name="one_record_per_customer",
            ),
            models.UniqueConstraint(
                fields=["integration", "invoice"],
                condition=Q(invoice__isnull=False),
                name="one_record_per_invoice",
            ),
            models.CheckConstraint(
                condition=(Q(kind="customer", customer__isnull=False, invoice__isnull=True))
                | Q(kind="invoice", invoice__isnull=False, customer__isnull=True),
                name="record_points_to_its_kind",
            ),
        ]
        indexes = [models.Index(fields=["integration", "kind", "state"])]

    def __str__(self) -> str:
        target = self.customer_id if self.kind == self.Kind.CUSTOMER else self.invoice_id
        return f"{self.kind} {target} → {self.remote_number or self.remote_id or '?'}"


class SyncRun(models.Model):
    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Manual")
        NIGHTLY = "nightly", _("Nightly")
        RETRY = "retry", _("Retry")
        COMMAND = "command", _("Command line")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIALLY_FAILED = "partially_failed", _("Partially failed")
        FAILED = "failed", _("Failed")
        RESCHEDULED = "rescheduled", _("Rescheduled")

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="runs")
    company = models.ForeignKey(
        "invoicing.Company", on_delete=models.CASCADE, related_name="sync_runs"
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(auto_now_add=True)
    # Invoice ids this run was asked to retry (empty: everything that waits).
    only_invoice_ids = models.JSONField(default=list, blank=True)
    # Users who pressed Sync while this run was going: they get its notification too.
    watcher_ids = models.JSONField(default=list, blank=True)

    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    customers_created = models.PositiveIntegerField(default=0)
    invoices_booked = models.PositiveIntegerField(default=0)
    invoices_updated = models.PositiveIntegerField(default=0)
    invoices_failed = models.PositiveIntegerField(default=0)
    already_synced = models.PositiveIntegerField(default=0)
    drafts_skipped = models.PositiveIntegerField(default=0)
    summary = StoredTextField(_("summary"), blank=True, default="")
    error = StoredTextField(_("error"), blank=True, default="")

    class Meta:
        verbose_name, verbose_name_plural = _("sync run"), _("sync runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration"],
                condition=Q(status="running"),
                name="one_running_sync_per_integration",
            )
        ]
        indexes = [models.Index(fields=["company", "-started_at"])]

    def __str__(self) -> str:
        return f"Sync {self.pk} of {self.company} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("bookkeeping:run_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.RUNNING

    @property
    def duration(self):  # noqa: ANN201 (timedelta | None)
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 0 if self.is_running else 100
        return min(100, round(100 * self.done / self.total))


class SyncIssue(models.Model):
    """One problem of a run: which invoice (or customer), what the tool said, how to fix it."""

    class Kind(models.TextChoices):
        REJECTED = "rejected", _("Rejected by the tool")
        CLOSED_PERIOD = "closed_period", _("Closed period")
        SETTINGS = "settings", _("Missing setting")
        AUTH = "auth", _("Access refused")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        TRANSIENT = "transient", _("Temporary failure")

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="issues")
    invoice = models.ForeignKey(
        "invoicing.Invoice", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "invoicing.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Where it is fixed (bookkeeping.connectors.errors.Fix) and, for a setting, which one: the
    # "Fix it" link and the retry offered after saving that setting come from these, never
    # from the wording of the hint.
    fix = models.CharField(max_length=10, blank=True, default="")
    field = models.CharField(max_length=40, blank=True, default="")
    code = models.CharField(max_length=40, blank=True, default="")
    message = StoredTextField(_("message"))
    hint = StoredTextField(_("hint"), blank=True, default="")
    link = models.CharField(max_length=200, blank=True, default="")
    resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name, verbose_name_plural = _("sync issue"), _("sync issues")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.message)


class ReferenceData(models.Model):
    """What the tool holds that a booking refers to (journals, accounts, VAT codes and, for
    Octopus, book years), as last read: in the database so that every web and worker process
    shares one copy, refreshed at most hourly or on demand (bookkeeping.reference)."""

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, related_name="reference_data"
    )
    # The data is of this target (division, dossier, administration): another one is stale.
    target_id = models.CharField(max_length=64, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    # The last failed read, and when: retried after a few minutes, or at once on demand.
    error = models.TextField(blank=True, default="")
    failed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Reference data of {self.integration}"


# Reconciliation with the books (a module of its own, registered with this app).
from bookkeeping.reconciliation_models import (  # noqa: E402
    BookEntry,
    Discrepancy,
    RecoveryAction,
)

__all__ = [
    "BookEntry",
    "Discrepancy",
    "ExternalRecord",
    "Integration",
    "RecoveryAction",
    "ReferenceData",
    "SyncIssue",
    "SyncRun",
]
