"""The morning reminders reach Telegram (frozen clock): the digest in the staff group and João's private reminder,
once, however many times the job runs that day. The day-by-day rules are in tests/integration/test_delivery_reminders.py.
"""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.clock import FrozenClock
from domain.services.tickets import NewTicketRequest
from tests.support.bot_harness import JOAO_ID, running_bot
from tests.support.delivery import settle

ZONE = ZoneInfo("America/Sao_Paulo")


def local(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=ZONE).astimezone(UTC)


async def test_the_digest_and_the_private_reminder_arrive_once(tg, database_url):
    clock = FrozenClock(local(27, 9))
    async with running_bot(tg, database_url, clock=clock) as bot:
        joao = tg.user("João", user_id=JOAO_ID, started=True)
        group = tg.group("Equipe", members=[joao])
        await bot.configure(staff_chat_id=group.id)
        leak = NewTicketRequest(1, 10, 100, 5000, "Mancha de umidade no teto da sala")  # Infiltração: João, 3 days
        number = (await bot.services.tickets.open_ticket(1, leak)).ticket_number
        work = await bot.work()
        await settle(work)  # the new pendência, in the group and to João
        assert len(group.messages) == len(joao.messages) == 1

        clock.at = local(1, 8, month=12)
        for _ in range(3):
            await work.remind()
            await settle(work)

        [_, digest] = group.messages
        assert digest.text.startswith("⏰ Pendências atrasadas\n\nJoão Silva (1)\n")
        assert f"nº {number}, etapa 1 — Vistoria técnica (prazo 30/11/2026 09:00)" in digest.text
        [_, reminder] = joao.messages
        assert reminder.text.startswith("⏰ Você tem 1 pendência(s) atrasada(s):")
        tg.assert_no_client_errors()
