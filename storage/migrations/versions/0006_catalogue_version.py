"""The catalogue's version: a counter that every write to a catalogue table moves on (by trigger, whoever writes it —
the import, the demo, or an operator's own SQL), so the bot may keep the catalogue in memory and ask one tiny
question per unit of work to know whether it is still current (storage/catalogue_cache.py).

Revision ID: 0006_catalogue_version
Revises: 0005_delivery
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op

revision = "0006_catalogue_version"
down_revision = "0005_delivery"
branch_labels = None
depends_on = None

COUNTER = "catalogue_version"
# Everything CustomerOptions and the subjects are built from (storage/repositories/catalogue.py).
TABLES = ("ticket_types", "subjects", "subject_types", "subject_empreendimentos", "subject_stages", "empreendimentos",
          "obras", "units", "unit_items", "customer_units")
BUMP = f"UPDATE counters SET value = value + 1 WHERE name = '{COUNTER}'"


def upgrade() -> None:
    op.execute(f"INSERT INTO counters (name, value) VALUES ('{COUNTER}', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {BUMP};
                RETURN NULL;
            END $$
        """)
        for table in TABLES:  # once per statement: an import of 200k rows moves it once, not 200k times
            op.execute(f"CREATE TRIGGER {table}_catalogue_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version()")
    else:
        for table in TABLES:  # SQLite has row triggers only
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_catalogue_version_{event.lower()} AFTER {event} ON {table} "
                           f"BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_catalogue_version")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_version_{event}")
    op.execute(f"DELETE FROM counters WHERE name = '{COUNTER}'")
