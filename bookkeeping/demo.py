"""Demo data of the bookkeeping side: one connected integration per demo company (DESIGN §7).

Each demo company gets an active integration with its tool, holding the credentials the tool's
simulator seeds (for Exact Online a refresh token that is exchanged at first use), the simulator's
target, journals, default revenue account and a VAT mapping for the rates the demo invoices use,
with the nightly sync off. Running it again resets the credentials to the seeded ones, so that a
restarted simulator accepts them; the sync history and records are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from bookkeeping.integrations import apply_lock_default, normalize_rate, vat_rates_for
from bookkeeping.models import Integration
from bookkeeping.tools import TOOLS

if TYPE_CHECKING:
    from invoicing.models import Company


def seed_demo_integrations(companies: Iterable[Company] | Mapping[str, Company]) -> None:
    """Connects each demo company (by slug) to its tool's simulator; idempotent.

    Companies whose slug is not a demo slug are left alone. Another active integration of a demo
    company is deactivated (its history stays).
    """
    if isinstance(companies, Mapping):
        companies = companies.values()
    by_slug = {entry.demo_company.slug: entry for entry in TOOLS.values()}
    for company in companies:
        entry = by_slug.get(company.slug)
        if entry is not None:
            _connect(company, {"tool": entry.key, **import_string(entry.demo_connection)()})


def _connect(company: Company, seed: dict[str, Any]) -> Integration:
    vat_codes = seed.pop("vat_codes")
    tool = seed["tool"]
    with transaction.atomic():
        Integration.objects.filter(company=company, is_active=True).exclude(tool=tool).update(
            is_active=False, nightly_sync=False
        )
        integration = (
            Integration.objects.filter(company=company, tool=tool)
            .order_by("-is_active", "-id")
            .first()
        ) or Integration(company=company, tool=tool)
        for name, value in seed.items():
            setattr(integration, name, value)
        integration.vat_mapping = _mapping_for(company, seed["vat_mapping"], vat_codes)
        integration.is_active = True
        apply_lock_default(company, tool_key=tool)
        integration.nightly_sync = False
        # Demo data is synced by whoever tries the demo, without the first-sync preview.
        integration.first_sync_confirmed = True
        integration.status = Integration.Status.CONNECTED
        integration.last_error = ""
        integration.connected_at = integration.connected_at or timezone.now()
        if integration.pk is None:
            integration.save()
        else:
            # Named fields, credentials included: the model's save() leaves credentials out.
            integration.save(
                update_fields=[
                    f.name for f in Integration._meta.concrete_fields if not f.primary_key
                ]
            )
    return integration


def _mapping_for(
    company: Company, mapping: dict[str, str], vat_codes: Mapping[str, Decimal]
) -> dict[str, str]:
    """The seeded mapping, plus a code of the same percentage for any other rate the company's
    invoices use (a rate with no such code stays unmapped: the sync says so)."""
    result = dict(mapping)
    for rate in vat_rates_for(company):
        if rate in result:
            continue
        code = next((code for code, pct in vat_codes.items() if normalize_rate(pct) == rate), None)
        if code is not None:
            result[rate] = code
    return result
