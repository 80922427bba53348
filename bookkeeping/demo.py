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

from bookkeeping.integrations import normalize_rate, vat_rates_for
from bookkeeping.models import Integration

if TYPE_CHECKING:
    from invoicing.models import Company


def _exact_online() -> dict[str, Any]:
    from bookkeeping.simulators.exact_online import data

    return {
        "tool": "exact_online",
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


def _octopus() -> dict[str, Any]:
    from bookkeeping.simulators import octopus

    return {
        "tool": "octopus",
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


def _yuki() -> dict[str, Any]:
    from bookkeeping.simulators import yuki

    return {
        "tool": "yuki",
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


# Demo company slug -> the seeded connection of its tool's simulator.
DEMO_CONNECTIONS = {
    "demo-exact": _exact_online,
    "demo-octopus": _octopus,
    "demo-yuki": _yuki,
}


def seed_demo_integrations(companies: Iterable[Company] | Mapping[str, Company]) -> None:
    """Connects each demo company (by slug) to its tool's simulator; idempotent.

    Companies whose slug is not a demo slug are left alone. Another active integration of a demo
    company is deactivated (its history stays).
    """
    if isinstance(companies, Mapping):
        companies = companies.values()
    for company in companies:
        build = DEMO_CONNECTIONS.get(company.slug)
        if build is not None:
            _connect(company, build())


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
        integration.nightly_sync = False
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
