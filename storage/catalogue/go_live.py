"""From the demo to production: a real catalogue imported into a database that holds the demo removes the whole demo
first, in the import's transaction (SPEC.md "Catalogue file": demo data never survives into production).

What the demo is: a database whose `service_config.demo_mode` is on holds nothing but the demo — `atendimento demo`
refuses a database with a real catalogue, and everything written while demo mode is on (staff created by joining the
demo group, visitors linked to fictitious customers, atendimentos, notes, notifications, conversations…) is part of
the demonstration. So going live empties every table of demo data, restarts the numbering (the real history's ticket
numbers and ids are free again), and resets the installation's configuration (the demo's staff group included).

Every table of the schema is classified below, either DEMO_DATA (emptied) or KEPT (with why). A test fails for a table
nobody classified, so a table added later cannot be forgotten (tests/integration/test_catalogue_go_live.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.services.staff_access import DEMO_LOGIN_PREFIX
from storage import tables as t
from storage.repositories.customers import DEMO_VISITOR_IDS
from storage.repositories.tickets import TICKET_NUMBER_COUNTER

# Emptied on going live: every row in them was written by the demo or while it ran.
DEMO_DATA = frozenset({
    # the catalogue
    "ticket_types", "empreendimentos", "obras", "units", "unit_items", "staff_users", "subjects", "subject_types",
    "subject_empreendimentos", "subject_stages", "customers", "customer_phones", "customer_units",
    # atendimentos and what hangs on them
    "tickets", "stages", "notes", "pendencias", "internal_messages",
    # notifications queued or sent to demo people, and the pacing of their chats
    "outbox", "change_log", "send_budget", "delivery_pacing",
    # conversations (wizard drafts, questions waiting for an answer) of the people who tried the demo
    "conversations",
    # linking
    "invitations", "link_attempts",
    # ratings of demo atendimentos, and the weekly reports posted to the demo's group
    "ticket_ratings", "report_posts",
    # messages and attachments exchanged in demo atendimentos (their files are left to the retention job)
    "ticket_messages", "ticket_attachments", "telegram_message_refs",
})

# Kept, each for a reason; what in them belongs to the demo is reset below.
KEPT = {
    "counters": "holds the catalogue version (only ever moves forward: the bot's cache relies on it); the ticket "
                "numbering kept there on SQLite is restarted",
    "bot_lease": "which process runs the bot right now (atendimento run): the running bot holds it through the import",
    "audit_log": "append-only by design (triggers refuse DELETE); nothing is written to it in demo mode",
    "service_config": "the installation's one configuration row: reset to its defaults (demo mode off, no staff "
                      "group) before the real file's `config:` applies",
}


@dataclass
class DemoRemoved:
    """What going live removed: rows per table, and the pieces the summary names."""
    rows: dict[str, int] = field(default_factory=dict)
    staff_from_group: int = 0  # people who became staff by using the demo group
    visitors: int = 0  # demo visitors linked to fictitious customers
    staff_group: int | None = None  # the demo's staff group, no longer the staff group

    def count(self, table: str) -> int:
        return self.rows.get(table, 0)


async def holds_demo(connection: AsyncConnection) -> bool:
    return bool((await connection.execute(
        select(t.service_config.c.demo_mode).where(t.service_config.c.id == 1)
    )).scalar())


async def remove_demo(connection: AsyncConnection) -> DemoRemoved:
    """Empties the demo from the database, in the caller's transaction (a refused file rolls it back)."""
    removed = DemoRemoved()
    removed.staff_group = (await connection.execute(
        select(t.service_config.c.staff_chat_id).where(t.service_config.c.id == 1)
    )).scalar()
    removed.staff_from_group = (await connection.execute(
        select(func.count()).select_from(t.staff_users).where(t.staff_users.c.login.like(f"{DEMO_LOGIN_PREFIX}%"),
                                                               t.staff_users.c.telegram_user_id.is_not(None))
    )).scalar_one()
    removed.visitors = (await connection.execute(
        select(func.count()).select_from(t.customers).where(t.customers.c.id >= DEMO_VISITOR_IDS)
    )).scalar_one()

    # The configuration refers to staff users: reset it first.
    defaults = {c.name: None for c in t.service_config.c if c.name != "id" and c.nullable}
    await connection.execute(delete(t.service_config))
    await connection.execute(t.service_config.insert().values(id=1, **defaults))

    for table in reversed(t.metadata.sorted_tables):  # children before parents
        if table.name in DEMO_DATA:
            result = await connection.execute(delete(table))
            removed.rows[table.name] = max(result.rowcount or 0, 0)
    await connection.execute(delete(t.counters).where(t.counters.c.name == TICKET_NUMBER_COUNTER))
    if connection.dialect.name == "postgresql":
        await _restart_sequences(connection)
    return removed


async def _restart_sequences(connection: AsyncConnection) -> None:
    # ALTER SEQUENCE … RESTART is transactional (PostgreSQL ≥ 10), unlike setval(): a refused file rolls it back.
    preparer = connection.dialect.identifier_preparer
    sequences = ["ticket_number_seq"]
    for table in t.metadata.sorted_tables:
        if table.name not in DEMO_DATA:
            continue
        for column in table.primary_key.columns:
            found = (await connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": preparer.format_table(table), "column": column.name},
            )).scalar()
            if found:
                sequences.append(found)
    for sequence in sequences:
        await connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))

