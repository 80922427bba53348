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
from bookkeeping.vat_codes import TREATMENT_KEYS, code_in, line_key
from invoicing.vat import VatTreatment

if TYPE_CHECKING:
    from config.texts import StoredText
    from invoicing.models import Customer, Invoice, InvoiceLine

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
# A line whose VAT treatment (intra-community, export, ...) has no VAT code in the mapping.
UNMAPPED_TREATMENT = noop("Invoice %(number)s: %(treatment)s has no VAT code in %(label)s.")
UNMAPPED_TREATMENT_HINT = noop(
    "Map “%(treatment)s” to a VAT code of the tool in Integration settings, then retry the invoice."
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

    def vat_code(self, invoice: Invoice, line: InvoiceLine) -> str:
        """The tool's VAT code of a line in the integration's mapping (`bookkeeping.vat_codes`:
        by rate, "21.00", for a rated line; by treatment, "intra_goods", for the others).
        Raises InvoiceRejected (code "vat_mapping", fixed in the setting of that row, whose
        message names the rate or the treatment) when it has none."""
        code = code_in(self.config.vat_mapping, line)
        if code is not None:
            return code
        key = line_key(line)
        if key in TREATMENT_KEYS:
            treatment = VatTreatment(key).label
            message = later(
                UNMAPPED_TREATMENT, number=invoice.number, treatment=treatment, label=self.label
            )
            hint = later(UNMAPPED_TREATMENT_HINT, treatment=treatment)
        else:
            shown = format(Decimal(key).normalize(), "f")
            message = later(self.UNMAPPED_VAT, number=invoice.number, rate=shown, label=self.label)
            hint = later(self.UNMAPPED_VAT_HINT, rate=shown)
        raise InvoiceRejected(
            message, code="vat_mapping", hint=hint, fix=Fix.SETTINGS, field=vat_mapping_field(key)
        )
