"""The tool's lists on the settings page (targets, journals, accounts, VAT codes, cost
centres), cached in the session per integration and target, so that a page view costs no tool
calls; a tool error becomes one message on the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.http import HttpRequest

from bookkeeping import integrations
from bookkeeping.connectors.base import Choice, ConnectorError
from bookkeeping.models import Integration

TARGETS_SESSION_KEY = "bookkeeping_targets"
LISTS_SESSION_KEY = "bookkeeping_lists"
LIST_NAMES = ("journals", "accounts", "vat_codes", "cost_centres")


def tool_error(request: HttpRequest, exc: ConnectorError) -> None:
    """Shows the error unless it already waits to be shown: an action and the page it redirects
    to, or the targets and the lists of one page, may fail for the same reason (a missing server
    setting). `in` looks at the waiting messages without consuming them."""
    text = str(integrations.describe_error(exc))  # shown now, in the reader's language
    if Message(messages.ERROR, text) not in messages.get_messages(request):
        messages.error(request, text)


def tool_unusable(integration: Integration) -> bool:
    """No tool call is worth making until the user reconnects."""
    return (
        integration.status == Integration.Status.RECONNECT_NEEDED
        or integration.credentials_unreadable
    )


def _dump(choices: list[Choice]) -> list[list[Any]]:
    """[code, label, what the VAT mapping's proposal reads of the extra (JSON-safe)]."""
    return [[choice.code, choice.label, _proposal_extra(choice)] for choice in choices]


def _proposal_extra(choice: Choice) -> dict[str, Any]:
    extra: dict[str, Any] = {"kinds": list(choice.extra.get("kinds", ()))}
    if choice.extra.get("percentage") is not None:
        extra["percentage"] = str(choice.extra["percentage"])
    return extra


def _load(rows: list[list[Any]] | None) -> list[Choice]:
    return [
        Choice(code=str(row[0]), label=str(row[1]), extra=row[2] if len(row) > 2 else {})
        for row in rows or ()
    ]


def cache_targets(request: HttpRequest, integration: Integration, targets: list[Choice]) -> None:
    request.session[TARGETS_SESSION_KEY] = {"id": integration.pk, "items": _dump(targets)}


def forget_lists(request: HttpRequest, *, targets_too: bool = True) -> None:
    if targets_too:
        request.session.pop(TARGETS_SESSION_KEY, None)
    request.session.pop(LISTS_SESSION_KEY, None)


def cached_targets(request: HttpRequest, integration: Integration) -> list[Choice] | None:
    """The targets shown to the user (what they may pick), or None when none are cached."""
    cached = request.session.get(TARGETS_SESSION_KEY) or {}
    return _load(cached.get("items")) if cached.get("id") == integration.pk else None


def targets(request: HttpRequest, integration: Integration) -> list[Choice] | None:
    cached = request.session.get(TARGETS_SESSION_KEY)
    if cached and cached.get("id") == integration.pk:
        return _load(cached["items"])
    if tool_unusable(integration):
        return None
    try:
        targets = integrations.list_targets(integration)
    except ConnectorError as exc:
        tool_error(request, exc)
        return None
    cache_targets(request, integration, targets)
    return targets


def lists(request: HttpRequest, integration: Integration) -> dict[str, list[Choice]] | None:
    key = f"{integration.pk}:{integration.target_id}"
    cached = request.session.get(LISTS_SESSION_KEY)
    if cached and cached.get("key") == key:
        return {name: _load(cached[name]) for name in LIST_NAMES}
    if tool_unusable(integration):
        return None
    fetched = integrations.fetch_lists(integration)
    if fetched.error is not None:
        tool_error(request, fetched.error)
        return None
    lists = {name: getattr(fetched, name) for name in LIST_NAMES}
    request.session[LISTS_SESSION_KEY] = {"key": key} | {
        name: _dump(choices) for name, choices in lists.items()
    }
    return lists
