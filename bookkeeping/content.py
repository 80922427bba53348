"""A fingerprint of what an invoice says, to notice changes made after it was pushed."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from invoicing.models import Invoice


def content_hash(invoice: Invoice) -> str:
    """SHA-256 of the fields a tool books: customer, dates, currency, kind and the lines."""
    lines = [
        [
            line.description,
            str(line.quantity),
            str(line.unit_price),
            str(line.vat_rate),
            line.revenue_account,
            line.cost_centre,
        ]
        for line in invoice.lines.all()
    ]
    payload = [
        invoice.kind,
        invoice.customer_id,
        invoice.invoice_date.isoformat(),
        invoice.due_date.isoformat(),
        invoice.currency,
        str(invoice.total),
        lines,
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
