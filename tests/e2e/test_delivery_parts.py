"""Exactly once, also for a long message, against the fake Bot API on SQLite and PostgreSQL: a notification too long
for one Telegram message goes in parts, each part Telegram accepted is recorded, and a retry sends only the rest; a
worker whose claim ran out during a stalled send neither sends another part nor records anything.

The clock is frozen (domain.clock.FrozenClock): the pace between two parts, and a lease running out, take no real
time.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from bot.delivery.telegram_delivery import TelegramDelivery
from bot.runner import delivery_bot
from bot.texts.format import split_message
from domain.clock import FrozenClock
from storage import tables as t
from tests.support.bot_harness import running_bot
from tests.support.delivery import people_for, seed_customers

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
LONG_TEXT = "\n".join(f"linha {n:03d} " + "x" * 90 for n in range(100))  # ~10,000 characters: three parts


async def record_long_note(db, customer_id: int) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(insert(t.outbox).values(
            key="c:note:longa", audience="customer", kind="note_added", recipient_id=customer_id,
            queue=f"c:{customer_id}", ticket_id=900_001, state="pending", attempts=0, created_at=T0, available_at=T0,
            payload={"v": 1, "ticket_number": 41, "stage_position": 1, "stage_description": "Vistoria",
                     "author": "Equipe", "text": LONG_TEXT, "at": T0.isoformat()},
        ))


async def the_row(db):
    async with db.engine.connect() as connection:
        return (await connection.execute(select(t.outbox).where(t.outbox.c.key == "c:note:longa"))).one()


class ArmsOnPause(FrozenClock):
    """Runs `on_pause` the first time delivery waits out a chat's pace (between two parts of a message)."""

    on_pause = None

    async def sleep(self, seconds: float) -> None:
        if seconds >= 1 and self.on_pause is not None:
            action, self.on_pause = self.on_pause, None
            action()
        await super().sleep(seconds)


async def test_a_500_between_parts_sends_each_part_once(tg, database_url):
    clock = ArmsOnPause(T0)
    async with running_bot(tg, database_url, clock=clock, delivery_retry_base_seconds=2) as bot:
        [customer] = await seed_customers(bot.database, 1)
        person = people_for(tg, [customer])[customer.id]
        await record_long_note(bot.database, customer.id)
        clock.on_pause = lambda: tg.faults.server_error(requests=1, methods="sendMessage")
        work = await bot.work()

        assert await work.deliver() == 0  # part 1 accepted, part 2 met a 500
        row = await the_row(bot.database)
        assert (row.state, row.parts_sent, row.attempts) == ("pending", 1, 1)
        assert len(person.messages) == 1

        clock.advance(seconds=10)  # past the retry's backoff
        assert await work.deliver() == 1

    parts = [m.text for m in person.messages]
    assert len(parts) == 3 and len(set(parts)) == 3  # each part once, none repeated
    assert "linha 000" in parts[0] and "linha 099" in parts[-1]
    assert [int(p.split("linha ")[1][:3]) for p in parts] == sorted(int(p.split("linha ")[1][:3]) for p in parts)
    row = await the_row(bot.database)
    assert (row.state, row.parts_sent) == ("delivered", 3)
    assert tg.count("sendMessage", status=500) == 1


class StallingBot:
    """The real Bot, but its first send stalls: while it hangs, `during_stall` runs (another worker's turn)."""

    def __init__(self, bot, during_stall) -> None:
        self.bot = bot
        self.during_stall = during_stall
        self.sends = 0

    async def send_message(self, *args, **kwargs):
        self.sends += 1
        if self.during_stall is not None:
            stall, self.during_stall = self.during_stall, None
            await stall()
        return await self.bot.send_message(*args, **kwargs)


async def test_a_worker_whose_claim_expired_during_a_stalled_send_sends_and_records_nothing_more(tg, database_url):
    clock = FrozenClock(T0)
    async with running_bot(tg, database_url, clock=clock, delivery_lease_seconds=60) as bot:
        [customer] = await seed_customers(bot.database, 1)
        person = people_for(tg, [customer])[customer.id]
        await record_long_note(bot.database, customer.id)
        sender = delivery_bot(bot.settings)
        await sender.initialize()
        second = TelegramDelivery(bot.services, sender, "second")

        async def the_lease_runs_out_and_another_worker_delivers():
            clock.advance(seconds=61)
            assert await second.drain(5) == 1

        stalled = StallingBot(sender, the_lease_runs_out_and_another_worker_delivers)
        first = TelegramDelivery(bot.services, stalled, "first")
        try:
            assert await first.drain(5) == 0
        finally:
            await sender.shutdown()

    parts = split_message(f"x\n{LONG_TEXT}")
    assert stalled.sends == 1  # its part 1 went (in flight when its claim expired), nothing after it
    row = await the_row(bot.database)
    assert (row.state, row.parts_sent, row.claimed_by) == ("delivered", len(parts), None)
    texts = [m.text for m in person.messages]
    # The second worker sent every part once; the only repeat is the first worker's send that was in flight.
    assert len(texts) == len(parts) + 1 and texts[-1] == texts[0] and len(set(texts)) == len(parts)
