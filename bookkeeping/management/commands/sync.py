"""`manage.py sync COMPANY_SLUG`: a sync now, in this process, with the bell's summary."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookkeeping.models import SyncRun
from bookkeeping.sync import SyncNotPossible, SyncRescheduled, sync_company
from invoicing.models import Company


class Command(BaseCommand):
    help = "Sync a company's booked invoices to its bookkeeping tool now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("company_slug")

    def handle(self, *args: Any, company_slug: str, **options: Any) -> None:
        company = Company.objects.filter(slug=company_slug).first()
        if company is None:
            raise CommandError(f"No company with slug {company_slug!r}.")
        try:
            run = sync_company(company, trigger=SyncRun.Trigger.COMMAND)
        except SyncNotPossible as exc:
            raise CommandError(str(exc)) from exc
        except SyncRescheduled as exc:
            self.stdout.write(str(exc.run.summary))
            raise CommandError(
                f"Paused by the tool's rate limit; run again in {exc.retry_after:.0f} s."
            ) from exc
        if run.status == SyncRun.Status.RUNNING:
            raise CommandError(
                f"Another sync of {company.name} is running (run {run.pk}); try again when it ends."
            )
        self.stdout.write(str(run.summary))
        if run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"Sync {run.get_status_display().lower()}.")
