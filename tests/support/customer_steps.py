"""Steps the customer journeys share: linking a person, pressing a button with forged data, waiting until the bot has
handled everything, and reading what the database holds afterwards.

    ana = await linked(tg, "Ana", ANA_PHONE)
    query = forge_press(tg, ana, "n:c:u:7000")          # data no button of hers carries
    await wait_idle(tg, bot)                              # every update handled, every answer sent
    row = await ticket_row(bot.database, 9)
"""
from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from storage import tables as t
from storage.database import Database
from sandbox.emulator import CallbackQuery, FakeTelegram
from sandbox.emulator.callback_queries import new_query_id
from sandbox.emulator.sent_messages import BotMessage
from sandbox.emulator.telegram_users import TelegramUser


async def linked(tg: FakeTelegram, first_name: str, phone: str, **person: Any) -> TelegramUser:
    """A person who has sent /start and shared their own contact (the bot answered both)."""
    someone = tg.user(first_name, phone=phone, **person)
    await someone.send("/start")
    await someone.wait_for_reply()
    await someone.share_contact()
    [answer] = await someone.wait_for_reply()
    assert "vinculada" in answer.text, answer.text
    return someone


def forge_press(tg: FakeTelegram, person: TelegramUser, data: str, message: BotMessage | None = None) -> CallbackQuery:
    """A callback query with `data` on `message` (default: the bot's newest message to the person), whatever buttons
    that message has — what a modified client, or a very old message, can send."""
    target = message if message is not None else person.last
    assert target is not None, f"the bot never wrote to {person.label}"
    person._acted()
    chat = tg.world.chats[target.chat_id]
    query = CallbackQuery(id=new_query_id(), user_id=person.id, chat_id=chat.id, message_id=target.message_id,
                          data=data, button_text="?")
    tg.callback_queries[query.id] = query
    tg.bot.updates.push("callback_query", {
        "id": query.id, "from": person.account.as_user(), "message": target.payload,
        "chat_instance": str(abs(chat.id) * 7919 % 10**19), "data": data,
    })
    return query


async def wait_idle(tg: FakeTelegram, bot: Any, timeout: float = 10.0) -> None:
    """Until the bot has fetched every update and finished handling it (answers sent, persistence written)."""
    application = bot.application
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while quiet < 3:  # three calm looks in a row: nothing is between the queue and a handler
        if loop.time() > deadline:
            raise AssertionError(f"the bot was still busy after {timeout} s")
        busy = (
            bool(tg.pending_updates)
            or application.update_queue.qsize() > 0
            or application.update_processor.current_concurrent_updates > 0
        )
        quiet = 0 if busy else quiet + 1
        await asyncio.sleep(0.005)


# --- what the database holds ---------------------------------------------------------------------------------------
async def ticket_row(database: Database, number: int):
    async with database.engine.connect() as connection:
        return (await connection.execute(select(t.tickets).where(t.tickets.c.number == number))).one_or_none()


async def ticket_count(database: Database) -> int:
    async with database.engine.connect() as connection:
        return len((await connection.execute(select(t.tickets.c.id))).all())


async def stages_of(database: Database, ticket_id: int) -> list:
    async with database.engine.connect() as connection:
        return (await connection.execute(
            select(t.stages).where(t.stages.c.ticket_id == ticket_id).order_by(t.stages.c.position)
        )).all()


async def pendencias_of(database: Database, ticket_id: int) -> list:
    async with database.engine.connect() as connection:
        return (await connection.execute(select(t.pendencias).where(t.pendencias.c.ticket_id == ticket_id))).all()


async def outbox_of(database: Database, ticket_id: int) -> list:
    async with database.engine.connect() as connection:
        return (await connection.execute(
            select(t.outbox).where(t.outbox.c.ticket_id == ticket_id).order_by(t.outbox.c.id)
        )).all()


async def internal_messages_of(database: Database, ticket_id: int) -> list:
    async with database.engine.connect() as connection:
        return (await connection.execute(
            select(t.internal_messages).where(t.internal_messages.c.ticket_id == ticket_id)
        )).all()


async def draft_of(database: Database, person: TelegramUser):
    async with database.engine.connect() as connection:
        return (await connection.execute(
            select(t.conversations).where((t.conversations.c.user_id == person.id)
                                          & (t.conversations.c.state == "wizard"))
        )).one_or_none()
