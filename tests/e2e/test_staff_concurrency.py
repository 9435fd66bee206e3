"""João (in the staff group) and Maria (in her private chat) resolve the same stage at the same moment: the stage is
resolved once, one of them is told it is done, the other is told clearly that it had already changed.

Updates of different chats run at once (bot/update_processor.py), so the two handlers really overlap. On PostgreSQL
the second test makes the overlap certain: it holds the ticket row until both handlers have loaded the same version
and wait to write it; the ticket's version column then refuses the second writer (ConcurrentChange).
"""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text

from storage import tables as t
from tests.support.staff_world import open_ticket, outbox, staff_bot, staff_team, ticket_state, wait_idle

WON = "Etapa 1 do atendimento nº {n} resolvida; criada a etapa 2"
LOST = ("Outra pessoa alterou o atendimento nº {n} neste mesmo instante",
        "A etapa 1 do atendimento nº {n} já está Resolvida: nada foi alterado.")


def both_at_once(tg, team, number: int) -> None:
    """Both messages reach Telegram before the bot can fetch either."""
    tg.events.message(team.group.chat, team.joao.account, text=f"/resolver {number} 1 Resolvido pelo João")
    tg.events.message(team.maria.chat, team.maria.account, text=f"/resolver {number} 1 Resolvido pela Maria")


async def assert_resolved_once(bot, team, number: int) -> str:
    [joao_answer] = await team.group.wait_for_reply()
    [maria_answer] = await team.maria.wait_for_reply()
    answers = [joao_answer.text, maria_answer.text]
    won = [a for a in answers if WON.format(n=number) in a]
    lost = [a for a in answers if any(sentence.format(n=number) in a for sentence in LOST)]
    assert len(won) == 1 and len(lost) == 1, answers
    assert await ticket_state(bot, number) == ("Aberto", [(1, "Resolvida"), (2, "Pendente")])
    details = await bot.services.staff.ticket(number)
    assert len(details.stages[0].notes) == 1
    keys = [r.key for r in await outbox(bot)]
    assert sum(k.startswith("c:stage:") and k.endswith(":resolvida") for k in keys) == 1
    assert sum(k.startswith("g:pendencia:") for k in keys) == 2  # the vistoria's and the one Reparo's
    return lost[0]


async def test_two_staff_resolving_one_stage_at_once_resolve_it_once(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot)
        number = await open_ticket(bot)
        team.group._acted()
        team.maria._acted()
        both_at_once(tg, team, number)
        await assert_resolved_once(bot, team, number)
        tg.assert_no_client_errors()


@pytest.mark.backends("postgresql")
async def test_postgresql_refuses_the_second_of_two_writers_of_the_same_version(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot)
        number = await open_ticket(bot)
        team.group._acted()
        team.maria._acted()
        async with bot.database.engine.connect() as holder:
            await holder.execute(select(t.tickets.c.id).where(t.tickets.c.number == number).with_for_update())
            both_at_once(tg, team, number)
            await wait_for_lock_waiters(bot, 2)
            await holder.commit()  # both loaded version N; one writes N+1, the other finds N gone
        lost = await assert_resolved_once(bot, team, number)
        assert "Outra pessoa alterou o atendimento" in lost
        await wait_idle(tg, bot)
        tg.assert_no_client_errors()


async def wait_for_lock_waiters(bot, count: int, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with bot.database.engine.connect() as watcher:
        while True:
            waiting = (await watcher.execute(
                select(func.count()).select_from(text("pg_stat_activity"))
                .where(text("wait_event_type = 'Lock' AND datname = current_database()"))
            )).scalar_one()
            await watcher.rollback()
            if waiting >= count:
                return
            if loop.time() > deadline:
                raise AssertionError(f"only {waiting} of {count} writers are waiting for the ticket row")
            await asyncio.sleep(0.01)
