"""The typed errors of the connectors, and where each problem is fixed.

The sync decides by the class of an error (AuthError ends the run, RateLimited waits, a rejection
fails one invoice) and by its `fix` field where the user fixes it (a setting, the invoice, the
customer, the tool, or nothing: it was temporary). No decision reads the wording of a message.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bookkeeping.texts import later, noop, quoted, text_of

if TYPE_CHECKING:
    from config.texts import StoredText

__all__ = ["later", "noop", "quoted"]  # the connectors word their messages with these

DETAIL_LIMIT = 1000
# Values of these keys (and bearer tokens) are blanked before a reply reaches a message or log.
# Whole keys only ("errorCode" and "Dossiertoken" stay readable where they are not secrets).
SECRET_PATTERN = re.compile(
    r"(?i)(?<![a-z_])(\"?(?:access_token|refresh_token|token|dossiertoken|password|accesskey|access_key|"
    r"client_secret|sessionid|session_id|code)\"?\s*[:=]\s*\"?)([^\"&\s<,}]+)"
)
BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)[\w\-.~+/=]+")
XML_SECRET_PATTERN = re.compile(
    r"(?i)(<(?:\w+:)?(?:accessKey|sessionID|sessionId|AuthenticateResult|password)>)([^<]*)"
)


def scrub(text: str) -> str:
    """The text with anything that looks like a credential or token replaced by ***."""
    text = SECRET_PATTERN.sub(r"\1***", text)
    text = BEARER_PATTERN.sub(r"\1***", text)
    return XML_SECRET_PATTERN.sub(r"\1***", text)


# An operator setting is missing: the message of the ImproperlyConfigured a connector raises. The
# settings page and the sync's notification show it as it is, so it names the setting, never a
# value.
NOT_CONFIGURED_MESSAGE = noop(
    "Booksync is not configured for %(tool)s: ask your administrator to set %(setting)s."
)
RECONNECT_HINT = noop("Reconnect %(tool)s in Integration settings.")
TEMPORARY_HINT = noop("This is usually temporary; the next sync tries again.")


class Fix(StrEnum):
    """Where the user fixes a problem; the link of its issue goes there."""

    SETTINGS = "settings"  # Integration settings; `field` names the setting
    INVOICE = "invoice"  # the invoice in Booksync
    CUSTOMER = "customer"  # the customer in Booksync
    TOOL = "tool"  # in the bookkeeping tool itself
    NOTHING = "nothing"  # temporary: the next sync tries again


# Setting names for `field` when `fix` is SETTINGS: the id of its row on the settings page.
CONNECTION = "connection"
SALES_JOURNAL = "sales_journal"
CREDIT_NOTE_JOURNAL = "credit_note_journal"
REVENUE_ACCOUNT = "default_revenue_account"
COST_CENTRE = "default_cost_centre"


def vat_mapping_field(rate: str) -> str:
    """The `field` of a VAT rate's row in the mapping ("vat-21.00")."""
    return f"vat-{rate}"


# Errors --------------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A failure talking to a tool. `message` is for the user, `hint` says how to fix it, `fix`
    where (a setting named by `field`, the invoice, the customer, the tool, or nothing)."""

    default_fix: Fix = Fix.TOOL

    def __init__(
        self,
        message: StoredText | str,
        *,
        hint: StoredText | str = "",
        status: int | None = None,
        detail: str = "",
        fix: Fix | None = None,
        field: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.status = status
        self.detail = scrub(detail)[:DETAIL_LIMIT]
        self.fix = fix or (Fix.SETTINGS if field else self.default_fix)
        self.field = field

    def __str__(self) -> str:
        parts = [text_of(self.message)]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.detail:
            parts.append(f"[{self.detail}]")
        return " ".join(parts)


class AuthError(ConnectorError):
    """Access was refused for good: the user must reconnect the integration. Ends the run."""

    def __init__(self, message: StoredText | str, **kwargs: Any):
        kwargs.setdefault("field", CONNECTION)
        super().__init__(message, **kwargs)


class AccessExpired(AuthError):
    """Access has expired (a 401, a refused session): `Connector.request` renews it through
    `reauthenticate()` and repeats the call once; raised again, it ends the run as AuthError."""


class RateLimited(ConnectorError):
    """The tool asks us to wait `retry_after` seconds before the next call."""

    default_fix = Fix.NOTHING

    def __init__(self, message: StoredText | str, *, retry_after: float, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = max(0.0, float(retry_after))


class TransientError(ConnectorError):
    """Network trouble, a timeout, a 5xx or an unreadable reply: worth trying again later."""

    default_fix = Fix.NOTHING


class InvoiceRejected(ConnectorError):
    """The tool refused this one invoice (or customer); the others can go on.

    `customer_missing`: the tool says the invoice's customer is not there (deleted in the tool):
    the sync drops the customer's record so that the next run creates the customer again."""

    default_fix = Fix.INVOICE

    def __init__(
        self,
        message: StoredText | str,
        *,
        code: str = "",
        hint: StoredText | str = "",
        customer_missing: bool = False,
        **kwargs: Any,
    ):
        super().__init__(message, hint=hint, **kwargs)
        self.code = code
        self.customer_missing = customer_missing


class ClosedPeriod(InvoiceRejected):
    """The invoice falls in a closed or protected bookkeeping period of the tool."""


class QuotaExceeded(RateLimited):
    """A daily call quota is used up; the next run after the reset can go on."""


class CallsForbidden(Exception):  # noqa: N818 (a stop signal, not an error of the tool)
    """Raised by a connector's `before_call` guard: its caller may no longer call the tool (a
    sync run that another run took over). Not a ConnectorError: nothing is wrong with the tool
    or the record, and nobody catches it but the caller that set the guard."""


def refused_access(tool: str, kind: type[AuthError], **kwargs: Any) -> AuthError:
    """The tool refused our access (a 401, a refused login): reconnect in the settings."""
    message = later("%(tool)s refused our access.", tool=tool)
    return kind(message, hint=later(RECONNECT_HINT, tool=tool), **kwargs)
