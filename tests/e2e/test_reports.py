"""/relatorio through the fake Bot API (the real python-telegram-bot stack uploads the picture with sendPhoto), and
the weekly report posted to the staff group once a week by two workers on a frozen clock.

The history of e2e.yaml (atendimentos 1–8) is what the report shows.
"""
from __future__ import annotations

import asyncio
import struct
from datetime import UTC, datetime, timedelta

from bot.jobs.weekly_report import WeeklyReport
from bot.runner import delivery_bot
from bot.services import Services
from domain.clock import FrozenClock
import yaml

from tests.support.bot_harness import E2E_CATALOGUE
from tests.support.dialog import Action, says, verify_dialog
from tests.support.staff_world import staff_bot, staff_team, wait_idle

NOT_STAFF = "Este comando é só para a equipe da construtora."
PNG = b"\x89PNG\r\n\x1a\n"


def in_group(group, text: str) -> Action:
    return Action(f"[in {group.title}] {text}", lambda person: person.say_in(group, text))


def png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(PNG)
    return struct.unpack(">II", content[16:24])


def photos(tg, group) -> list:
    return [m for m in group.all_messages if m.kind == "photo"]


async def test_staff_see_the_report_as_one_picture_with_its_key_numbers(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, _clock):
        team = await staff_team(tg, bot)
        group, joao = team.group, team.joao
        await verify_dialog(joao, [
            (in_group(group, "/relatorio 90"), says("Abertos:", "Encerrados:", "Em aberto agora:",
                                                    "Pendências atrasadas:", "Satisfação: sem avaliações",
                                                    in_chat=group)),
            (in_group(group, "/relatorio dez"), says("Use /relatorio [dias], com dias de 1 a 366", in_chat=group)),
            (in_group(group, "/relatorio 0"), says("Use /relatorio [dias]", in_chat=group)),
            (in_group(group, "/relatorio 30 dias"), says("Use /relatorio [dias]", in_chat=group)),
        ])
        [picture] = photos(tg, group)
        content = tg.files[picture.payload["photo"][-1]["file_id"]].content
        assert png_size(content) == (1080, 1620)
        assert picture.text.startswith("📊 Atendimentos de ")
        assert len(picture.text) <= 1024

        await verify_dialog(team.ze, [(in_group(group, "/relatorio"), says(NOT_STAFF, in_chat=group))])
        await verify_dialog(joao, [("/relatorio 7", says("Abertos:"))])  # in João's private chat too
        assert joao.last.kind == "photo"
        assert len(photos(tg, group)) == 1


async def test_an_installation_with_nothing_to_show_gets_a_sentence(tg, database_url):
    catalogue = yaml.safe_load(E2E_CATALOGUE.read_text(encoding="utf-8"))
    catalogue.pop("tickets", None)  # the catalogue, without its history
    async with staff_bot(tg, database_url, catalogue=catalogue) as (bot, _clock):
        team = await staff_team(tg, bot)
        await verify_dialog(team.joao, [
            (in_group(team.group, "/relatorio"),
             says("Ainda não há o que mostrar no relatório de", "nenhum atendimento aberto, encerrado ou avaliado",
                  in_chat=team.group)),
        ])
        assert photos(tg, team.group) == []
        await bot.configure(weekly_report="mon 08:00")
        sender = delivery_bot(bot.settings)
        await sender.initialize()
        try:
            job = WeeklyReport(Services.build(bot.settings, bot.database, FrozenClock(monday(8))), sender, "w")
            assert await job.run()
        finally:
            await sender.shutdown()
        assert team.group.last.text.startswith("📊 Relatório semanal\nAinda não há o que mostrar")


def monday(hour: int, minute: int = 0, weeks: int = 0) -> datetime:
    # Monday 07/12/2026 in São Paulo (UTC-3)
    return datetime(2026, 12, 7, hour + 3, tzinfo=UTC) + timedelta(minutes=minute, weeks=weeks)


async def test_the_weekly_report_is_posted_once_however_many_workers_run_the_job(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, _clock):
        team = await staff_team(tg, bot)
        group = team.group
        await bot.configure(weekly_report="mon 08:00")
        clock = FrozenClock(monday(7, 55))
        senders = [delivery_bot(bot.settings) for _ in range(2)]
        for sender in senders:
            await sender.initialize()
        workers = [WeeklyReport(Services.build(bot.settings, bot.database, clock), sender, f"w{i}")
                   for i, sender in enumerate(senders)]

        async def both() -> list[bool]:
            return list(await asyncio.gather(*(w.run() for w in workers)))

        try:
            assert await both() == [False, False]  # 07:55: not yet
            assert photos(tg, group) == []
            clock.at = monday(8, 0)
            assert sorted(await both()) == [False, True]  # one of them posts
            [weekly] = photos(tg, group)
            assert weekly.text.startswith("📊 Relatório semanal\n📊 Atendimentos de ")
            for minutes in (5, 10, 60 * 12):  # every later run that day (and that week) finds the mark
                clock.at = monday(8, minutes)
                assert await both() == [False, False]
            clock.at = monday(8, 5, weeks=1)  # the next Monday
            assert sorted(await both()) == [False, True]
            assert len(photos(tg, group)) == 2
            await bot.configure(weekly_report=None)  # removed from the catalogue: no more reports
            clock.at = monday(8, 5, weeks=2)
            assert await both() == [False, False]
        finally:
            for sender in senders:
                await sender.shutdown()
        await wait_idle(tg, bot)
