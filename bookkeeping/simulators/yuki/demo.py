"""The demo connection of Yuki: what `make demo` stores on its integration."""

from __future__ import annotations

from typing import Any


def connection() -> dict[str, Any]:
    """The integration's values (credentials the simulator accepts, its target, journals,
    account, VAT mapping) and `vat_codes`, the tool's VAT codes by percentage."""
    from bookkeeping.simulators import yuki

    return {
        "credentials": {"access_key": yuki.ACCESS_KEY},
        "target_id": yuki.ADMINISTRATION_ID,
        "target_name": yuki.ADMINISTRATION_NAME,
        # Yuki books imported invoices in the administration's own sales journal.
        "sales_journal": "sales",
        "credit_note_journal": "sales",
        "default_revenue_account": yuki.DEFAULT_GL_ACCOUNT,
        "default_cost_centre": "",
        # Yuki's low-rate VAT type is 6% in Belgium and 9% in the Netherlands.
        "vat_mapping": {**yuki.VAT_MAPPING, "9.00": "2"},
        "vat_codes": {code: rate for code, (_label, rate) in yuki.VAT_TYPES.items()},
    }
