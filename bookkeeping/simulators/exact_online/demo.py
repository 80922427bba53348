"""The demo connection of Exact Online: what `make demo` stores on its integration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def connection() -> dict[str, Any]:
    """The integration's values (credentials the simulator accepts, its target, journals,
    account, VAT mapping) and `vat_codes`, the tool's VAT codes by percentage."""
    from bookkeeping.simulators.exact_online import data

    return {
        # No access token yet: the connector exchanges the refresh token at its first call.
        "credentials": {"refresh_token": data.DEMO_REFRESH_TOKEN},
        "target_id": str(data.DEMO_DIVISION),
        "target_name": data.DIVISIONS[data.DEMO_DIVISION],
        "sales_journal": data.SALES_JOURNAL,
        "credit_note_journal": data.CREDIT_NOTE_JOURNAL,
        "default_revenue_account": data.REVENUE_ACCOUNT,
        "default_cost_centre": "",
        "vat_mapping": dict(data.VAT_MAPPING),
        "vat_codes": {
            code: Decimal(str(percentage)) * 100
            for code, (_label, percentage, kind, blocked) in data.VAT_CODES.items()
            if kind == "S" and not blocked
        },
    }
