"""Trigram full-text indexes for the overview's search on SQLite (nothing happens on PostgreSQL).

SQLite has no index for `LIKE '%q%'`, so a search read every invoice of the company. Two FTS5
tables with the trigram tokenizer find a company's invoices whose number or booking number, and
its customers whose name, contain a term of 3 characters or more without reading the others
(invoicing/search.py). PostgreSQL has its GIN trigram indexes instead (migration 0011).

The rowid of a row is its company's id times STRIDE plus the invoice's (or customer's) id, so
that one company's rows are one range of rowids, which FTS5 reads alone.

Triggers keep them current on every write, whoever makes it: the ORM, bulk or raw INSERTs, raw
UPDATEs and DELETEs, a renamed customer. Each table's triggers touch only that table and its
index: SQLite refuses to rebuild a table that another table's trigger names. A table SQLite
rebuilds (a later migration that alters a column of it on SQLite) loses its own triggers: such a
migration must run its table's TRIGGERS again; tests/invoicing/test_search_index.py fails
while one is missing.
"""

from django.db import migrations

STRIDE = 2**40
# (index table, indexed table, its columns the search reads)
INDEXES = (
    ("invoicing_invoice_search", "invoicing_invoice", ("number", "booking_number")),
    ("invoicing_customer_search", "invoicing_customer", ("name",)),
)


def key(row: str) -> str:
    return f"{row}.company_id * {STRIDE} + {row}.id"


def statements(index: str, table: str, columns: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The statements that create, fill and keep `index` for `table`, and those that drop it."""
    names = ", ".join(columns)
    insert = (
        f"INSERT INTO {index} (rowid, {names}) "
        f"SELECT {key('new')}, {', '.join(f'new.{c}' for c in columns)};"
    )
    delete = f"DELETE FROM {index} WHERE rowid = {key('old')};"
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("id", "company_id", *columns))
    create = [
        f"CREATE VIRTUAL TABLE {index} USING fts5({names}, tokenize = 'trigram')",
        f"INSERT INTO {index} (rowid, {names}) SELECT {key(table)}, {names} FROM {table}",
        *triggers(index, table, columns, insert=insert, delete=delete, changed=changed),
    ]
    drop = [
        *(f"DROP TRIGGER IF EXISTS {index}_{event}" for event in ("insert", "update", "delete")),
        f"DROP TABLE IF EXISTS {index}",
    ]
    return create, drop


def triggers(index, table, columns, *, insert, delete, changed):
    """TRIGGERS: run them again after SQLite rebuilds `table` (see above)."""
    watched = ", ".join(("id", "company_id", *columns))
    return [
        f"CREATE TRIGGER IF NOT EXISTS {index}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_update AFTER UPDATE OF {watched} ON {table} "
        f"WHEN {changed} BEGIN {delete} {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_delete AFTER DELETE ON {table} BEGIN {delete} END",
    ]


class SQLiteOnlySQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases (PostgreSQL has its trigram indexes)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0011_search_trigram_indexes"),
    ]

    operations = [
        SQLiteOnlySQL(sql=create, reverse_sql=drop)
        for create, drop in (statements(*index) for index in INDEXES)
    ]
