"""Benchmark data in bulk: companies, customers, booked invoices with lines, integrations.

Rows go in with plain multi-row INSERTs (the ORM's per-object work would dominate a
100,000-invoice company); invoice numbers are unique per company, like real booked ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bookkeeping.models import Integration
from bookkeeping.simulators.exact_online import data as exact_data
from bookkeeping.simulators.octopus import data as octopus_data
from bookkeeping.simulators.yuki import common as yuki_data
from invoicing.models import Company, Customer, Invoice, InvoiceLine, Membership

BATCH = 2000
YEAR = 2026
_serial = count(1)
# (description, unit price, VAT rate) of the one to three lines an invoice has.
LINES = [
    ("Consultancy (hours)", Decimal("95.00"), Decimal("21.00")),
    ("Printed catalogues", Decimal("12.40"), Decimal("6.00")),
    ("Training day", Decimal("450.00"), Decimal("21.00")),
]


def company(label: str, *, user: Any = None) -> Company:
    """A Belgian company with an admin user `bench-<label>` (no usable password: the overview
    logs in with `force_login`, and hashing one costs half a second a company)."""
    n = next(_serial)
    company = Company.objects.create(
        name=f"Bench {label} {n}", slug=f"bench-{label}-{n}", country="BE", currency="EUR"
    )
    if user is None:
        user = get_user_model().objects.create_user(f"bench-{label}-{n}", password=None)
    Membership.objects.create(user=user, company=company, role=Membership.Role.ADMIN)
    return company


def customers(company: Company, n: int) -> list[Customer]:
    rows = [
        Customer(
            company=company,
            name=f"Customer {i:05d} of {company.slug}",
            code=f"{i:05d}",
            vat_number=be_vat_number(company.pk * 1000 + i),
            email=f"billing{i}@example.com",
            address=f"Kerkstraat {i}",
            postal_code="2000",
            city="Antwerpen",
            country="BE",
        )
        for i in range(1, n + 1)
    ]
    Customer.objects.bulk_create(rows, batch_size=BATCH)
    return list(Customer.objects.filter(company=company).order_by("id"))


def be_vat_number(k: int) -> str:
    """A valid Belgian VAT number, different for every k below 5,000,000."""
    base = f"0{4_000_000 + k % 5_000_000:07d}"
    return f"BE{base}{97 - int(base) % 97:02d}"


def invoices(
    company: Company, people: list[Customer], n: int, *, lines: bool = True, start: int = 0
) -> None:
    """`n` booked invoices (numbered after `start`) spread over the year, with 1-3 lines each."""
    now = timezone.now()
    first = dt.date(YEAR, 1, 2)
    invoice_rows, line_specs = [], []
    for i in range(start, start + n):
        number = f"{YEAR}-{i + 1:06d}"
        invoice_date = first + dt.timedelta(days=(i * 320) // max(n + start, 1))
        specs = [(*LINES[(i + k) % len(LINES)], Decimal(1 + (i + k) % 5)) for k in range(1 + i % 3)]
        subtotal = sum((price * qty for _, price, _, qty in specs), Decimal(0))
        vat = sum((price * qty * rate / 100 for _, price, rate, qty in specs), Decimal(0))
        vat = vat.quantize(Decimal("0.01"))
        customer = people[i % len(people)]
        invoice_rows.append(
            (company.pk, customer.pk, "booked", "invoice", number, invoice_date,
             invoice_date + dt.timedelta(days=30), "EUR", "", subtotal, vat, subtotal + vat,
             now, None, "", "not_synced", "", now, now)
        )  # fmt: skip
        line_specs.append((number, specs))
    columns = (
        "company_id", "customer_id", "status", "kind", "number", "invoice_date", "due_date",
        "currency", "notes", "subtotal", "vat_total", "total", "booked_at", "booked_by_id",
        "booking_number", "sync_state", "sync_message", "created_at", "updated_at",
    )  # fmt: skip
    with transaction.atomic():
        insert(Invoice, columns, invoice_rows)
        if not lines:
            return
        ids = dict(Invoice.objects.filter(company=company).values_list("number", "id"))
        line_rows = [
            (ids[number], position, description, qty, price, rate, "", "")
            for number, specs in line_specs
            for position, (description, price, rate, qty) in enumerate(specs)
        ]
        line_columns = (
            "invoice_id", "position", "description", "quantity", "unit_price", "vat_rate",
            "revenue_account", "cost_centre",
        )  # fmt: skip
        insert(InvoiceLine, line_columns, line_rows)


def insert(model: Any, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Multi-row INSERTs of raw values (dates, decimals and datetimes adapted by the driver)."""
    ops = connection.ops
    adapted = [tuple(_adapt(ops, value) for value in row) for row in rows]
    quote = ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # SQLite allows 32,766 parameters a statement.
    per_statement = max(1, min(BATCH, 30000 // len(columns)))
    with connection.cursor() as cursor:
        for start in range(0, len(adapted), per_statement):
            chunk = adapted[start : start + per_statement]
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES " + ", ".join(
                [one] * len(chunk)
            )
            cursor.execute(sql, [value for row in chunk for value in row])


def analyze() -> None:
    """Planner statistics (and, on PostgreSQL, no dead rows) after bulk inserts and updates, as
    autovacuum gives a production database; without them the planner guesses from empty tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in (Invoice, Customer):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")


def _adapt(ops: Any, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


# Integrations ------------------------------------------------------------------------------


def integration(company: Company, tool: str, *, division: int | None = None, **extra: Any):
    """A connected integration of `company` with the simulator's demo credentials and target.

    For Exact Online, `division` gives the company its own division and a refresh token of its
    own (see BenchExact.add_division), so that the simulator counts calls per company.
    """
    fields: dict[str, Any]
    if tool == "exact_online":
        fields = {
            "credentials": {"refresh_token": exact_token(division)},
            "target_id": str(division or exact_data.DEMO_DIVISION),
            "target_name": f"Division {division or exact_data.DEMO_DIVISION}",
            "sales_journal": exact_data.SALES_JOURNAL,
            "credit_note_journal": exact_data.CREDIT_NOTE_JOURNAL,
            "default_revenue_account": exact_data.REVENUE_ACCOUNT,
            "vat_mapping": dict(exact_data.VAT_MAPPING),
        }
    elif tool == "octopus":
        fields = {
            "credentials": {"user": octopus_data.USER, "password": octopus_data.PASSWORD},
            "target_id": str(octopus_data.DOSSIER_ID),
            "target_name": octopus_data.DOSSIER_NAME,
            "sales_journal": octopus_data.SALES_JOURNAL,
            "credit_note_journal": octopus_data.CREDIT_NOTE_JOURNAL,
            "default_revenue_account": str(octopus_data.REVENUE_ACCOUNT),
            "vat_mapping": dict(octopus_data.VAT_MAPPING),
        }
    else:
        fields = {
            "credentials": {"access_key": yuki_data.ACCESS_KEY},
            "target_id": yuki_data.ADMINISTRATION_ID,
            "target_name": yuki_data.ADMINISTRATION_NAME,
            "sales_journal": "sales",
            "credit_note_journal": "sales",
            "default_revenue_account": yuki_data.DEFAULT_GL_ACCOUNT,
            "vat_mapping": dict(yuki_data.VAT_MAPPING),
        }
    fields.update(extra)
    return Integration.objects.create(
        company=company,
        tool=tool,
        status=Integration.Status.CONNECTED,
        connected_at=timezone.now(),
        **fields,
    )


def exact_token(division: int | None) -> str:
    return f"bench-refresh-{division}" if division else exact_data.DEMO_REFRESH_TOKEN
