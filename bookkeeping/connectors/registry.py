"""The connector of an integration, from the registry of tools (`bookkeeping.tools`)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, NoReturn

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from bookkeeping.connectors.errors import (
    NOT_CONFIGURED_MESSAGE,
    RECONNECT_HINT,
    AuthError,
    later,
    noop,
)
from bookkeeping.tools import TOOLS

if TYPE_CHECKING:
    from bookkeeping.connectors.base import Connector
    from bookkeeping.models import Integration

__all__ = [
    "NOT_CONFIGURED_MESSAGE",
    "RECONNECT_HINT",
    "connector_class",
    "get_connector",
]

# Shown when no encryption key can read an integration's stored credentials.
UNREADABLE_CREDENTIALS_MESSAGE = noop(
    "Booksync can no longer read the stored credentials of %(tool)s (the encryption key was "
    "changed)."
)

# The interface methods that use the stored credentials (the OAuth ones replace them instead).
NEEDS_CREDENTIALS = (
    "list_targets",
    "test_connection",
    "list_journals",
    "list_accounts",
    "list_vat_codes",
    "list_cost_centres",
    "find_customer",
    "find_customers",
    "push_customer",
    "create_customer",
    "find_invoice",
    "push_invoices",
    "update_invoice",
)


def connector_class(key: str) -> type[Connector]:
    entry = TOOLS.get(key)
    if entry is None:
        raise ImproperlyConfigured(f"Unknown bookkeeping tool {key!r}; known: {', '.join(TOOLS)}")
    return _import(entry.connector)


@cache
def _import(path: str) -> Any:
    return import_string(path)


def get_connector(integration: Integration) -> Connector:
    """The connector of the integration.

    When no encryption key can read the stored credentials (`credentials_unreadable`), every
    interface method that needs them raises AuthError with the reason and the reconnect hint, so
    that callers treat it as any refused access (the sync ends the run and marks the integration
    "reconnect needed"; the settings page says so) instead of crashing. The OAuth methods stay
    usable: they are how the user replaces the credentials.
    """
    connector = connector_class(integration.tool)(integration)
    if getattr(integration, "credentials_unreadable", False):
        label = connector.label

        def refuse(*args: Any, **kwargs: Any) -> NoReturn:
            raise AuthError(
                later(UNREADABLE_CREDENTIALS_MESSAGE, tool=label),
                hint=later(RECONNECT_HINT, tool=label),
            )

        # On the methods, not in request(): a tool's own checks before its first call (Yuki's
        # "no access key is set") would hide the real reason.
        for name in NEEDS_CREDENTIALS:
            if hasattr(connector, name):
                setattr(connector, name, refuse)
    return connector
