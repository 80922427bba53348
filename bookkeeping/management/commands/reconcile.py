"""`manage.py reconcile COMPANY_SLUG`: read what the tool holds and list every discrepancy."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookkeeping.connectors.base import ConnectorError
from bookkeeping.connectors.registry import connector_class
from bookkeeping.reconcile import reconcile_company, summary_line
from invoicing.models import Company

QUOTA_LINE = "That is {share:.1%} of the tool's daily quota of {quota:,} calls."


class Command(BaseCommand):
    help = (
        "Read back what the company's bookkeeping tool holds, reconcile it with Booksync and "
        "print one line per open discrepancy (exit status 1 while one is open)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("company_slug")

    def handle(self, *args: Any, company_slug: str, **options: Any) -> None:
        company = Company.objects.filter(slug=company_slug).first()
        if company is None:
            raise CommandError(f"No company with slug {company_slug!r}.")
        try:
            outcome = reconcile_company(company.pk)
        except ConnectorError as exc:
            raise CommandError(f"{exc.message} {exc.hint}".strip()) from exc
        except NotImplementedError as exc:
            raise CommandError("This bookkeeping tool cannot be read back yet.") from exc
        if outcome is None:
            raise CommandError(f"{company.name} has no connected bookkeeping tool.")
        for discrepancy in outcome.open:
            number = discrepancy.invoice.number if discrepancy.invoice else "-"
            self.stdout.write(f"{discrepancy.kind} {number} {discrepancy.message}")
        integration = company.integrations.get(is_active=True)
        self.stdout.write(summary_line(outcome, integration.tool_label))
        quota = connector_class(integration.tool).daily_quota
        if quota:
            self.stdout.write(QUOTA_LINE.format(share=outcome.calls / quota, quota=quota))
        if outcome.open:
            sys.exit(1)
