"""`manage.py seed_demo [--invoices N]`: the demo user, companies, invoices and integrations."""

from __future__ import annotations

import time
from dataclasses import astuple
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookkeeping.demo import seed_demo_integrations
from bookkeeping.tools import TOOLS
from invoicing.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo_data


class Command(BaseCommand):
    help = (
        "Create the demo user, the three demo companies with customers, drafts and booked "
        "invoices, and their integrations. Idempotent: only what is missing is created."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--invoices",
            type=int,
            default=30,
            help="Booked invoices per company (default 30).",
        )

    def handle(self, *args: Any, invoices: int, **options: Any) -> None:
        if invoices < 0:
            raise CommandError("--invoices must be 0 or more.")
        started = time.monotonic()
        demo_companies = [astuple(tool.demo_company) for tool in TOOLS.values()]
        companies = seed_demo_data(
            companies=demo_companies, invoices=invoices, log=self.stdout.write
        )
        seed_demo_integrations(companies)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {time.monotonic() - started:.1f} s: log in as "
                f"{DEMO_USERNAME} / {DEMO_PASSWORD}."
            )
        )
