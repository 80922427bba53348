"""The one interface every bookkeeping tool implements, its result types, errors and registry.

A connector only translates: our customers and invoices go out as the tool's payload, and the
reply comes back as a RemoteRef / PushResult or a typed error. It never decides to skip, notify or
reschedule: the sync (bookkeeping.sync) does, by the class of the error.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction
from django.utils.module_loading import import_string

from bookkeeping.connectors.outgoing import (
    PayloadFieldError,
    check_sendable,
    clean_payload,
    tool_text,
)

if TYPE_CHECKING:
    from bookkeeping.models import Integration
    from invoicing.models import Customer, Invoice

logger = logging.getLogger(__name__)
T = TypeVar("T")

VERSION = "1.0"
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


# Results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingFacts:
    """What the tool shows of a booking it holds: the proof that it is (or is not) our invoice.

    `reference` is the tool's reference field exactly as stored; `customer_id` the tool's key of
    the customer (and `customer_code` its code where the tool gives one); `total` the booking's
    total including VAT in the tool's own sign (credit notes negative), None when not shown.
    """

    reference: str
    customer_id: str = ""
    customer_code: str = ""
    total: Decimal | None = None
    document: str = ""


@dataclass(frozen=True)
class RemoteRef:
    """Where one of our records lives in the tool.

    `remote_id` is the tool's key (a GUID, a relation id, a booking key); `number` is what users
    see: the booking number of an invoice, the code of a customer. `facts` (from `find_invoice`)
    is what the tool shows of the booking, for the sync to prove it is this invoice.
    """

    remote_id: str
    number: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    facts: BookingFacts | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PushResult:
    """The outcome of pushing one invoice: a RemoteRef, or the rejection that stopped it."""

    invoice_id: int
    ref: RemoteRef | None = None
    error: InvoiceRejected | None = None
    # True when the tool answered that it already holds this reference: nothing new was booked.
    # Not proof that the booking is this invoice: `ref` is what find_invoice found (None when it
    # found nothing), and the sync links it only when its facts match the invoice.
    already_booked: bool = False

    @property
    def ok(self) -> bool:
        return self.ref is not None


@dataclass(frozen=True)
class Choice:
    """An item of a list fetched from the tool: a division, journal, account or VAT code."""

    code: str
    label: str
    extra: Mapping[str, Any] = field(default_factory=dict)


# Errors --------------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A failure talking to a tool. `message` is for the user, `hint` says how to fix it."""

    def __init__(
        self, message: str, *, hint: str = "", status: int | None = None, detail: str = ""
    ):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.status = status
        self.detail = scrub(detail)[:DETAIL_LIMIT]

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.detail:
            parts.append(f"[{self.detail}]")
        return " ".join(parts)


class AuthError(ConnectorError):
    """Access was refused for good: the user must reconnect the integration. Ends the run."""


class RateLimited(ConnectorError):
    """The tool asks us to wait `retry_after` seconds before the next call."""

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = max(0.0, float(retry_after))


class TransientError(ConnectorError):
    """Network trouble, a timeout, a 5xx or an unreadable reply: worth trying again later."""


class InvoiceRejected(ConnectorError):
    """The tool refused this one invoice (or customer); the others can go on."""

    def __init__(self, message: str, *, code: str = "", hint: str = "", **kwargs: Any):
        super().__init__(message, hint=hint, **kwargs)
        self.code = code


class ClosedPeriod(InvoiceRejected):
    """The invoice falls in a closed or protected bookkeeping period of the tool."""


class QuotaExceeded(RateLimited):
    """A daily call quota is used up; the next run after the reset can go on."""


class CallsForbidden(Exception):  # noqa: N818 (a stop signal, not an error of the tool)
    """Raised by a connector's `before_call` guard: its caller may no longer call the tool (a
    sync run that another run took over). Not a ConnectorError: nothing is wrong with the tool
    or the record, and nobody catches it but the caller that set the guard."""


# A record whose document could not be built: named, with the field when it is known.
UNSENDABLE_FIELD = "{what} cannot be sent to {label}: {field} is not usable ({problem})."
UNSENDABLE_FIELD_HINT = "Correct {field} in Booksync, then retry it from the sync history."
UNSENDABLE = "{what} cannot be sent to {label}: a value of it cannot be put into {label}'s format."
UNSENDABLE_HINT = (
    "Check its texts, dates and amounts (and its customer's) in Booksync, correct what looks "
    "wrong, then retry it from the sync history."
)


# The connector ------------------------------------------------------------------------------


class Connector:
    """One bookkeeping tool. Subclasses set the class attributes and implement the interface.

    A connector is built for one Integration row and reads its decrypted credentials and its
    choices (target, journals, accounts, VAT mapping). It keeps no state between runs other than
    what it saves on the integration (tokens).
    """

    key: ClassVar[str]
    label: ClassVar[str]
    base_url_setting: ClassVar[str]
    supports_updates: ClassVar[bool] = False
    max_batch: ClassVar[int] = 1
    # Fields a user types to connect (name, label, secret?); empty for OAuth tools.
    credential_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = ()
    uses_oauth: ClassVar[bool] = False
    # What the tool calls its target: "division", "dossier", "administration".
    target_label: ClassVar[str] = "target"

    def __init__(self, integration: Integration):
        self.integration = integration
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"Booksync/{VERSION} ({self.key})"
        self.timeout = settings.TOOL_HTTP_TIMEOUT
        # Set by the caller (the sync): run before every call to the tool; raises
        # CallsForbidden when the caller may no longer call (its run was taken over).
        self.before_call: Callable[[], None] | None = None

    @property
    def base_url(self) -> str:
        url = getattr(settings, self.base_url_setting, "")
        if not url:
            raise ImproperlyConfigured(
                NOT_CONFIGURED_MESSAGE.format(tool=self.label, setting=self.base_url_setting)
            )
        return url.rstrip("/")

    # Interface: connecting ---------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        """OAuth tools: the URL of the tool's consent page. Others raise NotImplementedError."""
        raise NotImplementedError(f"{type(self).__name__} does not use OAuth")

    def complete_authorization(self, *, code: str, redirect_uri: str) -> None:
        """OAuth tools: exchange the code for tokens and save them (encrypted). Raises AuthError."""
        raise NotImplementedError(f"{type(self).__name__} does not use OAuth")

    def list_targets(self) -> list[Choice]:
        """Divisions / dossiers / administrations the credentials can reach. Raises AuthError."""
        raise NotImplementedError(f"{type(self).__name__}.list_targets")

    def test_connection(self) -> str:
        """Checks credentials and target with read calls only; returns a line for the user."""
        raise NotImplementedError(f"{type(self).__name__}.test_connection")

    def list_journals(self) -> list[Choice]:
        """Sales journals of the target (code, label). Read-only."""
        raise NotImplementedError(f"{type(self).__name__}.list_journals")

    def list_accounts(self) -> list[Choice]:
        """Revenue (G/L) accounts of the target. Read-only."""
        raise NotImplementedError(f"{type(self).__name__}.list_accounts")

    def list_vat_codes(self) -> list[Choice]:
        """Sales VAT codes of the target; `extra["percentage"]` when the tool gives it."""
        raise NotImplementedError(f"{type(self).__name__}.list_vat_codes")

    # Interface: customers and invoices ---------------------------------------------------

    def find_customer(self, customer: Customer) -> RemoteRef | None:
        """The tool's record of this customer (by our code, then VAT number), or None. Read-only."""
        raise NotImplementedError(f"{type(self).__name__}.find_customer")

    def push_customer(self, customer: Customer) -> RemoteRef:
        """Creates (or upserts) the customer. Call find_customer first: a second create may
        duplicate it in tools that do not upsert. Raises InvoiceRejected when refused."""
        raise NotImplementedError(f"{type(self).__name__}.push_customer")

    def find_invoice(self, invoice: Invoice) -> RemoteRef | None:
        """The booking of this invoice in the tool, found by our invoice number in the tool's own
        reference field, or None when the tool does not have it. Read-only, safe to repeat."""
        raise NotImplementedError(f"{type(self).__name__}.find_invoice")

    def push_invoices(
        self, invoices: Sequence[Invoice], *, customer_refs: Mapping[int, RemoteRef]
    ) -> list[PushResult]:
        """Books up to `max_batch` invoices; one PushResult per invoice, in order.

        `customer_refs` maps customer ids to their RemoteRef. A rejected invoice is a PushResult
        with an error; AuthError, RateLimited and TransientError are raised for the whole call.
        NOT safe to repeat blindly: after a TransientError, call find_invoice first.
        """
        raise NotImplementedError(f"{type(self).__name__}.push_invoices")

    def update_invoice(
        self, invoice: Invoice, ref: RemoteRef, *, customer_ref: RemoteRef
    ) -> RemoteRef:
        """Tools with supports_updates: replaces the booking with the invoice's current content.
        Raises ClosedPeriod when the period is closed. Safe to repeat."""
        raise NotImplementedError(f"{type(self).__name__} cannot update a booked invoice")

    # Building documents ------------------------------------------------------------------

    def prepare_invoice(self, invoice: Invoice, build: Callable[[], T]) -> T:
        """Builds the tool's document of one invoice, after `check_sendable`.

        Whatever goes wrong while building it is that invoice's refusal (InvoiceRejected naming
        it, the field when known, and the fix), never the failure of the run or of a batch.
        """
        what = f"Invoice {tool_text(invoice.number)}"
        return self._prepare(what, lambda: (check_sendable(invoice), build())[1])

    def prepare_customer(self, customer: Customer, build: Callable[[], T]) -> T:
        """Builds the tool's document of one customer; failures as in `prepare_invoice`."""
        what = f"Customer {tool_text(customer.name)} ({tool_text(customer.code)})"
        return self._prepare(what, build)

    def _prepare(self, what: str, build: Callable[[], T]) -> T:
        try:
            return build()
        except (ConnectorError, DatabaseError, CallsForbidden):  # the run's, not the record's
            raise
        except PayloadFieldError as exc:
            raise InvoiceRejected(
                UNSENDABLE_FIELD.format(
                    what=what, label=self.label, field=exc.field, problem=exc.problem
                ),
                code="unsendable",
                hint=UNSENDABLE_FIELD_HINT.format(field=exc.field),
            ) from exc
        except Exception as exc:
            logger.exception("%s: the document of %s could not be built", self.label, what)
            raise InvoiceRejected(
                UNSENDABLE.format(what=what, label=self.label),
                code="unsendable",
                hint=UNSENDABLE_HINT,
                detail=f"{type(exc).__name__}: {exc}",
            ) from exc

    # Plumbing ----------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """One call to the tool with the typed error mapping, written once.

        Connection errors, timeouts and 5xx become TransientError. Idempotent calls (GET, PUT,
        DELETE, or `idempotent=True`) are retried a bounded number of times with backoff and
        jitter first; a POST is not, since the tool may have acted on it: the sync checks with
        find_invoice instead. A 401 calls `reauthenticate()` and retries once (a 401 right after
        that is an AuthError; one after a retried failure renews again); 429 raises
        RateLimited; other 4xx go to `raise_for_response`.
        """
        if idempotent is None:
            idempotent = method.upper() in {"GET", "HEAD", "PUT", "DELETE"}
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        kwargs.setdefault("timeout", self.timeout)
        if "json" in kwargs:  # the one rule for outgoing text (bookkeeping.connectors.outgoing)
            kwargs["json"] = clean_payload(kwargs["json"])
        attempts = settings.TOOL_HTTP_RETRIES + 1 if idempotent else 1
        reauthenticated = False
        attempt = 0
        while True:
            attempt += 1
            if self.before_call is not None:
                self.before_call()
            self.before_request()
            self.prepare_request(kwargs)
            try:
                response = self.session.request(method, url, **kwargs)
                self.after_response(response)
                if response.status_code == 401 and not reauthenticated:
                    self.reauthenticate()  # may fail for a moment: then the next 401 tries again
                    reauthenticated = True
                    attempt -= 1
                    continue
                if response.status_code != 401:  # a later expiry (after a retry) renews again
                    reauthenticated = False
                self.check_response(response)
                return response
            except TransientError as exc:
                if attempt >= attempts:
                    raise
                logger.info(
                    "%s: %s; retrying (%d/%d)", self.label, exc.message, attempt, attempts - 1
                )
            except requests.RequestException as exc:
                error = TransientError(
                    f"{self.label} could not be reached ({type(exc).__name__}).",
                    hint="This is usually temporary; the next sync tries again.",
                    detail=str(exc),
                )
                if attempt >= attempts:
                    raise error from exc
                logger.info(
                    "%s: %s; retrying (%d/%d)", self.label, error.message, attempt, attempts - 1
                )
            self.sleep(self.backoff(attempt))

    def check_response(self, response: requests.Response) -> None:
        """Raises the typed error for a failed response; returns for a success."""
        status = response.status_code
        if status < 400:
            return
        if status == 401:
            raise AuthError(
                f"{self.label} refused our access.",
                hint=f"Reconnect {self.label} in Integration settings.",
                status=status,
                detail=response.text,
            )
        if status == 429:
            raise RateLimited(
                f"{self.label} asks us to slow down.",
                retry_after=self.retry_after(response),
                status=status,
                detail=response.text,
            )
        if status >= 500:
            self.raise_for_server_error(response)
        self.raise_for_response(response)

    @staticmethod
    def backoff(attempt: int) -> float:
        base = settings.TOOL_HTTP_BACKOFF_SECONDS * (2 ** (attempt - 1))
        return base + random.uniform(0, base / 2)  # noqa: S311 (jitter, not cryptography)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)

    @staticmethod
    def retry_after(response: requests.Response) -> float:
        value = response.headers.get("Retry-After", "")
        try:
            return float(value)
        except ValueError:
            return 60.0

    def json(self, response: requests.Response) -> Any:
        """The reply's JSON; an unreadable body is a TransientError (the call may be repeated)."""
        try:
            return response.json()
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
            raise TransientError(
                f"{self.label} sent a reply we could not read.",
                hint="This is usually temporary; the next sync tries again.",
                status=response.status_code,
                detail=response.text,
            ) from exc

    # Hooks -------------------------------------------------------------------------------

    def before_request(self) -> None:
        """Called before every call: obtain or renew access, wait for a rate-limit window."""

    def prepare_request(self, kwargs: dict[str, Any]) -> None:
        """Called before every attempt: add auth headers to `kwargs` (they may have changed)."""

    def after_response(self, response: requests.Response) -> None:
        """Called with every response: read rate-limit headers."""

    def reauthenticate(self) -> None:
        """After a 401: renew access once (refresh a token, log in again). Raises AuthError."""
        raise AuthError(
            f"{self.label} refused our access.",
            hint=f"Reconnect {self.label} in Integration settings.",
        )

    def raise_for_server_error(self, response: requests.Response) -> NoReturn:
        """A 5xx. Tools that report validation errors as 500 override this to read the body."""
        raise TransientError(
            f"{self.label} had an internal error.",
            hint="This is usually temporary; the next sync tries again.",
            status=response.status_code,
            detail=response.text,
        )

    def raise_for_response(self, response: requests.Response) -> NoReturn:
        """A 4xx other than 401/429. Override to read the tool's error body."""
        raise InvoiceRejected(
            f"{self.label} refused the request.",
            hint="Check the data in Booksync and in the tool.",
            status=response.status_code,
            detail=response.text,
        )

    # Credentials -------------------------------------------------------------------------

    @property
    def credentials(self) -> dict[str, Any]:
        return self.integration.credentials

    @contextmanager
    def locked_credentials(self) -> Iterator[dict[str, Any]]:
        """The freshest credentials under a row lock; changes made to the dict are saved
        (encrypted) in the same transaction, so two workers never renew the same token chain."""
        from bookkeeping.models import Integration

        with transaction.atomic():
            row = Integration.objects.select_for_update().get(pk=self.integration.pk)
            credentials = dict(row.credentials)
            yield credentials
            if credentials != row.credentials:
                Integration.objects.filter(pk=row.pk).update(credentials=credentials)
            self.integration.credentials = credentials


# Registry ------------------------------------------------------------------------------------

# key -> (label, dotted path). Every connector is listed here, and only here.
CONNECTORS: dict[str, tuple[str, str]] = {
    "exact_online": ("Exact Online", "bookkeeping.connectors.exact_online.ExactOnlineConnector"),
    "octopus": ("Octopus", "bookkeeping.connectors.octopus.OctopusConnector"),
    "yuki": ("Yuki", "bookkeeping.connectors.yuki.YukiConnector"),
}

# Which tools a company may pick, by the company's country.
TOOLS_BY_COUNTRY: dict[str, tuple[str, ...]] = {
    "BE": ("exact_online", "octopus", "yuki"),
    "NL": ("exact_online", "yuki"),
}
DEFAULT_TOOLS: tuple[str, ...] = ("exact_online",)

TOOL_CHOICES = [(key, label) for key, (label, _) in CONNECTORS.items()]


@cache
def connector_class(key: str) -> type[Connector]:
    try:
        _, path = CONNECTORS[key]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown bookkeeping tool {key!r}; known: {', '.join(CONNECTORS)}"
        ) from None
    return import_string(path)


# An operator setting is missing: the message of the ImproperlyConfigured a connector raises. The
# settings page and the sync's notification show it as it is, so it names the setting, never a
# value.
NOT_CONFIGURED_MESSAGE = (
    "Booksync is not configured for {tool}: ask your administrator to set {setting}."
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
    "push_customer",
    "find_invoice",
    "push_invoices",
    "update_invoice",
)


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
        from bookkeeping.models import RECONNECT_HINT, UNREADABLE_CREDENTIALS_MESSAGE

        label = connector.label

        def refuse(*args: Any, **kwargs: Any) -> NoReturn:
            raise AuthError(
                UNREADABLE_CREDENTIALS_MESSAGE.format(tool=label),
                hint=RECONNECT_HINT.format(tool=label),
            )

        # On the methods, not in request(): a tool's own checks before its first call (Yuki's
        # "no access key is set") would hide the real reason.
        for name in NEEDS_CREDENTIALS:
            if hasattr(connector, name):
                setattr(connector, name, refuse)
    return connector


def tools_for_country(country: str) -> list[tuple[str, str]]:
    keys = TOOLS_BY_COUNTRY.get(country, DEFAULT_TOOLS)
    return [(key, CONNECTORS[key][0]) for key in keys]
