"""Forms of the integration settings page.

Lists fetched from the tool become selects; when the tool could not be reached they fall back to
text inputs, so that the page stays usable. Secret inputs never render their value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bookkeeping.connectors.base import Choice
from bookkeeping.vat_codes import key_label, propose

EMPTY_LABEL = "---------"
# Journals, accounts, cost centres and VAT codes are stored in columns of this size
# (Integration.sales_journal and its siblings); a longer code is a form error, not a crash.
CODE_MAX_LENGTH = 20
TARGET_MAX_LENGTH = 64


class ToolForm(forms.Form):
    tool = forms.ChoiceField(label=_("Bookkeeping tool"), widget=forms.RadioSelect)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, tools: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tool"].choices = list(tools)


class CredentialsForm(forms.Form):
    """The fields a tool asks for (`Connector.credential_fields`); secrets are password inputs."""

    def __init__(
        self,
        *args: Any,
        fields: Sequence[tuple[str, str, bool]],
        flags: frozenset[str] = frozenset(),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, label, secret in fields:
            if name in flags:
                self.fields[name] = forms.BooleanField(label=label, required=False)
                continue
            widget = (
                forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
                if secret
                else forms.TextInput(attrs={"autocomplete": "off"})
            )
            self.fields[name] = forms.CharField(label=label, max_length=500, widget=widget)


class TargetForm(forms.Form):
    """The division / dossier / administration: a select, or a text input without a list."""

    def __init__(
        self, *args: Any, label: str, targets: Sequence[Choice] | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.targets = {choice.code: choice.label for choice in targets or ()}
        self.fields["target"] = _list_field(
            label, targets, required=True, max_length=TARGET_MAX_LENGTH
        )

    def target_name(self) -> str:
        """The name from the tool's list; "" when typed without a list (the name is unknown)."""
        return self.targets.get(self.cleaned_data["target"], "")


class MappingForm(forms.Form):
    """Journals, default revenue account, VAT rate → VAT code, and (Octopus) the cost centre."""

    def __init__(
        self,
        *args: Any,
        rates: Sequence[str],
        journals: Sequence[Choice] | None,
        accounts: Sequence[Choice] | None,
        vat_codes: Sequence[Choice] | None,
        cost_centres: Sequence[Choice] | None = None,
        with_cost_centre: bool = False,
        current: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        current = current or {}
        self.rates = list(rates)
        self.fields["sales_journal"] = _list_field(
            _("Sales journal"), journals, current=current.get("sales_journal")
        )
        self.fields["credit_note_journal"] = _list_field(
            _("Credit-note journal"), journals, current=current.get("credit_note_journal")
        )
        self.fields["default_revenue_account"] = _list_field(
            _("Default revenue account"), accounts, current=current.get("default_revenue_account")
        )
        if with_cost_centre:
            self.fields["default_cost_centre"] = _list_field(
                _("Default cost centre"),
                cost_centres,
                required=False,
                current=current.get("default_cost_centre"),
            )
        mapping = current.get("vat_mapping", {})
        # Rows not mapped yet start with the code the tool's list makes clear (saved on Save).
        proposal = propose(self.rates, vat_codes or ())
        self.proposed = {key: code for key, code in proposal.items() if not mapping.get(key)}
        for rate in self.rates:
            self.fields[vat_field_name(rate)] = _list_field(
                key_label(rate),
                vat_codes,
                required=False,
                current=mapping.get(rate) or self.proposed.get(rate),
            )

    def vat_fields(self) -> list[forms.BoundField]:
        return [self[vat_field_name(rate)] for rate in self.rates]

    def vat_rows(self) -> list[tuple[forms.BoundField, bool]]:
        """(field, proposed): whether the row shows a proposal not saved yet."""
        return [(self[vat_field_name(key)], key in self.proposed) for key in self.rates]

    def journal_fields(self) -> list[forms.BoundField]:
        names = ["sales_journal", "credit_note_journal", "default_revenue_account"]
        if "default_cost_centre" in self.fields:
            names.append("default_cost_centre")
        return [self[name] for name in names]

    def vat_mapping(self) -> dict[str, str]:
        return {rate: self.cleaned_data.get(vat_field_name(rate), "") for rate in self.rates}


def vat_field_name(rate: str) -> str:
    return "vat_" + rate.replace(".", "_")


def _option_label(choice: Choice) -> str:
    """ "70 – Sales journal"; the label alone when it already starts with the code."""
    if not choice.label or choice.label == choice.code:
        return choice.code
    if choice.label.startswith(choice.code):
        return choice.label
    return f"{choice.code} – {choice.label}"


def _list_field(
    label: str,
    choices: Sequence[Choice] | None,
    *,
    required: bool = True,
    current: str | None = None,
    max_length: int = CODE_MAX_LENGTH,
) -> forms.Field:
    """A select of the tool's list (keeping a saved value the list no longer has), or a text
    input when the list could not be fetched (`choices` is None or empty)."""
    if not choices:
        return forms.CharField(
            label=label, required=required, max_length=max_length, initial=current
        )
    options = [("", EMPTY_LABEL)] + [(choice.code, _option_label(choice)) for choice in choices]
    if current and current not in {choice.code for choice in choices}:
        options.append((current, _("%(code)s (not found in the tool)") % {"code": current}))
    return forms.ChoiceField(label=label, required=required, choices=options, initial=current)


class StartDateForm(forms.Form):
    """The integration's start date: invoices dated before it are never sent."""

    sync_from = forms.DateField(
        label=_("Sync invoices dated from"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "aria-describedby": "id_sync_from_help"}, format="%Y-%m-%d"
        ),
        help_text=_(
            "Invoices dated before this day are never sent: they were booked in the tool before "
            "Booksync. The overview shows them as “Before the start date”. Leave empty to send "
            "every booked invoice."
        ),
    )


class LockForm(forms.Form):
    """Whether booked invoices may still be edited here, or only corrected by a credit note."""

    lock_booked_invoices = forms.BooleanField(
        label=_("Lock booked invoices"),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_lock_booked_invoices_help"}),
        help_text=_(
            "A booked invoice can no longer be edited: correct it with a credit note. On by "
            "default for tools that do not take edits of a synced invoice."
        ),
    )
