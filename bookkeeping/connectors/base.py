"""The one interface every bookkeeping tool implements, its result types, errors and registry.

A connector only translates: our customers and invoices go out as the tool's payload, and the
reply comes back as a RemoteRef / PushResult or a typed error. It never decides to skip, notify or
reschedule: the sync (bookkeeping.sync) does, by the class of the error.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import classproperty
from django.utils.translation import gettext_lazy as _lazy

from bookkeeping.connectors.config import ConnectorConfig
from bookkeeping.connectors.credentials import StoredCredentials
from bookkeeping.connectors.customers import CustomerLookup
from bookkeeping.connectors.documents import DocumentBuilding
from bookkeeping.connectors.errors import (
    CONNECTION,
    COST_CENTRE,
    CREDIT_NOTE_JOURNAL,
    NOT_CONFIGURED_MESSAGE,
    REVENUE_ACCOUNT,
    SALES_JOURNAL,
    TEMPORARY_HINT,
    AccessExpired,
    AuthError,
    CallsForbidden,
    ClosedPeriod,
    ConnectorError,
    Fix,
    InvoiceRejected,
    QuotaExceeded,
    RateLimited,
    TransientError,
    later,
    noop,
    refused_access,
    scrub,
    vat_mapping_field,
)
from bookkeeping.connectors.outgoing import clean_payload
from bookkeeping.connectors.preview import Previewing
from bookkeeping.connectors.results import (
    BookingFacts,
    Choice,
    OpenItem,
    Payments,
    PushResult,
    ReadBack,
    RemoteRef,
)
from bookkeeping.tools import TOOLS, Tool

# Re-exported: connectors and the sync import the interface's types from here.
__all__ = [
    "CONNECTION",
    "COST_CENTRE",
    "CREDIT_NOTE_JOURNAL",
    "REVENUE_ACCOUNT",
    "SALES_JOURNAL",
    "AccessExpired",
    "AuthError",
    "BookingFacts",
    "CallsForbidden",
    "Choice",
    "ClosedPeriod",
    "Connector",
    "ConnectorConfig",
    "ConnectorError",
    "Fix",
    "InvoiceRejected",
    "OpenItem",
    "Payments",
    "PushResult",
    "ReadBack",
    "QuotaExceeded",
    "RateLimited",
    "RemoteRef",
    "TransientError",
    "scrub",
    "vat_mapping_field",
]

if TYPE_CHECKING:
    from bookkeeping.models import Integration
    from invoicing.models import Customer, Invoice

logger = logging.getLogger(__name__)
T = TypeVar("T")

VERSION = "1.0"


class Connector(StoredCredentials, DocumentBuilding, Previewing, CustomerLookup):
    """One bookkeeping tool. Subclasses set `key` and implement the interface.

    Built for one Integration row, it reads its credentials and choices into `config` and keeps
    no state between runs but what it saves on the integration (tokens). What Booksync knows of
    the tool (label, settings, credential fields, OAuth) is `bookkeeping.tools.TOOLS[key]`."""

    key: ClassVar[str]
    max_batch: ClassVar[int] = 1
    # References a payment refresh asks `read_payments` at once (None: one list of every item).
    payment_references_per_read: ClassVar[int | None] = 2_000
    # Calls a day the tool allows (shared by the domain), where it counts them per day.
    daily_quota: ClassVar[int | None] = None
    # What the tool calls its target: "division", "dossier", "administration".
    target_label: ClassVar[str] = _lazy("target")
    # The config class of the tool (a ConnectorConfig subclass when it reads more of the row).
    config_class: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    # The refusal of an invoice whose VAT rate has no code in the mapping; tools override it.
    UNMAPPED_VAT: ClassVar[str] = noop(
        "Invoice %(number)s: VAT rate %(rate)s%% has no VAT code in %(label)s"
    )
    UNMAPPED_VAT_HINT: ClassVar[str] = noop("Map %(rate)s%% to a VAT code in Integration settings")

    def __init__(self, integration: Integration):
        self.integration = integration
        self.config = self.config_class.from_integration(integration)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"Booksync/{VERSION} ({self.key})"
        self.timeout = settings.TOOL_HTTP_TIMEOUT
        # Set by the caller (the sync): run before every call to the tool; raises
        # CallsForbidden when the caller may no longer call (its run was taken over).
        self.before_call: Callable[[], None] | None = None
        # True during the calls that obtain access (see `signing_in`).
        self.in_sign_in = False

    # The tool's facts, from the registry -------------------------------------------------

    @classproperty
    def tool(cls) -> Tool:  # noqa: N805 (a class property)
        return TOOLS[cls.key]

    @classproperty
    def label(cls) -> str:  # noqa: N805
        return cls.tool.label

    @classproperty
    def base_url_setting(cls) -> str:  # noqa: N805
        return cls.tool.base_url_setting

    @classproperty
    def supports_updates(cls) -> bool:  # noqa: N805
        """Whether an invoice edited after its booking is pushed again (`update_invoice`)."""
        return cls.tool.pushes_edits

    @classproperty
    def uses_oauth(cls) -> bool:  # noqa: N805
        return cls.tool.uses_oauth

    @classproperty
    def credential_fields(cls) -> tuple[tuple[str, str, bool], ...]:  # noqa: N805
        """Fields a user types to connect as (name, label, secret?); empty for OAuth tools."""
        return tuple((f.name, f.label, f.secret) for f in cls.tool.credential_fields)

    @property
    def base_url(self) -> str:
        url = getattr(settings, self.base_url_setting, "")
        if not url:
            raise ImproperlyConfigured(
                later(NOT_CONFIGURED_MESSAGE, tool=self.label, setting=self.base_url_setting)
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
        """Sales VAT codes of the target; `extra["percentage"]` when the tool gives it, and
        `extra["kinds"]`, the mapping rows the code fits (`vat_kinds`), where the tool makes it
        clear: the settings propose those. Without kinds nothing is proposed. Read-only."""
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

    def reference(self, invoice: Invoice) -> str:
        """What the tool's reference field holds for this invoice: its number, unless the tool
        needs another form (Yuki's digits-only references)."""
        return invoice.number

    def read_payments(self, references: Sequence[str] | None) -> Payments:
        """Payment status of the bookings with these references (the tool's reference field, see
        `reference`): their open items, in as few calls as the API allows; None (tools whose
        `payment_references_per_read` is None): every open item, summed (`Payments.totals`).
        Tools that do not report payments raise NotImplementedError. Read-only, safe to repeat."""
        raise NotImplementedError(f"{type(self).__name__}.read_payments")

    def read_bookings(self, *, since: dt.date, cursor: str = "") -> ReadBack:
        """The bookings of the integration's sales and credit-note journals dated from `since`
        (a complete read), or what changed since `cursor` when the tool keeps one; batched in as
        few calls as the API allows. Read-only, safe to repeat."""
        raise NotImplementedError(f"{type(self).__name__}.read_bookings")

    # Plumbing ----------------------------------------------------------------------------

    @contextmanager
    def signing_in(self) -> Iterator[None]:
        """Marks the calls made inside as the ones that obtain access (a login, a token
        request): `before_request` and `prepare_request` are skipped for them, and a refusal
        of access is final (no renewal), so that obtaining access never recurses."""
        outer, self.in_sign_in = self.in_sign_in, True
        try:
            yield
        finally:
            self.in_sign_in = outer

    def request(
        self, method: str, path: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """One call to the tool with the typed error mapping, written once.

        Connection errors, timeouts and 5xx become TransientError. Idempotent calls (GET, PUT,
        DELETE, or `idempotent=True`) are retried a bounded number of times with backoff and
        jitter first; a POST is not, since the tool may have acted on it: the sync checks with
        find_invoice instead. When access has expired (a 401, or a hook raising AccessExpired
        such as Yuki's refused session) `reauthenticate()` renews it and the call is repeated
        once (an expiry right after that is an AuthError; one after a retried failure renews
        again); 429 raises RateLimited; other 4xx go to `raise_for_response`. A `data` or
        `json` given as a callable is built again for every attempt (a body that carries the
        session changes when access is renewed).
        """
        if idempotent is None:
            idempotent = method.upper() in {"GET", "HEAD", "PUT", "DELETE"}
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        kwargs.setdefault("timeout", self.timeout)
        attempts = settings.TOOL_HTTP_RETRIES + 1 if idempotent else 1
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            if self.before_call is not None:
                self.before_call()
            try:
                try:
                    response = self._send(method, url, kwargs)
                    self.after_response(response)
                    self.check_response(response)
                    return response
                except AccessExpired:
                    if renewed or self.in_sign_in:
                        raise
                    self.reauthenticate()  # may fail for a moment: the next expiry tries again
                    renewed, attempt = True, attempt - 1
                    continue
            except TransientError as exc:
                renewed = False  # an expiry after a retried failure renews again
                if attempt >= attempts:
                    raise
                logger.info(
                    "%s: %s; retrying (%d/%d)", self.label, exc.message, attempt, attempts - 1
                )
            except requests.RequestException as exc:
                error = TransientError(
                    later(
                        "%(tool)s could not be reached (%(what)s).",
                        tool=self.label,
                        what=type(exc).__name__,
                    ),
                    hint=later(TEMPORARY_HINT),
                    detail=str(exc),
                )
                if attempt >= attempts:
                    raise error from exc
                logger.info(
                    "%s: %s; retrying (%d/%d)", self.label, error.message, attempt, attempts - 1
                )
            self.sleep(self.backoff(attempt))

    def _send(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        """One attempt: the hooks that add access, then the HTTP call."""
        call = dict(kwargs)
        for body in ("data", "json"):
            if callable(call.get(body)):
                call[body] = call[body]()
        if "json" in call:  # the one rule for outgoing text (bookkeeping.connectors.outgoing)
            call["json"] = clean_payload(call["json"])
        if not self.in_sign_in:
            self.before_request()
            self.prepare_request(call)
        return self.session.request(method, url, **call)

    def check_response(self, response: requests.Response) -> None:
        """Raises the typed error for a failed response; returns for a success."""
        status = response.status_code
        if status < 400:
            return
        if status == 401:
            raise refused_access(self.label, AccessExpired, status=status, detail=response.text)
        if status == 429:
            raise RateLimited(
                later("%(tool)s asks us to slow down.", tool=self.label),
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
                later("%(tool)s sent a reply we could not read.", tool=self.label),
                hint=later(TEMPORARY_HINT),
                status=response.status_code,
                detail=response.text,
            ) from exc

    # Hooks -------------------------------------------------------------------------------

    def before_request(self) -> None:
        """Called before every attempt (not while `signing_in`): obtain or renew access, wait
        for a rate-limit window."""

    def prepare_request(self, kwargs: dict[str, Any]) -> None:
        """Called before every attempt (not while `signing_in`): add auth headers to `kwargs`
        (they may have changed)."""

    def after_response(self, response: requests.Response) -> None:
        """Called with every response: read rate-limit headers."""

    def reauthenticate(self) -> None:
        """After an expiry (AccessExpired): renew access (refresh a token, log in again), so that
        the call can be repeated once. Raises AuthError when access cannot be renewed."""
        raise refused_access(self.label, AuthError)

    def raise_for_server_error(self, response: requests.Response) -> NoReturn:
        """A 5xx. Tools that report validation errors as 500 override this to read the body."""
        raise TransientError(
            later("%(tool)s had an internal error.", tool=self.label),
            hint=later(TEMPORARY_HINT),
            status=response.status_code,
            detail=response.text,
        )

    def raise_for_response(self, response: requests.Response) -> NoReturn:
        """A 4xx other than 401/429. Override to read the tool's error body."""
        raise InvoiceRejected(
            later("%(tool)s refused the request.", tool=self.label),
            hint=later("Check the data in Booksync and in the tool."),
            status=response.status_code,
            detail=response.text,
        )
