"""Customers are told of each change once, whoever wrote it: a staff member through the bot's services, or the
construtora's back office writing the tables directly (the change feed notices). Telegram's limits are on throughout
(the fake answers 429 to any message beyond them), so every push is also paced correctly."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support.bot_harness import ANA_PHONE, BRUNO_PHONE, running_bot
from tests.support.delivery import settle, skipping_time

ERP_RESOLVES_STAGE = """
    UPDATE stages SET status = 'Resolvida', completed_at = CURRENT_TIMESTAMP
    WHERE position = 1 AND ticket_id = (SELECT id FROM tickets WHERE number = 8)
"""
ERP_ADDS_NOTE = """
    INSERT INTO notes (stage_id, created_at, author, text)
    SELECT s.id, CURRENT_TIMESTAMP, 'Sistema ERP', 'Lâmpada trocada pelo eletricista.'
    FROM stages s JOIN tickets t ON t.id = s.ticket_id WHERE t.number = 8 AND s.position = 1
"""


@pytest.fixture
async def bot(tg, database_url):
    """The bot on a SkippingClock: each chat's pace is kept in its time, and costs no real second."""
    async with running_bot(tg, database_url, clock=skipping_time(tg)) as running:
        yield running


async def linked(tg, name: str, phone: str):
    person = tg.user(name, phone=phone)
    await person.send("/start")
    await person.wait_for_reply()
    await person.share_contact()
    await person.wait_for_reply()
    return person


async def staff(bot, login: str):
    async with bot.services.uow() as uow:
        return await uow.catalogue.staff_by_login(login)


async def test_each_change_is_told_once_whether_staff_or_the_back_office_wrote_it(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    bruno = await linked(tg, "Bruno", BRUNO_PHONE)
    group = tg.group("Equipe", members=[tg.user("João", user_id=5001, started=True)])
    await bot.configure(staff_chat_id=group.id)
    tg.flood.enabled = True  # Telegram's limits from here on
    work = await bot.work()

    # Maria resolves the last stage of Ana's nº 7: the stage and the atendimento it closes reach Ana as one message.
    await bot.services.tickets.resolve_stage(await staff(bot, "maria"), 7, 1)
    await settle(work)
    [told] = await ana.wait_for_reply()
    assert "Atendimento nº 7: a etapa 1 — Reparo elétrico está ✅ Resolvida." in told.text
    assert "Atendimento nº 7: foi encerrado." in told.text

    # The back office resolves Bruno's stage with an UPDATE, then adds a note with an INSERT, a moment later.
    async with bot.database.engine.begin() as connection:
        await connection.execute(text(ERP_RESOLVES_STAGE))
    await settle(work)
    [resolved] = await bruno.wait_for_reply()
    assert resolved.text == "🔔 Atendimento nº 8: a etapa 1 — Reparo elétrico está ✅ Resolvida."
    async with bot.database.engine.begin() as connection:
        await connection.execute(text(ERP_ADDS_NOTE))
    await settle(work)  # less than a second after the last push to Bruno: it waits for his chat's pace
    [note] = await bruno.wait_for_reply()
    assert "Atendimento nº 8, etapa 1 — Reparo elétrico: nova observação (Sistema ERP):" in note.text
    assert "Lâmpada trocada pelo eletricista." in note.text

    # Nothing more, however often the jobs run: the change feed saw Maria's changes too, and left them to her.
    assert await bot.deliver() == 0
    await ana.expect_no_reply()
    await bruno.expect_no_reply()
    assert group.messages == []
    assert tg.count_429() == 0
    tg.assert_no_client_errors()
