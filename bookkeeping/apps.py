from __future__ import annotations

from collections.abc import Iterable

from django.apps import AppConfig


def company_tools(company_ids: Iterable[int]) -> dict[int, str]:
    """The tool of each company's active integration, for the company switcher in the header."""
    from bookkeeping.models import Integration

    rows = Integration.objects.filter(company_id__in=list(company_ids), is_active=True)
    return {row.company_id: row.tool_label for row in rows.only("company_id", "tool")}


class BookkeepingConfig(AppConfig):
    name = "bookkeeping"

    def ready(self) -> None:
        from bookkeeping import checks  # noqa: F401 (registers the deploy checks)
        from config.hooks import register_company_tools

        register_company_tools(company_tools)
        from bookkeeping.readiness import review_invoice
        from invoicing import booking_checks

        booking_checks.register(review_invoice)
