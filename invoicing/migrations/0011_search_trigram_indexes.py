"""Trigram indexes for the overview's search (PostgreSQL only; nothing happens on SQLite).

The search matches any part of the invoice number, the booking number and the customer's name,
case-insensitively: Django writes `UPPER(column::text) LIKE UPPER('%q%')`, which a B-tree index
cannot serve. pg_trgm GIN indexes on that same expression can, so a search that matches few
invoices reads those few instead of every invoice of the company. The indexes are built
CONCURRENTLY (the migration is not atomic), so a large invoice table keeps taking writes.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = (
    ("invoice_number_trgm_idx", "invoicing_invoice", "number"),
    ("invoice_booking_trgm_idx", "invoicing_invoice", "booking_number"),
    ("customer_name_trgm_idx", "invoicing_customer", "name"),
)


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases (the demo and the fast tests use SQLite)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("invoicing", "0010_not_ready_state"),
    ]

    operations = [
        TrigramExtension(),
        *(
            PostgresOnlySQL(
                sql=(
                    f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" '
                    f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
                ),
                reverse_sql=f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"',
            )
            for name, table, column in INDEXES
        ),
    ]
