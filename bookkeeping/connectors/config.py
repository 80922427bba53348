"""What every connector reads of its Integration row, once, as a frozen dataclass.

Tools subclass `ConnectorConfig` for their own extra fields (credentials, operator settings) and
override `from_integration` to add them (saleor `AvataxConfiguration`, hc `TelegramConf`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from bookkeeping.models import Integration


@dataclass(frozen=True)
class ConnectorConfig:
    """The choices of an integration: target, journals, default accounts and the VAT mapping.

    Texts are stripped; the credit-note journal falls back to the sales journal.
    """

    target_id: str = ""
    sales_journal: str = ""
    credit_note_journal: str = ""
    default_revenue_account: str = ""
    vat_mapping: Mapping[str, str] = field(default_factory=dict)
    default_cost_centre: str = ""

    @classmethod
    def from_integration(cls, integration: Integration, **extra: Any) -> Self:
        """The config of the row; `extra` are the fields a tool's subclass adds."""
        sales_journal = (integration.sales_journal or "").strip()
        return cls(
            target_id=str(integration.target_id or "").strip(),
            sales_journal=sales_journal,
            credit_note_journal=(integration.credit_note_journal or "").strip() or sales_journal,
            default_revenue_account=(integration.default_revenue_account or "").strip(),
            vat_mapping=dict(integration.vat_mapping or {}),
            default_cost_centre=(integration.default_cost_centre or "").strip(),
            **extra,
        )

    def journal_of(self, kind: str) -> str:
        """The journal an invoice of this kind ("invoice", "credit_note") is booked in."""
        return self.credit_note_journal if kind == "credit_note" else self.sales_journal

    def revenue_account_of(self, line: Any) -> str:
        """The revenue account a line is booked on: its own, else the integration's default."""
        return (line.revenue_account or self.default_revenue_account or "").strip()
