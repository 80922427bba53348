"""The rules of a company's bookkeeping integration: pick a tool, connect, choose, test, disconnect.

The settings views only parse input and call these functions. Every function that talks to the tool
lets the connector's typed errors (`ConnectorError` with `.message` and `.hint`) through, after
recording on the integration what the user must know (status and last error); the caller shows the
error. No transaction is held open across a call to a tool.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bookkeeping import tools
from bookkeeping.company_rules import (  # noqa: F401 (rules of the settings page, too)
    StartDateChange,
    apply_lock_default,
    set_lock_booked,
    set_sync_from,
)
from bookkeeping.connectors.base import AuthError, Choice, ConnectorError, TransientError
from bookkeeping.connectors.registry import connector_class, get_connector
from bookkeeping.models import Integration, SyncRun
from bookkeeping.queries import (  # noqa: F401 (read by the views as part of the rules)
    after_sync_text,
    normalize_rate,
    offers_cost_centres,
    vat_rates_for,
    waiting_on_settings,
)
from bookkeeping.texts import describe_error, later
from bookkeeping.vat_codes import normal_key

if TYPE_CHECKING:
    from bookkeeping.connectors.base import Connector
    from invoicing.models import Company

logger = logging.getLogger(__name__)

RUNNING_SYNC_MESSAGE = _lazy("A sync is running for this integration: wait until it ends.")


class NotConfigured(ConnectorError):
    """An operator setting of the tool is missing or wrong (ImproperlyConfigured from the
    connector). Its message names the setting; it says nothing about the integration, so it is
    shown but never stored on it."""


class IntegrationRefused(Exception):
    """A request the rules refuse (not a tool error); `message` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ToolLists:
    """The lists fetched from the tool for the mapping form; `error` when fetching failed."""

    journals: list[Choice]
    accounts: list[Choice]
    vat_codes: list[Choice]
    cost_centres: list[Choice]
    error: ConnectorError | None = None


# Reading --------------------------------------------------------------------------------------


def active_integration(company: Company) -> Integration | None:
    """The company's active integration, or None when no tool was picked yet."""
    return Integration.objects.filter(company=company, is_active=True).first()


def offered_tools(company: Company) -> list[tuple[str, str]]:
    """(key, label) of the tools the company's country may use."""
    return [(entry.key, entry.label) for entry in tools.tools_for_country(company.country)]


def has_credentials(integration: Integration) -> bool:
    """True when usable credentials are stored (unreadable ones are not usable)."""
    return bool(integration.credentials)


def tool_class(integration: Integration) -> type[Connector]:
    return connector_class(integration.tool)


# Picking the tool -----------------------------------------------------------------------------


def needs_switch_confirmation(company: Company, *, tool: str) -> bool:
    """True when picking `tool` would deactivate another active integration."""
    current = active_integration(company)
    return current is not None and current.tool != tool


def choose_tool(company: Company, *, tool: str) -> Integration:
    """Makes `tool` the company's active integration and returns it.

    Picking the active tool again changes nothing. Picking another one deactivates the current
    integration (its credentials are cleared, its runs and records are kept) and reactivates the
    company's earlier integration with that tool if there is one, so its history and settings
    come back; otherwise a new one is created. Refused while a sync runs, or for a tool the
    company's country does not offer.
    """
    if tool not in dict(offered_tools(company)):
        raise IntegrationRefused(_("This bookkeeping tool is not available for your company."))
    current = active_integration(company)
    if current is not None and current.tool == tool:
        return current
    if current is not None and _has_running_sync(current):
        raise IntegrationRefused(RUNNING_SYNC_MESSAGE)
    with transaction.atomic():
        apply_lock_default(company, tool_key=tool)
        if current is not None:
            _clear_connection(current)
            current.is_active = False
            current.save(update_fields=[*CONNECTION_FIELDS, "is_active"])
        earlier = (
            Integration.objects.filter(company=company, tool=tool, is_active=False)
            .order_by("-updated_at", "-id")
            .first()
        )
        if earlier is not None:
            earlier.is_active = True
            earlier.save(update_fields=["is_active", "updated_at"])
            return earlier
        return Integration.objects.create(company=company, tool=tool, is_active=True)


def _has_running_sync(integration: Integration) -> bool:
    return integration.runs.filter(status=SyncRun.Status.RUNNING).exists()


# What disconnecting changes; credentials are always saved by name (the model's save() leaves them
# out otherwise, so that a stale copy never overwrites rotated tokens).
CONNECTION_FIELDS = (
    "credentials",
    "status",
    "last_error",
    "nightly_sync",
    "connected_at",
    "updated_at",
)


def _clear_connection(integration: Integration) -> None:
    integration.credentials = {}
    integration.status = Integration.Status.NOT_CONNECTED
    integration.last_error = ""
    integration.nightly_sync = False
    integration.connected_at = None


# Connecting ---------------------------------------------------------------------------------


@contextmanager
def _configured(integration: Integration) -> Iterator[None]:
    """A missing operator setting, found by the connector at any step, becomes NotConfigured
    with the connector's sentence ("Booksync is not configured for Octopus: ask your
    administrator to set OCTOPUS_SOFTWARE_HOUSE_UUID."), shown on the page instead of a 500."""
    try:
        yield
    except ImproperlyConfigured as exc:
        logger.warning("%s is not configured: %s", integration.tool, exc)
        raise NotConfigured(exc.args[0] if exc.args else str(exc)) from exc


def connector_for(integration: Integration) -> Connector:
    """The connector of the integration; a configuration problem becomes NotConfigured.

    With unreadable credentials, its calls that need them raise AuthError (see get_connector);
    the OAuth calls, which replace them, still work.
    """
    with _configured(integration):
        return get_connector(integration)


def authorization_url(integration: Integration, *, redirect_uri: str, state: str) -> str:
    """OAuth tools: the tool's consent page to send the user to."""
    with _configured(integration):
        connector = connector_for(integration)
        return connector.authorization_url(redirect_uri=redirect_uri, state=state)


def complete_authorization(
    integration: Integration, *, code: str, redirect_uri: str
) -> list[Choice]:
    """OAuth tools: exchanges the code for tokens (saved encrypted by the connector), then
    returns the targets to pick from. The integration stays "not connected" until a target is
    picked. On a tool error the status and last error are recorded and the error re-raised."""
    try:
        with _configured(integration):
            connector = connector_for(integration)
            connector.complete_authorization(code=code, redirect_uri=redirect_uri)
        integration.refresh_from_db()
        return _list_targets(integration)
    except ConnectorError as exc:
        _record_attempt_error(integration, exc)
        raise


def connect_with_credentials(integration: Integration, *, values: dict[str, str]) -> list[Choice]:
    """Tools with typed credentials: stores them (encrypted) and checks them by listing the
    targets, which it returns. Credentials the tool refuses are not kept: the previous ones (if
    any) stay, and so does the status."""
    fields = [name for name, _label, _secret in tool_class(integration).credential_fields]
    # Not a copy: unreadable credentials (UnreadableCredentials) are written back as they were.
    previous = integration.credentials
    # Typed values without surrounding spaces; yes/no options (checkboxes) as they are.
    integration.credentials = {
        name: value.strip() if isinstance(value := values.get(name, ""), str) else value
        for name in fields
    }
    integration.save(update_fields=["credentials", "updated_at"])
    try:
        return _list_targets(integration)
    except ConnectorError as exc:
        integration.credentials = previous
        integration.save(update_fields=["credentials", "updated_at"])
        _record_attempt_error(integration, exc)
        raise


def list_targets(integration: Integration) -> list[Choice]:
    """The divisions / dossiers / administrations the stored credentials reach."""
    try:
        return _list_targets(integration)
    except ConnectorError as exc:
        _record_error(integration, exc)
        raise


def _list_targets(integration: Integration) -> list[Choice]:
    with _configured(integration), _readable_reply(integration):
        return list(connector_for(integration).list_targets())


@contextmanager
def _readable_reply(integration: Integration) -> Iterator[None]:
    """A list from the tool that we cannot read (missing keys, wrong types) is a temporary tool
    error shown on the page, never a crash of the settings page."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        logger.warning("%s sent a list we could not read: %r", integration.tool_label, exc)
        raise TransientError(
            later("%(tool)s sent a reply we could not read.", tool=integration.tool_label),
            hint=later(
                "Try again in a moment; if it keeps happening, check the settings in the tool."
            ),
        ) from exc


def choose_target(integration: Integration, *, target_id: str, target_name: str = "") -> None:
    """Saves the chosen target; the integration is now connected."""
    if integration.credentials_unreadable:
        raise IntegrationRefused(integration.unreadable_credentials_text)
    if not has_credentials(integration):
        raise IntegrationRefused(_("Connect %(tool)s first.") % {"tool": integration.tool_label})
    if not target_id:
        target = tool_class(integration).target_label
        raise IntegrationRefused(_("Pick a %(target)s.") % {"target": target})
    if not target_name and target_id == integration.target_id:
        target_name = integration.target_name  # the same target picked without the tool's list
    integration.target_id = target_id
    integration.target_name = target_name or target_id
    integration.status = Integration.Status.CONNECTED
    integration.last_error = ""
    integration.connected_at = timezone.now()
    integration.save(
        update_fields=[
            "target_id",
            "target_name",
            "status",
            "last_error",
            "connected_at",
            "updated_at",
        ]
    )


# Journals, accounts, VAT codes -----------------------------------------------------------------


def fetch_lists(integration: Integration) -> ToolLists:
    """Journals, revenue accounts, VAT codes (and Octopus cost centres) of the target.

    Never raises a tool error: on failure it returns empty lists and the error, so that the page
    stays usable with text inputs.
    """
    try:
        connector = connector_for(integration)
        with _configured(integration), _readable_reply(integration):
            journals = list(connector.list_journals())
            accounts = list(connector.list_accounts())
            vat_codes = list(connector.list_vat_codes())
            cost_centres = _cost_centres(connector)
    except ConnectorError as exc:
        if isinstance(exc, AuthError):
            _record_error(integration, exc)
        return ToolLists([], [], [], [], error=exc)
    return ToolLists(journals, accounts, vat_codes, cost_centres)


def _cost_centres(connector: Connector) -> list[Choice]:
    lister = getattr(connector, "list_cost_centres", None)
    if lister is None:
        return []
    try:
        return list(lister())
    except NotImplementedError:
        return []


def save_mapping(
    integration: Integration,
    *,
    sales_journal: str,
    credit_note_journal: str,
    default_revenue_account: str,
    vat_mapping: dict[str, str],
    default_cost_centre: str = "",
) -> None:
    """Saves the choices the sync uses. Empty VAT codes are left out of the mapping."""
    integration.sales_journal = sales_journal.strip()
    integration.credit_note_journal = credit_note_journal.strip()
    integration.default_revenue_account = default_revenue_account.strip()
    integration.default_cost_centre = default_cost_centre.strip()
    mapped = {normal_key(key): code.strip() for key, code in vat_mapping.items() if code.strip()}
    integration.vat_mapping = {key: code for key, code in mapped.items() if key}
    integration.full_clean()
    integration.save(
        update_fields=[
            "sales_journal",
            "credit_note_journal",
            "default_revenue_account",
            "default_cost_centre",
            "vat_mapping",
            "updated_at",
        ]
    )


# Testing, nightly, disconnecting ------------------------------------------------------------


def check_connection(integration: Integration) -> str:
    """Asks the tool with read calls only; returns its line for the user.

    Success marks the integration connected (once a target is chosen); an AuthError marks it
    "reconnect needed"; any other tool error marks it "error". Errors are re-raised.
    """
    # Unreadable credentials go on to the connector, whose AuthError marks "reconnect needed".
    if not has_credentials(integration) and not integration.credentials_unreadable:
        raise IntegrationRefused(_("Connect %(tool)s first.") % {"tool": integration.tool_label})
    try:
        with _configured(integration), _readable_reply(integration):
            line = connector_for(integration).test_connection()
    except ConnectorError as exc:
        _record_error(integration, exc)
        raise
    integration.refresh_from_db()
    integration.last_error = ""
    if integration.target_id:
        integration.status = Integration.Status.CONNECTED
    integration.save(update_fields=["status", "last_error", "updated_at"])
    return line


def set_nightly_sync(integration: Integration, *, enabled: bool) -> None:
    """Switches the nightly sync; switching it on needs a connected integration."""
    if enabled and not integration.is_connected:
        text = _("Connect %(tool)s before switching the nightly sync on.")
        raise IntegrationRefused(text % {"tool": integration.tool_label})
    integration.nightly_sync = enabled
    integration.save(update_fields=["nightly_sync", "updated_at"])


def disconnect(integration: Integration) -> None:
    """Forgets the credentials and stops the nightly sync; runs, records and choices stay."""
    if _has_running_sync(integration):
        raise IntegrationRefused(RUNNING_SYNC_MESSAGE)
    _clear_connection(integration)
    integration.save(update_fields=CONNECTION_FIELDS)


def _record_error(integration: Integration, exc: ConnectorError) -> None:
    """Stores what went wrong with a working connection: AuthError → reconnect needed, anything
    else → error. An integration with no target chosen yet stays "not connected"."""
    if not integration.target_id:
        status = Integration.Status.NOT_CONNECTED
    elif isinstance(exc, AuthError):
        status = Integration.Status.RECONNECT_NEEDED
    else:
        status = Integration.Status.ERROR
    _store_error(integration, exc, status=status)


def _record_attempt_error(integration: Integration, exc: ConnectorError) -> None:
    """A failed attempt to connect: the last error is stored, the status is left as it was."""
    _store_error(integration, exc, status=integration.status)


def _store_error(integration: Integration, exc: ConnectorError, *, status: str) -> None:
    if isinstance(exc, NotConfigured):  # the server's problem: the integration stays as it is
        return
    last_error = describe_error(exc)
    Integration.objects.filter(pk=integration.pk).update(
        status=status, last_error=last_error, updated_at=timezone.now()
    )
    integration.status = status
    integration.last_error = last_error
