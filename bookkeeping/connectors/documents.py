"""Building a tool's documents: whatever goes wrong while building one invoice's or customer's
document is that record's refusal, never the failure of the run or of a batch."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import DatabaseError

from bookkeeping.connectors.errors import (
    CallsForbidden,
    ConnectorError,
    Fix,
    InvoiceRejected,
    later,
    noop,
    quoted,
    vat_mapping_field,
)
from bookkeeping.connectors.outgoing import PayloadFieldError, check_sendable, tool_text

if TYPE_CHECKING:
    from config.texts import StoredText
    from invoicing.models import Customer, Invoice

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A record whose document could not be built: named, with the field when it is known.
UNSENDABLE_FIELD = noop(
    "%(what)s cannot be sent to %(label)s: %(field)s is not usable (%(problem)s)."
)
UNSENDABLE_FIELD_HINT = noop("Correct %(field)s in Booksync, then retry it from the sync history.")
UNSENDABLE = noop(
    "%(what)s cannot be sent to %(label)s: a value of it cannot be put into the format of %(label)s."
)
UNSENDABLE_HINT = noop(
    "Check its texts, dates and amounts (and its customer's) in Booksync, correct what looks "
    "wrong, then retry it from the sync history."
)


class DocumentBuilding:
    """The part of a connector that builds documents (mixed into `Connector`: uses `label`)."""

    label: str
    config: Any
    UNMAPPED_VAT: str
    UNMAPPED_VAT_HINT: str

    def prepare_invoice(self, invoice: Invoice, build: Callable[[], T]) -> T:
        """Builds the tool's document of one invoice, after `check_sendable`.

        Whatever goes wrong while building it is that invoice's refusal (InvoiceRejected naming
        it, the field when known, and the fix), never the failure of the run or of a batch.
        """
        what = later("Invoice %(number)s", number=quoted(tool_text(invoice.number)))
        return self._prepare(what, lambda: (check_sendable(invoice), build())[1])

    def prepare_customer(self, customer: Customer, build: Callable[[], T]) -> T:
        """Builds the tool's document of one customer; failures as in `prepare_invoice`."""
        name, code = quoted(tool_text(customer.name)), quoted(tool_text(customer.code))
        what = later("Customer %(name)s (%(code)s)", name=name, code=code)
        return self._prepare(what, build)

    def _prepare(self, what: StoredText, build: Callable[[], T]) -> T:
        try:
            return build()
        except (ConnectorError, DatabaseError, CallsForbidden):  # the run's, not the record's
            raise
        except PayloadFieldError as exc:
            raise InvoiceRejected(
                later(
                    UNSENDABLE_FIELD,
                    what=what,
                    label=self.label,
                    field=quoted(exc.field),
                    problem=quoted(exc.problem),
                ),
                code="unsendable",
                hint=later(UNSENDABLE_FIELD_HINT, field=quoted(exc.field)),
            ) from exc
        except Exception as exc:
            logger.exception("%s: the document of %s could not be built", self.label, what)
            raise InvoiceRejected(
                later(UNSENDABLE, what=what, label=self.label),
                code="unsendable",
                hint=later(UNSENDABLE_HINT),
                detail=f"{type(exc).__name__}: {exc}",
            ) from exc

    def vat_code(self, invoice: Invoice, rate: Decimal | str) -> str:
        """The tool's code of a VAT rate in the integration's mapping (keyed "21.00"; a key as
        users write it, "21", is read too). Raises InvoiceRejected (code "vat_mapping", fixed in
        the setting of that rate) when the rate has no code."""
        key = f"{Decimal(rate):.2f}"
        shown = format(Decimal(key).normalize(), "f")
        code = self.config.vat_mapping.get(key) or self.config.vat_mapping.get(shown, "")
        if not code:
            raise InvoiceRejected(
                later(self.UNMAPPED_VAT, number=invoice.number, rate=shown, label=self.label),
                code="vat_mapping",
                hint=later(self.UNMAPPED_VAT_HINT, rate=shown),
                fix=Fix.SETTINGS,
                field=vat_mapping_field(key),
            )
        return str(code)
