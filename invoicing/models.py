"""Companies, their people, customers and sales invoices."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from config.texts import StoredTextField
from invoicing.validators import no_control_characters
from invoicing.vat import VatTreatment

COUNTRY_CHOICES = [
    ("BE", _("Belgium")),
    ("NL", _("Netherlands")),
    ("LU", _("Luxembourg")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("GB", _("United Kingdom")),
]


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES, default="BE")
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # Corrections of a booked invoice only through a credit note. Set by bookkeeping when the
    # tool does not take edits, until an admin chooses (`lock_booked_chosen`); read here.
    lock_booked_invoices = models.BooleanField(
        _("Lock booked invoices"),
        default=False,
        help_text=_("A booked invoice can no longer be edited: correct it with a credit note."),
    )
    lock_booked_chosen = models.BooleanField(_("lock chosen by an admin"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.company} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class Customer(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="customers", verbose_name=_("company")
    )
    name = models.CharField(
        _("name"), max_length=200, validators=no_control_characters(gettext_noop("name"))
    )
    code = models.CharField(
        _("code"),
        max_length=18,
        help_text=_("Your customer number; left empty, the next free number is assigned."),
        validators=no_control_characters(gettext_noop("code")),
    )
    vat_number = models.CharField(
        _("VAT number"),
        max_length=20,
        blank=True,
        validators=no_control_characters(gettext_noop("VAT number")),
    )
    email = models.EmailField(
        _("email"), blank=True, validators=no_control_characters(gettext_noop("email"))
    )
    address = models.CharField(
        _("address"),
        max_length=200,
        blank=True,
        validators=no_control_characters(gettext_noop("address")),
    )
    postal_code = models.CharField(
        _("postal code"),
        max_length=20,
        blank=True,
        validators=no_control_characters(gettext_noop("postal code")),
    )
    city = models.CharField(
        _("city"),
        max_length=100,
        blank=True,
        validators=no_control_characters(gettext_noop("city")),
    )
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES, default="BE")
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="unique_customer_code")
        ]
        indexes = [models.Index(fields=["company", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("invoicing:customer_edit", args=[self.pk])


class NumberSequence(models.Model):
    """The last number handed out per company, kind and year; locked while booking."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="sequences")
    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "year"], name="unique_number_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.kind} {self.year}: {self.last_number}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        BOOKED = "booked", _("Booked")

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class SyncState(models.TextChoices):
        """Written by the sync; read by the overview (invoicing never imports bookkeeping)."""

        NOT_SYNCED = "not_synced", _("Not synced")
        PENDING = "pending", _("Waiting")
        SYNCED = "synced", _("Synced")
        FAILED = "failed", _("Sync failed")
        CHANGED = "changed", _("Changed since sync")
        # Never sent: a person decided so (with a reason), or it predates the integration's
        # start date (booked in the tool before Booksync).
        EXCLUDED = "excluded", _("Never sent")
        BEFORE_START = "before_start", _("Before the start date")
        # Booked by a company admin although the tool would refuse it ("book now, fix before
        # the sync"); the sync sends it like any other, and the next sync state replaces this.
        NOT_READY = "not_ready", _("Not ready")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invoices", verbose_name=_("company")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="invoices",
        null=True,
        blank=True,
        verbose_name=_("customer"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INVOICE)
    credited_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credited invoice"),
        help_text=_("The invoice this credit note credits."),
    )
    number = models.CharField(_("number"), max_length=20, blank=True, default="")
    invoice_date = models.DateField(_("invoice date"))
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    notes = models.TextField(
        _("notes"),
        blank=True,
        validators=no_control_characters(gettext_noop("notes"), multiline=True),
    )

    # Stored totals, recomputed from the lines by invoicing.services.
    subtotal = models.DecimalField(
        _("subtotal"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    vat_total = models.DecimalField(
        _("VAT"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    total = models.DecimalField(
        _("total"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )

    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )

    # Written by the sync.
    booking_number = models.CharField(_("booking number"), max_length=40, blank=True, default="")
    sync_state = models.CharField(
        _("sync state"), max_length=12, choices=SyncState.choices, default=SyncState.NOT_SYNCED
    )
    sync_message = StoredTextField(_("sync message"), blank=True, default="")
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)

    # Written by bookkeeping from what the tool's books say about payment (DESIGN §6).
    class PaymentStatus(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        OPEN = "open", pgettext_lazy("payment status", "Open")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")

    # A database default too: the demo and the benchmarks insert invoices in bulk with SQL.
    payment_status = models.CharField(
        _("payment status"),
        max_length=12,
        choices=PaymentStatus.choices,
        default=PaymentStatus.UNKNOWN,
        db_default=PaymentStatus.UNKNOWN,
    )
    # What is still to be paid (empty when unknown), as the tool says; when it was read.
    open_amount = models.DecimalField(
        _("open amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    paid_at = models.DateField(_("paid on"), null=True, blank=True)
    payment_read_at = models.DateTimeField(_("payment read at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-invoice_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "number"],
                condition=~models.Q(number=""),
                name="unique_invoice_number",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", number="")
                | (models.Q(status="booked") & ~models.Q(number="")),
                name="booked_invoice_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-invoice_date", "-id"], name="invoice_overview_idx"),
            models.Index(
                fields=["company", "status", "-invoice_date", "-id"], name="invoice_status_idx"
            ),
            models.Index(
                fields=["company", "sync_state", "-invoice_date", "-id"], name="invoice_sync_idx"
            ),
            models.Index(fields=["company", "number"], name="invoice_number_idx"),
            # "Not synced": booked invoices still without a booking number, newest first. Every
            # equality of the filter is in the index, so planners prefer it to the status index.
            models.Index(
                fields=["company", "status", "booking_number", "-invoice_date", "-id"],
                name="invoice_not_synced_idx",
            ),
            # The payment filters: paid (equality, newest first from the index), open and
            # overdue (two statuses; overdue reads the due date of those rows only).
            models.Index(
                fields=["company", "payment_status", "-invoice_date", "-id"],
                name="invoice_payment_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.display_number

    def get_absolute_url(self) -> str:
        return reverse("invoicing:invoice_detail", args=[self.pk])

    @property
    def display_number(self) -> str:
        """The number; a draft has none yet, so it is named by its date, which a user knows
        (a database id is shared by every company and says nothing to him)."""
        if self.number:
            return self.number
        if self.invoice_date is None:
            return gettext("New draft")
        day = formats.date_format(self.invoice_date, "SHORT_DATE_FORMAT")
        return gettext("Draft of %(date)s") % {"date": day}

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_booked(self) -> bool:
        return self.status == self.Status.BOOKED


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.CharField(
        _("description"),
        max_length=200,
        validators=no_control_characters(gettext_noop("description")),
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("21.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    # The VAT code of the tool and the legal mention follow the treatment (bookkeeping.vat_codes).
    vat_treatment = models.CharField(
        _("VAT treatment"),
        max_length=20,
        choices=VatTreatment.choices,
        default=VatTreatment.STANDARD,
        db_default=VatTreatment.STANDARD,
    )
    revenue_account = models.CharField(
        _("account"),
        max_length=20,
        blank=True,
        help_text=_("Revenue (G/L) account code"),
        validators=no_control_characters(gettext_noop("account")),
    )
    cost_centre = models.CharField(
        _("cost centre"),
        max_length=20,
        blank=True,
        validators=no_control_characters(gettext_noop("cost centre")),
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        """Line amount excluding VAT, rounded half up to cents."""
        from invoicing.money import round_cents

        return round_cents(self.quantity * self.unit_price)


# Defined apart to keep this module readable; Django finds them through this import.
from invoicing.preferences import OverviewPreference, UserPreference  # noqa: E402, F401
