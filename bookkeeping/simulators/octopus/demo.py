"""The demo connection of Octopus: what `make demo` stores on its integration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def connection() -> dict[str, Any]:
    """The integration's values (credentials the simulator accepts, its target, journals,
    account, VAT mapping) and `vat_codes`, the tool's VAT codes by percentage."""
    from bookkeeping.simulators import octopus

    return {
        "credentials": {"user": octopus.USER, "password": octopus.PASSWORD},
        "target_id": str(octopus.DOSSIER_ID),
        "target_name": octopus.DOSSIER_NAME,
        "sales_journal": octopus.SALES_JOURNAL,
        "credit_note_journal": octopus.CREDIT_NOTE_JOURNAL,
        "default_revenue_account": str(octopus.REVENUE_ACCOUNT),
        "default_cost_centre": "",
        "vat_mapping": dict(octopus.VAT_MAPPING),
        "vat_codes": {code: Decimal(str(rate)) for code, rate in octopus.VAT_CODES.items()},
    }
