"""Delivery through Telegram's bad days, against the fake Bot API with Telegram's limits on (30 messages/s, 1/s per
private chat, 20/min per group): a minute of 502 answers, a 429 storm, a customer who blocked the bot, the bot kicked
from the staff group. Afterwards every notification arrived exactly once, in order in each chat, none was lost (rows
parked for a refusing chat count as kept: they arrive after `atendimento outbox retry`), and the fake never had to
answer 429 because of our own pace.

The outage is scaled: it lasts 60/SCALE real seconds and the first retry waits 2/SCALE seconds
(DELIVERY_RETRY_BASE_SECONDS, 2 s in production), so the retries fall where they would in a real minute of 502s —
the same code path, SCALE times faster. Delivery's pace (a second per private chat, three per group, a 429's
"retry after") runs on a SkippingClock, which the fake's limits follow too: kept to the letter, never slept.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict

from tests.support.bot_harness import ADMIN_ID, ANA_PHONE, BRUNO_PHONE, JOAO_ID, MARIA_ID, running_bot
from tests.support.delivery import cli_env, link_customer, received_once_in_order, run_cli, settle, skipping_time

SCALE = 30
OUTAGE_SECONDS = 60 / SCALE
RETRY_BASE = 2.0 / SCALE


class Scenario:
    """Ana (nº 7) and Bruno (nº 8) linked, João, Maria and the admin in the staff group, Telegram's limits on. Every
    note or stage it adds carries a mark ("aviso 3"), and it remembers which chats must get which marks."""

    def __init__(self, tg, bot) -> None:
        self.tg = tg
        self.bot = bot
        self.expected: dict[object, list[int]] = defaultdict(list)
        self.mark = 0

    @classmethod
    async def start(cls, tg, bot) -> "Scenario":
        self = cls(tg, bot)
        self.joao = tg.user("João", user_id=JOAO_ID, started=True)
        self.maria = tg.user("Maria", user_id=MARIA_ID, started=True)
        self.admin = tg.user("Admin", user_id=ADMIN_ID, started=True)
        self.group = tg.group("Equipe", members=[self.joao, self.maria, self.admin])
        await bot.configure(staff_chat_id=self.group.id)
        self.ana = tg.user("Ana", phone=ANA_PHONE, started=True)
        self.bruno = tg.user("Bruno", phone=BRUNO_PHONE, started=True)
        await link_customer(bot.database, 1, self.ana)
        await link_customer(bot.database, 2, self.bruno)
        self.tickets = {self.ana: 7, self.bruno: 8}
        async with bot.services.uow() as uow:
            self.staff = await uow.catalogue.staff_by_login("joao")
        self.work = await bot.work()
        tg.flood.enabled = True
        return self

    async def note(self, customer) -> None:
        self.mark += 1
        await self.bot.services.tickets.add_note(self.staff, self.tickets[customer], 1, f"aviso {self.mark}")
        self.expected[customer].append(self.mark)

    async def stage(self, customer) -> None:
        """A new stage: the customer, the staff group and João (its responsible) are told."""
        self.mark += 1
        await self.bot.services.tickets.add_stage(self.staff, self.tickets[customer], f"aviso {self.mark}")
        for chat in (customer, self.group, self.joao):
            self.expected[chat].append(self.mark)

    async def notes_over_time(self, rounds: int, every: float) -> None:
        """Notes to Ana and Bruno at intervals, as staff keep working while Telegram misbehaves."""
        for _ in range(rounds):
            await self.note(self.ana)
            await self.note(self.bruno)
            await asyncio.sleep(every)

    def check(self) -> None:
        repeats = received_once_in_order(self.tg, dict(self.expected))
        assert sum(repeats.values()) == 0, repeats
        assert self.tg.count_429(injected=False) == 0, "our own pace provoked a 429"
        self.tg.assert_no_bad_requests()


async def test_a_minute_of_bad_gateway_delays_notifications_but_loses_none(tg, database_url):
    async with running_bot(tg, database_url, clock=skipping_time(tg), delivery_retry_base_seconds=RETRY_BASE) as bot:
        world = await Scenario.start(tg, bot)
        outage = tg.faults.bad_gateway(seconds=OUTAGE_SECONDS, methods="sendMessage")
        await world.stage(world.ana)
        producing = asyncio.create_task(world.notes_over_time(rounds=4, every=OUTAGE_SECONDS / 4))

        stats = await settle(world.work, while_running=producing, timeout=40)

        assert outage.hits >= 8  # every chat was refused, and retried, several times during the outage
        assert (stats.parked, stats.pending) == (0, 0)
        world.check()


async def test_a_429_storm_is_waited_out(tg, database_url):
    async with running_bot(tg, database_url, clock=skipping_time(tg), delivery_retry_base_seconds=RETRY_BASE) as bot:
        world = await Scenario.start(tg, bot)
        storm = tg.faults.flood(retry_after=1, requests=6, methods="sendMessage")
        await world.stage(world.bruno)
        producing = asyncio.create_task(world.notes_over_time(rounds=3, every=0.3))

        stats = await settle(world.work, while_running=producing, timeout=40)

        assert storm.hits == 6 and tg.count_429(injected=True) == 6
        assert (stats.parked, stats.pending) == (0, 0)
        world.check()


async def test_a_blocked_customer_and_a_kicked_staff_group_are_parked_then_delivered_after_retry(
    tg, database_url, tmp_path
):
    async with running_bot(tg, database_url, clock=skipping_time(tg), delivery_retry_base_seconds=RETRY_BASE) as bot:
        world = await Scenario.start(tg, bot)
        await world.bruno.block_bot()
        await world.group.kick_bot(by=world.joao)
        await tg.wait_until_confirmed()  # the bot saw both; the configuration still names the group
        await bot.configure(staff_chat_id=world.group.id)

        await world.note(world.bruno)
        await world.stage(world.ana)
        await world.note(world.bruno)
        await world.note(world.ana)
        await world.stage(world.bruno)
        stats = await settle(world.work)

        # Ana and João are unaffected. The bot saw Bruno block it (my_chat_member) and never tries him; the group
        # is tried once; both are parked without retry loops.
        assert stats.parked >= 5
        assert refusals(tg, world.bruno) == 0 and refusals(tg, world.group) == 1
        assert world.bruno.messages == [] and world.group.messages == []
        [report] = reports(world.admin)  # the admin is told, once, in private (the group cannot be told)
        assert "kicked" in report.text
        async with bot.services.uow() as uow:
            assert (await uow.customers.get(2)).unreachable

        # The causes go away; the operator sends the parked notifications again.
        await world.bruno.unblock_bot()
        await world.group.add_bot(by=world.joao, as_admin=True)
        code, out, err = await run_cli("outbox", "retry", env=cli_env(tg, database_url), cwd=tmp_path)
        assert code == 0, err
        assert "notificações devolvidas à fila" in out
        stats = await settle(world.work)

        assert (stats.parked, stats.pending) == (0, 0)
        [unreachable] = [m for m in world.group.messages if "bloqueou o bot" in m.text]
        assert "Bruno Lima" in unreachable.text  # the staff group learns it too, once it can be told
        assert len(reports(world.admin)) == 1
        world.check()


async def test_a_customer_whose_account_is_gone_is_refused_once_then_parked(tg, database_url):
    """No update tells the bot about a deactivated account: the first 403 does."""
    async with running_bot(tg, database_url, clock=skipping_time(tg), delivery_retry_base_seconds=RETRY_BASE) as bot:
        world = await Scenario.start(tg, bot)
        await world.bruno.deactivate()

        await world.note(world.bruno)
        await world.note(world.ana)
        await world.note(world.bruno)
        stats = await settle(world.work)

        assert refusals(tg, world.bruno) == 1
        assert stats.parked == 2 and stats.pending == 0
        async with bot.services.uow() as uow:
            assert (await uow.customers.get(2)).unreachable
        assert len([m for m in world.group.messages if "bloqueou o bot" in m.text]) == 1


def refusals(tg, chat) -> int:
    """How many times Telegram answered 403 to a message for this chat."""
    return sum(1 for r in tg.errors if r.status == 403 and r.method == "sendMessage" and r.chat_id == chat.id)


def reports(person) -> list:
    """The reports of a failed delivery to the staff group that reached this person."""
    return [m for m in person.messages if "não pôde ser entregue" in m.text and "grupo da equipe" in m.text]
