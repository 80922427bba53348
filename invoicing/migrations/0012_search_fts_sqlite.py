"""A trigram full-text index for the overview's search on SQLite (nothing happens on PostgreSQL).

SQLite has no index for `LIKE '%q%'`, so a search read every invoice of the company. An FTS5 table
with the trigram tokenizer holds, per invoice, the number, the booking number and the customer's
name, and finds a company's invoices containing a term of 3 characters or more without reading
the others (invoicing/search.py). PostgreSQL has its GIN trigram indexes instead (migration
0011).

Triggers keep it current on every write, whoever makes it: the ORM, bulk or raw INSERTs, raw
UPDATEs and DELETEs, the cascade of a company's deletion, and a renamed customer (the name is
copied into each of its invoices' rows). A table SQLite rebuilds loses its triggers: a later
migration that rebuilds the invoice or customer table on SQLite must run TRIGGERS again (the tests
of tests/invoicing/test_search_index.py fail when they are missing).
"""

from django.db import migrations

TABLE = "invoicing_invoice_search"
# The rowid of an invoice's row: its company's id times STRIDE plus its own id, so that a search
# reads one company's rows alone (FTS5 serves a rowid range) rather than every company's.
STRIDE = 2**40
KEY = f"{{0}}.company_id * {STRIDE} + {{0}}.id"

CREATE = f"""
CREATE VIRTUAL TABLE {TABLE} USING fts5(
    number, booking_number, customer_name, tokenize = 'trigram'
)
"""

FILL = f"""
INSERT INTO {TABLE} (rowid, number, booking_number, customer_name)
SELECT {KEY.format("invoice")}, invoice.number, invoice.booking_number, customer.name
FROM invoicing_invoice AS invoice JOIN invoicing_customer AS customer
    ON customer.id = invoice.customer_id
"""

INSERT_NEW = f"""
    INSERT INTO {TABLE} (rowid, number, booking_number, customer_name)
    SELECT {KEY.format("new")}, new.number, new.booking_number,
        (SELECT name FROM invoicing_customer WHERE id = new.customer_id);
"""

TRIGGERS = (
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_invoice_insert AFTER INSERT ON invoicing_invoice
    BEGIN {INSERT_NEW} END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_invoice_update
    AFTER UPDATE OF id, number, booking_number, customer_id, company_id ON invoicing_invoice
    WHEN old.id IS NOT new.id OR old.number IS NOT new.number
        OR old.booking_number IS NOT new.booking_number OR old.customer_id IS NOT new.customer_id
        OR old.company_id IS NOT new.company_id
    BEGIN
        DELETE FROM {TABLE} WHERE rowid = {KEY.format("old")};
        {INSERT_NEW}
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_invoice_delete AFTER DELETE ON invoicing_invoice
    BEGIN
        DELETE FROM {TABLE} WHERE rowid = {KEY.format("old")};
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_customer_rename AFTER UPDATE OF name ON invoicing_customer
    WHEN old.name IS NOT new.name
    BEGIN
        UPDATE {TABLE} SET customer_name = new.name WHERE rowid IN (
            SELECT {KEY.format("invoice")} FROM invoicing_invoice AS invoice
            WHERE invoice.customer_id = new.id
        );
    END
    """,
)

DROP = [
    *(
        f"DROP TRIGGER IF EXISTS {TABLE}_{name}"
        for name in ("invoice_insert", "invoice_update", "invoice_delete", "customer_rename")
    ),
    f"DROP TABLE IF EXISTS {TABLE}",
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
        SQLiteOnlySQL(sql=[CREATE, FILL, *TRIGGERS], reverse_sql=DROP),
    ]
