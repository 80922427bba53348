"""Integration settings pages (company admins only).

Thin views: they parse the form, call `bookkeeping.integrations`, and show the outcome. Every tool
error becomes a message in plain words with its hint, never a 500. Lists fetched from the tool are
cached in the session (per integration and target) so that a page view costs no tool calls.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from bookkeeping import integrations, reference
from bookkeeping.connectors.base import ConnectorError
from bookkeeping.forms import (
    CredentialsForm,
    LockForm,
    MappingForm,
    StartDateForm,
    TargetForm,
    ToolForm,
)
from bookkeeping.integrations import IntegrationRefused
from bookkeeping.models import Integration
from bookkeeping.vat_codes import key_label, mapping_keys, rate_key, used_treatment_keys
from bookkeeping.views import tool_lists
from config.tenancy import company_admin_required

UNMAPPED_TREATMENTS = _lazy(
    "Invoices with a line of %(treatments)s cannot be synced until it is mapped to a VAT code."
)
logger = logging.getLogger(__name__)
OAUTH_SESSION_KEY = "bookkeeping_oauth"
MAPPING_INVALID_MESSAGE = _lazy("Some choices are missing: see the fields marked below.")


def _settings_redirect() -> HttpResponse:
    return redirect("bookkeeping:settings")


def _integration_or_redirect(request: HttpRequest) -> Integration | None:
    integration = integrations.active_integration(request.company)
    if integration is None:
        messages.warning(request, _("Pick a bookkeeping tool first."))
    return integration


# The page ---------------------------------------------------------------------------------------


@company_admin_required
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    """The whole settings page: tool, connection, target, mapping, test, nightly, disconnect."""
    integration = integrations.active_integration(request.company)
    return render(request, "bookkeeping/settings.html", _page_context(request, integration))


def _page_context(
    request: HttpRequest, integration: Integration | None, form: MappingForm | None = None
) -> dict[str, Any]:
    context: dict[str, Any] = {  # "tool" a plain dict: templates would call the class
        "integration": integration,
        "tool_form": ToolForm(
            tools=integrations.offered_tools(request.company),
            initial={"tool": integration.tool if integration else None},
        ),
        "lock_form": LockForm(
            initial={"lock_booked_invoices": request.company.lock_booked_invoices}
        ),
    }
    if integration is not None:
        context["start_form"] = StartDateForm(initial={"sync_from": integration.sync_from})
        context.update(_connection_context(request, integration))
    if form is not None:
        context["mapping_form"] = form
    return context


def _connection_context(request: HttpRequest, integration: Integration) -> dict[str, Any]:
    tool = integrations.tool_class(integration)
    connected_once = integrations.has_credentials(integration)
    context: dict[str, Any] = {  # "tool" a plain dict: templates would call the class
        "tool": {"uses_oauth": tool.uses_oauth, "target_label": tool.target_label},
        "has_credentials": connected_once,
        # Stored but unreadable: the user reconnects (and may disconnect), nothing else.
        "credentials_unreadable": integration.credentials_unreadable,
        "after_sync": integrations.after_sync_text(integration.tool),
        "credentials_form": None
        if tool.uses_oauth
        else CredentialsForm(fields=tool.credential_fields, flags=tool.tool.credential_flags),
    }
    if connected_once:
        targets = tool_lists.targets(request, integration)
        context["target_form"] = TargetForm(
            label=tool.target_label.capitalize(),
            targets=targets,
            initial={"target": integration.target_id},
        )
    if connected_once and integration.target_id:
        context["mapping_form"] = _mapping_form(request, integration)
        context["waiting_on_settings"] = integrations.waiting_on_settings(integration)
    return context


def _mapping_form(request: HttpRequest, integration: Integration, data: Any = None) -> MappingForm:
    lists = tool_lists.lists(request, integration) or {}
    return MappingForm(
        data,
        rates=mapping_keys(
            integrations.vat_rates_for(request.company, integration), integration.vat_mapping
        ),
        journals=lists.get("journals"),
        accounts=lists.get("accounts"),
        vat_codes=lists.get("vat_codes"),
        cost_centres=lists.get("cost_centres"),
        with_cost_centre=integrations.offers_cost_centres(integration),
        current={
            "sales_journal": integration.sales_journal,
            "credit_note_journal": integration.credit_note_journal,
            "default_revenue_account": integration.default_revenue_account,
            "default_cost_centre": integration.default_cost_centre,
            "vat_mapping": integration.vat_mapping,
        },
    )


# Step 1: the tool -------------------------------------------------------------------------------


@company_admin_required
@require_POST
def choose_tool(request: HttpRequest) -> HttpResponse:
    """Picks the tool; switching from another active tool asks for a confirmation first."""
    form = ToolForm(request.POST, tools=integrations.offered_tools(request.company))
    if not form.is_valid():
        messages.error(request, _("Pick one of the bookkeeping tools offered."))
        return _settings_redirect()
    tool = form.cleaned_data["tool"]
    if not form.cleaned_data["confirm"] and integrations.needs_switch_confirmation(
        request.company, tool=tool
    ):
        current = integrations.active_integration(request.company)
        context = {
            "current": current,
            "tool": tool,
            "tool_label": dict(form.fields["tool"].choices)[tool],
        }
        return render(request, "bookkeeping/settings_confirm_switch.html", context)
    try:
        integration = integrations.choose_tool(request.company, tool=tool)
    except IntegrationRefused as exc:
        messages.error(request, exc.message)
        return _settings_redirect()
    tool_lists.forget_lists(request)
    messages.success(
        request,
        _("%(tool)s is your bookkeeping tool. Now connect it.") % {"tool": integration.tool_label},
    )
    return _settings_redirect()


# Step 2: connect --------------------------------------------------------------------------------


@company_admin_required
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    """OAuth tools: off to the tool's consent page. Others: check and store the credentials."""
    integration = _integration_or_redirect(request)
    if integration is None:
        return _settings_redirect()
    tool = integrations.tool_class(integration)
    if tool.uses_oauth:
        return _start_oauth(request, integration)
    form = CredentialsForm(
        request.POST, fields=tool.credential_fields, flags=tool.tool.credential_flags
    )
    if not form.is_valid():
        messages.error(request, _("Fill in every field to connect."))
        return _settings_redirect()
    try:
        targets = integrations.connect_with_credentials(integration, values=form.cleaned_data)
    except ConnectorError as exc:
        tool_lists.tool_error(request, exc)
        return _settings_redirect()
    tool_lists.forget_lists(request)
    tool_lists.cache_targets(request, integration, targets)
    messages.success(
        request,
        _("%(tool)s accepted the credentials. Now pick the %(target_label)s.")
        % {"tool": integration.tool_label, "target_label": tool.target_label},
    )
    return _settings_redirect()


def _start_oauth(request: HttpRequest, integration: Integration) -> HttpResponse:
    state = secrets.token_urlsafe()
    try:
        url = integrations.authorization_url(
            integration,
            redirect_uri=request.build_absolute_uri(reverse("bookkeeping:oauth_callback")),
            state=state,
        )
    except ConnectorError as exc:
        tool_lists.tool_error(request, exc)
        return _settings_redirect()
    request.session[OAUTH_SESSION_KEY] = {"state": state, "company_id": request.company.pk}
    return redirect(url)


@company_admin_required
@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    """The tool sends the user back here: check the state, then trade the code for tokens."""
    pending = request.session.pop(OAUTH_SESSION_KEY, None)
    state = request.GET.get("state", "")
    if (
        not pending
        or not state
        or not secrets.compare_digest(str(pending.get("state", "")), state)
        or pending.get("company_id") != request.company.pk
    ):
        return HttpResponseForbidden(
            _("This authorisation reply does not match a request of ours.")
        )
    integration = _integration_or_redirect(request)
    if integration is None:
        return _settings_redirect()
    if request.GET.get("error") == "access_denied":
        messages.warning(
            request,
            _("You did not give Booksync access to %(tool)s.") % {"tool": integration.tool_label},
        )
        return _settings_redirect()
    code = request.GET.get("code", "")
    if not code:
        logger.warning(
            "Unexpected OAuth reply for %s: error=%r", integration.tool, request.GET.get("error")
        )
        messages.error(
            request,
            _("%(tool)s sent an unexpected reply. Please try to connect again.")
            % {"tool": integration.tool_label},
        )
        return _settings_redirect()
    redirect_uri = request.build_absolute_uri(reverse("bookkeeping:oauth_callback"))
    try:
        targets = integrations.complete_authorization(
            integration, code=code, redirect_uri=redirect_uri
        )
    except ConnectorError as exc:
        tool_lists.tool_error(request, exc)
        return _settings_redirect()
    tool_lists.forget_lists(request)
    tool_lists.cache_targets(request, integration, targets)
    label = integrations.tool_class(integration).target_label
    messages.success(
        request,
        _("%(tool)s is connected. Now pick the %(target)s.")
        % {"tool": integration.tool_label, "target": label},
    )
    return _settings_redirect()


@company_admin_required
@require_POST
def choose_target(request: HttpRequest) -> HttpResponse:
    """Saves the division / dossier / administration picked from the tool's list."""
    integration = _integration_or_redirect(request)
    if integration is None:
        return _settings_redirect()
    tool = integrations.tool_class(integration)
    targets = tool_lists.cached_targets(request, integration)
    form = TargetForm(request.POST, label=tool.target_label.capitalize(), targets=targets)
    if not form.is_valid():
        messages.error(
            request,
            _("Pick a %(target_label)s from the list.") % {"target_label": tool.target_label},
        )
        return _settings_redirect()
    try:
        integrations.choose_target(
            integration, target_id=form.cleaned_data["target"], target_name=form.target_name()
        )
    except IntegrationRefused as exc:
        messages.error(request, exc.message)
        return _settings_redirect()
    tool_lists.forget_lists(request, targets_too=False)
    messages.success(
        request,
        _(
            "%(tool)s %(target_label)s %(target_name)s chosen. Now check the journals, the revenue account and the VAT codes."
        )
        % {
            "tool": integration.tool_label,
            "target_label": tool.target_label,
            "target_name": integration.target_name,
        },
    )
    return _settings_redirect()


# Step 3: journals, accounts, VAT codes ------------------------------------------------------------


@company_admin_required
@require_POST
def save_mapping(request: HttpRequest) -> HttpResponse:
    """Saves journals, default revenue account, VAT mapping and (Octopus) the cost centre."""
    integration = _integration_or_redirect(request)
    if integration is None:
        return _settings_redirect()
    form = _mapping_form(request, integration, data=request.POST)
    if not form.is_valid():
        messages.error(request, MAPPING_INVALID_MESSAGE)
        return render(
            request, "bookkeeping/settings.html", _page_context(request, integration, form)
        )
    try:
        integrations.save_mapping(
            integration,
            sales_journal=form.cleaned_data["sales_journal"],
            credit_note_journal=form.cleaned_data["credit_note_journal"],
            default_revenue_account=form.cleaned_data["default_revenue_account"],
            default_cost_centre=form.cleaned_data.get("default_cost_centre", ""),
            vat_mapping=form.vat_mapping(),
        )
    except ValidationError as exc:  # the model's own limits, should the form ever let one by
        _add_model_errors(form, exc)
        messages.error(request, MAPPING_INVALID_MESSAGE)
        return render(
            request, "bookkeeping/settings.html", _page_context(request, integration, form)
        )
    missing = [key for key, code in form.vat_mapping().items() if not code and rate_key(key)]
    used = used_treatment_keys(request.company)
    unmapped = [
        key_label(key) for key, code in form.vat_mapping().items() if not code and key in used
    ]
    messages.success(request, _("Journals, revenue account and VAT codes saved."))
    if missing:
        rates = ", ".join(f"{rate.rstrip('0').rstrip('.')}%" for rate in missing)
        text = _(
            "Invoices with VAT rate %(rates)s cannot be synced until the rate is mapped to a VAT code."
        )
        messages.warning(request, text % {"rates": rates})
    if unmapped:
        messages.warning(request, UNMAPPED_TREATMENTS % {"treatments": ", ".join(unmapped)})
    return _settings_redirect()


def _add_model_errors(form: MappingForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@company_admin_required
@require_POST
def refresh_lists(request: HttpRequest) -> HttpResponse:
    """Forgets the cached lists so that the next page view fetches them from the tool again
    (and the booking preview's copy of them, `bookkeeping.reference`)."""
    tool_lists.forget_lists(request)
    reference.forget_company(request.company)
    messages.info(request, _("The lists are fetched again from the tool."))
    return _settings_redirect()


# Step 4-5: test, nightly, disconnect ------------------------------------------------------------


def _act_on_integration(request: HttpRequest, action: Callable[[Integration], str]) -> HttpResponse:
    """Runs one action on the company's integration; shows the line it returns, or its refusal
    or the tool's error with its hint, on the settings page."""
    integration = _integration_or_redirect(request)
    if integration is None:
        return _settings_redirect()
    try:
        line = action(integration)
    except IntegrationRefused as exc:
        messages.error(request, exc.message)
    except ConnectorError as exc:
        tool_lists.tool_error(request, exc)
    else:
        messages.success(request, line)
    return _settings_redirect()


@company_admin_required
@require_POST
def test_connection(request: HttpRequest) -> HttpResponse:
    """Asks the tool whether our access works; shows its answer or the error with its hint."""
    return _act_on_integration(request, integrations.check_connection)


@company_admin_required
@require_POST
def toggle_nightly(request: HttpRequest) -> HttpResponse:
    """Switches the nightly sync on (`enabled=1`) or off (`enabled=0`)."""
    enabled = request.POST.get("enabled") == "1"

    def switch(integration: Integration) -> str:
        integrations.set_nightly_sync(integration, enabled=enabled)
        return _("Nightly sync switched on.") if enabled else _("Nightly sync switched off.")

    return _act_on_integration(request, switch)


@company_admin_required
@require_POST
def disconnect(request: HttpRequest) -> HttpResponse:
    """Forgets the credentials; the sync history and the choices stay."""

    def forget(integration: Integration) -> str:
        integrations.disconnect(integration)
        tool_lists.forget_lists(request)
        text = _("%(tool)s disconnected. The sync history is kept.")
        return text % {"tool": integration.tool_label}

    return _act_on_integration(request, forget)
