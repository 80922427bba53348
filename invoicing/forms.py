"""Forms of the invoicing pages: every bad input becomes a form error, never a server error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from invoicing.models import Company, Customer, Invoice
from invoicing.money import compute_totals
from invoicing.services import InvoiceData, LineData, credit_problem
from invoicing.validators import NoControlCharacters, no_control_characters
from invoicing.vat import VatTreatment, clean_vat_number, customer_treatment, vat_rate_choices
from invoicing.vat_forms import CustomerSelect, check_treatment

CURRENCY_CHOICES = [
    (code, code) for code in ("EUR", "USD", "GBP", "CHF", "DKK", "SEK", "NOK", "PLN")
]
MAX_QUANTITY = Decimal("1000000")
MAX_PAYMENT_TERMS_DAYS = 365
# Stored totals have 14 digits, 2 of them decimals.
MAX_TOTAL = Decimal("999999999999.99")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099
MAX_LINES = 200
# Header fields a booked invoice shows read-only (services.LOCKED_WHEN_BOOKED).
LOCKED_FIELDS = ("customer", "kind", "credited_number", "currency")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _check_year(value: dt.date | None) -> None:
    if value and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )


def _check_control_characters_in_form(form: forms.ModelForm) -> None:
    """Give the form fields the control-character check of their model fields.

    The model runs it only on fields the form found valid, so a value that also fails another
    check (an email address, a customer code) would never say that it holds a control character.
    """
    for name, field in form.fields.items():
        model_validators = form._meta.model._meta.get_field(name).validators
        field.validators += [v for v in model_validators if isinstance(v, NoControlCharacters)]


class CustomerForm(forms.ModelForm):
    """A customer of the current company; the VAT number is checked for the customer's country."""

    class Meta:
        model = Customer
        fields = [
            "name",
            "code",
            "country",
            "vat_number",
            "email",
            "address",
            "postal_code",
            "city",
            "payment_terms_days",
        ]
        labels = {"payment_terms_days": gettext_lazy("Payment terms (days)")}

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["code"].required = False
        self.fields["payment_terms_days"].max_value = MAX_PAYMENT_TERMS_DAYS
        self.fields["payment_terms_days"].validators.append(
            forms.IntegerField(max_value=MAX_PAYMENT_TERMS_DAYS).validators[-1]
        )
        self.fields["vat_number"].help_text = _("With or without the country prefix.")
        _check_control_characters_in_form(self)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Enter the customer's name."))
        return name

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if code and not all(ch.isalnum() or ch in "-_." for ch in code):
            raise ValidationError(_("Use letters, digits, dots, dashes or underscores."))
        others = Customer.objects.filter(company=self.company, code=code).exclude(
            pk=self.instance.pk
        )
        if code and others.exists():
            raise ValidationError(_("Customer code %(code)s is already in use.") % {"code": code})
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        vat_number = cleaned.get("vat_number", "")
        country = cleaned.get("country")
        if vat_number and country:
            try:
                cleaned["vat_number"] = clean_vat_number(vat_number, country=country)
            except ValidationError as exc:
                self.add_error("vat_number", exc)
        return cleaned

    def _post_clean(self) -> None:
        # The company is not a form field: set it so that the model validation sees it.
        self.instance.company = self.company
        super()._post_clean()


class InvoiceForm(forms.Form):
    """The invoice header. On a booked invoice the customer, kind and currency are read-only."""

    customer = forms.ModelChoiceField(
        label=gettext_lazy("Customer"),
        queryset=Customer.objects.none(),
        empty_label=gettext_lazy("Choose…"),
        widget=CustomerSelect,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=Invoice.Kind.choices, initial=Invoice.Kind.INVOICE
    )
    credited_number = forms.CharField(
        label=gettext_lazy("Credits invoice"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("For a credit note: the number of the booked invoice it credits."),
        validators=no_control_characters(gettext_noop("invoice number it credits")),
    )
    invoice_date = forms.DateField(
        label=gettext_lazy("Invoice date"), widget=DateInput(), validators=[_check_year]
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due date"),
        widget=DateInput(),
        required=False,
        validators=[_check_year],
        help_text=gettext_lazy("Left empty: the invoice date plus the customer's payment terms."),
    )
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=CURRENCY_CHOICES)
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        validators=no_control_characters(gettext_noop("notes"), multiline=True),
    )

    def __init__(self, *args: Any, company: Company, invoice: Invoice | None = None, **kw: Any):
        if invoice is not None and "initial" not in kw:
            kw["initial"] = initial_for(invoice)
        super().__init__(*args, **kw)
        self.company = company
        self.invoice = invoice
        self.fields["customer"].queryset = Customer.objects.filter(company=company)
        self.fields["customer"].widget.company_country = company.country
        self.fields["currency"].initial = company.currency
        if invoice is not None and invoice.is_booked:
            for name in LOCKED_FIELDS:
                self.fields[name].disabled = True

    def clean_credited_number(self) -> Invoice | None:
        number = self.cleaned_data["credited_number"].strip()
        if not number:
            return None
        credited = Invoice.objects.filter(
            company=self.company, kind=Invoice.Kind.INVOICE, number=number
        ).first()
        if credited is None:
            raise ValidationError(_("There is no booked invoice %(number)s.") % {"number": number})
        return credited

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        invoice_date, due_date = cleaned.get("invoice_date"), cleaned.get("due_date")
        if invoice_date and due_date and due_date < invoice_date:
            self.add_error("due_date", _("The due date cannot be before the invoice date."))
        if cleaned.get("kind") != Invoice.Kind.CREDIT_NOTE and cleaned.get("credited_number"):
            self.add_error("credited_number", _("Only a credit note credits another invoice."))
        self._check_credit(cleaned)
        return cleaned

    def _check_credit(self, cleaned: dict[str, Any]) -> None:
        """Say at once when a credit note cannot credit the invoice picked; the amount is
        checked with the lines when saving, and everything again when booking."""
        wanted = cleaned.get("kind") == Invoice.Kind.CREDIT_NOTE
        locked = self.fields["credited_number"].disabled
        if not wanted or locked or "credited_number" not in cleaned or not cleaned.get("customer"):
            return
        note = Invoice(
            pk=self.invoice.pk if self.invoice else None,
            company=self.company,
            customer=cleaned["customer"],
        )
        problem = credit_problem(cleaned["credited_number"], credit_note=note)
        if problem:
            self.add_error("credited_number", problem)

    def invoice_data(self) -> InvoiceData:
        data = self.cleaned_data
        return InvoiceData(
            customer=data["customer"],
            invoice_date=data["invoice_date"],
            due_date=data.get("due_date"),
            kind=data["kind"],
            credited_invoice=data.get("credited_number"),
            currency=data["currency"],
            notes=data.get("notes", ""),
        )


def initial_for(invoice: Invoice) -> dict[str, Any]:
    return {
        "customer": invoice.customer_id,
        "kind": invoice.kind,
        "credited_number": invoice.credited_invoice.number if invoice.credited_invoice else "",
        "invoice_date": invoice.invoice_date,
        "due_date": invoice.due_date,
        "currency": invoice.currency,
        "notes": invoice.notes,
    }


class InvoiceLineForm(forms.Form):
    """One line; a row left completely empty is ignored."""

    TEXT_FIELDS = ("description", "quantity", "unit_price", "revenue_account", "cost_centre")

    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=200,
        validators=no_control_characters(gettext_noop("description")),
    )
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"),
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
        max_value=MAX_QUANTITY,
        error_messages={
            "min_value": gettext_lazy("The quantity must be more than 0."),
            "max_value": gettext_lazy(
                "A quantity above 1,000,000 is not accepted: check the number."
            ),
        },
    )
    unit_price = forms.DecimalField(
        label=gettext_lazy("Unit price"),
        max_digits=12,
        decimal_places=2,
        error_messages={
            "max_digits": gettext_lazy(
                "The unit price can have at most 10 digits before the point."
            )
        },
    )
    vat_rate = forms.TypedChoiceField(label=gettext_lazy("VAT"), coerce=Decimal, choices=[])
    vat_treatment = forms.ChoiceField(
        label=gettext_lazy("VAT treatment"),
        choices=VatTreatment.choices,
        initial=VatTreatment.STANDARD,
        required=False,  # not posted: the one the rate and the customer imply
    )
    revenue_account = forms.CharField(
        label=gettext_lazy("Account"),
        max_length=20,
        required=False,
        validators=no_control_characters(gettext_noop("account")),
    )
    cost_centre = forms.CharField(
        label=gettext_lazy("Cost centre"),
        max_length=20,
        required=False,
        validators=no_control_characters(gettext_noop("cost centre")),
    )

    def __init__(
        self,
        *args: Any,
        vat_choices: list[tuple[str, str]],
        country: str = "BE",
        customer: Customer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.country, self.customer = country, customer
        self.fields["vat_rate"].choices = vat_choices
        self.fields["vat_rate"].initial = vat_choices[0][0] if vat_choices else "0"
        implied = customer_treatment(
            company_country=country,
            country=getattr(customer, "country", ""),
            vat_number=getattr(customer, "vat_number", ""),
        )
        if implied:  # a new line for this customer starts at its 0 % treatment
            self.fields["vat_treatment"].initial = implied
            self.fields["vat_rate"].initial = "0"
        for name in ("quantity", "unit_price"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "any"})

    def has_changed(self) -> bool:
        if not self.is_bound:
            return super().has_changed()
        return any(str(self.data.get(self.add_prefix(f), "")).strip() for f in self.TEXT_FIELDS)

    def clean(self) -> dict[str, Any]:
        """The law's rules of the treatment (invoicing.vat_forms)."""
        return check_treatment(self, super().clean())

    def line_data(self) -> LineData:
        data = self.cleaned_data
        return LineData(
            description=data["description"].strip(),
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            vat_rate=data["vat_rate"],
            vat_treatment=data["vat_treatment"],
            revenue_account=data.get("revenue_account", "").strip(),
            cost_centre=data.get("cost_centre", "").strip(),
        )


class BaseLineFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")

    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        # Every row may stay empty, also the ones that showed an existing line (cleared = removed).
        kwargs.setdefault("empty_permitted", True)
        return super()._construct_form(i, **kwargs)

    def kept_forms(self) -> list[InvoiceLineForm]:
        return [
            form
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form) and form.cleaned_data
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        lines = [form.line_data() for form in self.kept_forms()]
        totals = compute_totals((line.quantity, line.unit_price, line.vat_rate) for line in lines)
        if abs(totals.total) > MAX_TOTAL or abs(totals.subtotal) > MAX_TOTAL:
            raise ValidationError(
                _("The invoice total is too large: check the quantities and prices.")
            )

    def lines(self) -> list[LineData]:
        return [form.line_data() for form in self.kept_forms()]


def posted_rows(data: Any, *, prefix: str = "lines") -> tuple[list[dict[str, str]], int]:
    """The line rows as typed (not validated) and the number of empty rows, from POST data.

    Used by "Add line" without JavaScript: the page comes back with what was typed, plus a row.
    """
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), MAX_LINES)
    except (TypeError, ValueError):
        total = 0
    rows, blanks = [], 0
    names = (*InvoiceLineForm.TEXT_FIELDS, "vat_rate", "vat_treatment")
    for i in range(max(total, 0)):
        row = {name: str(data.get(f"{prefix}-{i}-{name}", "")).strip() for name in names}
        if data.get(f"{prefix}-{i}-DELETE"):
            continue
        if any(row[name] for name in InvoiceLineForm.TEXT_FIELDS):
            rows.append(row)
        else:
            blanks += 1
    return rows, blanks


def line_formset(
    company: Company,
    *,
    invoice: Invoice | None = None,
    data: Any = None,
    initial: list[dict[str, Any]] | None = None,
    extra: int = 3,
    customer: Customer | None = None,
) -> BaseLineFormSet:
    """The line formset of an invoice: its lines (or `initial` rows), then `extra` empty rows.
    The law's rules of the treatments are checked for `customer` (default: the invoice's)."""
    existing = list(invoice.lines.all()) if invoice is not None else []
    if customer is None and invoice is not None:
        customer = invoice.customer
    if initial is None:
        initial = [
            {
                "description": line.description,
                "quantity": f"{line.quantity.normalize():f}",
                "unit_price": line.unit_price,
                "vat_rate": f"{line.vat_rate.normalize():f}",
                "vat_treatment": line.vat_treatment,
                "revenue_account": line.revenue_account,
                "cost_centre": line.cost_centre,
            }
            for line in existing
        ]
    choices = vat_rate_choices(company.country, extra=[line.vat_rate for line in existing])
    formset_class = forms.formset_factory(
        InvoiceLineForm,
        formset=BaseLineFormSet,
        extra=extra,
        can_delete=True,
        max_num=MAX_LINES,
        validate_max=True,
    )
    return formset_class(
        data=data,
        initial=initial,
        prefix="lines",
        form_kwargs={"vat_choices": choices, "country": company.country, "customer": customer},
    )
