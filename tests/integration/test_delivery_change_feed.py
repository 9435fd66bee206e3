"""The change feed job, on SQLite and PostgreSQL: one run drains the whole journal, however much of it the services
had already told (the common case: every change a service makes is journalled too), and tells the rest once."""
from __future__ import annotations

from sqlalchemy import func, insert, select, text
from telegram import Bot

from bot.jobs.work import Work
from bot.services import Services
from bot.settings import load_settings
from domain.services.tickets import TicketService
from storage import tables as t
from tests.support.builders import build_catalogue, staff_user

TOKEN = "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"  # never used: the feed only records notifications


async def count(db, table, *where) -> int:
    async with db.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def test_one_run_drains_a_journal_longer_than_a_batch(db, uow_factory, clock, database_url):
    cat = await build_catalogue(db)
    tickets = TicketService(uow_factory, clock)
    number = (await tickets.open_ticket(cat.ana, cat.request())).ticket_number
    joao = await staff_user(db, "joao")
    for n in range(3):
        await tickets.add_note(joao, number, 1, f"Observação {n}")  # told by the service: journalled and covered
    async with db.engine.begin() as connection:  # …and a long backlog the services had told already
        await connection.execute(insert(t.change_log), [
            {"entity": "note", "row_id": 10_000 + n, "ticket_id": None, "change": "insert"} for n in range(1200)])
        await connection.execute(text(  # the back office adds one note of its own, last
            "INSERT INTO notes (stage_id, created_at, author, text) "
            "SELECT id, CURRENT_TIMESTAMP, 'ERP', 'Visita agendada' FROM stages ORDER BY id LIMIT 1"))
    work = Work(Services.build(load_settings(database_url=database_url), db, clock), Bot(TOKEN), worker="w")

    assert await work.feed_changes() == 1  # only the back office's note was not told yet
    assert await count(db, t.change_log) == 0
    assert await count(db, t.outbox, t.outbox.c.kind == "note_added") == 4
    assert await work.feed_changes() == 0
