"""Reminders of overdue pendências with a frozen clock, on SQLite and PostgreSQL: once a day from REMINDER_TIME
(08:00 in São Paulo), a digest to the staff group grouped by responsible and one private reminder per responsible —
never twice the same day, however many workers run the job and however often.

João is responsible for the vistoria of Ana's leak (due three days after it was opened); Bruno's, opened a day later,
is reassigned to Maria by the back office.
"""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from telegram import Bot

from bot.delivery.render import render_row
from bot.jobs.work import Work
from bot.services import Services
from bot.settings import load_settings
from domain.services.tickets import TicketService
from storage import tables as t
from storage.database import connect
from storage.delivery_queue import OutboxRow
from storage.notification_payloads import decode_payload
from tests.support.builders import build_catalogue

ZONE = ZoneInfo("America/Sao_Paulo")
TOKEN = "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"  # never used: reminders only record notifications


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def worker(database, clock, database_url: str, name: str) -> Work:
    settings = load_settings(database_url=database_url, timezone="America/Sao_Paulo", reminder_time="08:00")
    return Work(Services.build(settings, database, clock), Bot(TOKEN), worker=name)


async def reminder_rows(db) -> list:
    o = t.outbox
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            select(o).where(o.c.kind.in_(("reminder_digest", "reminder"))).order_by(o.c.id))
        return rows.all()


def shown(row) -> str:
    return render_row(OutboxRow(row.id, row.key, row.audience, row.kind, row.queue, row.recipient_id, row.ticket_id,
                                row.payload, row.attempts, row.created_at), ZONE)


async def test_overdue_pendencias_are_reminded_once_a_day(db, uow_factory, clock, database_url):
    cat = await build_catalogue(db)
    tickets = TicketService(uow_factory, clock)
    clock.at = local(27, 9)
    ana = (await tickets.open_ticket(cat.ana, cat.request())).ticket_number  # due 30/11 09:00
    clock.at = local(28, 9)
    bruno = (await tickets.open_ticket(cat.bruno, cat.request(unit=cat.torre_a_102))).ticket_number  # due 01/12
    async with db.engine.begin() as connection:  # the back office hands Bruno's vistoria to Maria
        ticket_id = select(t.tickets.c.id).where(t.tickets.c.number == bruno).scalar_subquery()
        await connection.execute(update(t.stages).where(t.stages.c.ticket_id == ticket_id)
                                 .values(responsible_id=cat.staff["maria"]))
    work = worker(db, clock, database_url, "w1")

    clock.at = local(30, 7, 59)  # before the reminder time: nothing at all
    assert await work.remind() == 0
    assert await reminder_rows(db) == []

    clock.at = local(30, 8)  # Ana's is due at 09:00 today: due, not overdue
    assert await work.remind() == 0
    [quiet_day] = await reminder_rows(db)
    assert (quiet_day.key, quiet_day.state) == ("g:digest:2026-11-30", "skipped")  # the day is done all the same
    clock.at = local(30, 15)  # overdue since 09:00, but today's reminders are done: tomorrow's digest
    assert await work.remind() == 0
    assert len(await reminder_rows(db)) == 1

    clock.at = local(1, 8, month=12)  # Ana's overdue; Bruno's due at 09:00 today
    assert await work.remind() == 2
    digest, joao = (await reminder_rows(db))[1:]
    assert (digest.key, digest.state, joao.key) == ("g:digest:2026-12-01", "pending",
                                                   f"u:{cat.staff['joao']}:reminder:2026-12-01")
    assert [group.responsible for group in decode_payload(digest.kind, digest.payload).groups] == ["João Silva"]
    assert shown(digest) == (
        "⏰ <b>Pendências atrasadas</b>\n\n<b>João Silva</b> (1)\n"
        f"• nº {ana}, etapa 1 — Vistoria técnica (prazo 30/11/2026 09:00)"
    )
    assert shown(joao).startswith("⏰ Você tem <b>1</b> pendência(s) atrasada(s):")
    clock.at = local(1, 15, month=12)  # Bruno's overdue now: already reminded today, nobody hears twice
    assert await work.remind() == 0
    assert len(await reminder_rows(db)) == 3

    clock.at = local(2, 8, 5, month=12)
    assert await work.remind() == 3  # the digest, João's and Maria's
    rows = await reminder_rows(db)
    digest = next(r for r in rows if r.key == "g:digest:2026-12-02")
    groups = decode_payload(digest.kind, digest.payload).groups
    assert [(g.responsible, [item.ticket_number for item in g.items]) for g in groups] == [
        ("João Silva", [ana]), ("Maria Oliveira", [bruno])]
    assert {r.key for r in rows if r.key.endswith("2026-12-02")} == {
        "g:digest:2026-12-02", f"u:{cat.staff['joao']}:reminder:2026-12-02",
        f"u:{cat.staff['maria']}:reminder:2026-12-02"}


async def test_two_workers_at_once_remind_once(db, uow_factory, clock, database_url):
    cat = await build_catalogue(db)
    clock.at = local(27, 9)
    await TicketService(uow_factory, clock).open_ticket(cat.ana, cat.request())
    clock.at = local(3, 8, month=12)
    other = connect(database_url)  # a second process's own connections
    try:
        first, second = worker(db, clock, database_url, "w1"), worker(other, clock, database_url, "w2")
        recorded = []
        for _ in range(3):  # each worker's job runs every few minutes
            recorded += await asyncio.gather(first.remind(), second.remind())
        assert sorted(recorded) == [0, 0, 0, 0, 0, 2]  # one of the six runs recorded the day's two reminders
    finally:
        await other.dispose()

    rows = await reminder_rows(db)
    assert sorted(r.key for r in rows) == ["g:digest:2026-12-03", f"u:{cat.staff['joao']}:reminder:2026-12-03"]
    assert all(r.state == "pending" for r in rows)
