"""Offboarding (issue 10, point 2): a staff user left out of a re-imported `staff:` section loses every right at
once — in the staff group and in private, with the bot running, no restart — and the others keep theirs."""
from __future__ import annotations

import yaml

from tests.support.bot_harness import E2E_CATALOGUE
from tests.support.catalogue import load_catalogue
from tests.support.dialog import Action, says, verify_dialog
from tests.support.staff_world import staff_bot, staff_team

NOT_STAFF = "Este comando é só para a equipe da construtora."


def in_group(group, text: str) -> Action:
    return Action(f"[in {group.title}] {text}", lambda person: person.say_in(group, text))


async def test_maria_left_out_of_the_staff_section_is_refused_at_once(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, _clock):
        team = await staff_team(tg, bot)
        group, maria, joao = team.group, team.maria, team.joao
        await verify_dialog(maria, [
            (in_group(group, "/ver 3"), says("Atendimento nº 3", in_chat=group)),
            ("/ver 3", "Atendimento nº 3"),
        ])

        staff = yaml.safe_load(E2E_CATALOGUE.read_text(encoding="utf-8"))["staff"]
        summary = await load_catalogue(bot.database, {"staff": [s for s in staff if s["login"] != "maria"]})
        assert summary.staff_deactivated_missing == [("maria", "Maria Oliveira")]

        await verify_dialog(maria, [
            (in_group(group, "/ver 3"), says(NOT_STAFF, in_chat=group)),
            (in_group(group, "/pendencias"), says(NOT_STAFF, in_chat=group)),
            ("/ver 3", NOT_STAFF),
            ("/pendencias", NOT_STAFF),
        ])
        await verify_dialog(joao, [("/ver 3", "Atendimento nº 3")])


async def test_the_issue_path_demo_stranger_then_real_catalogue_leaves_the_stranger_no_right(tg, database_url):
    """`make run` (the demo) → a stranger adds the bot to a group of their own and sends /pendencias (demo mode makes
    them staff) → the operator imports the real catalogue, with the bot still running → /ver 1 and /pendencias are
    refused everywhere."""
    from tests.integration.test_catalogue_go_live import real_catalogue
    from tests.support.bot_harness import running_bot
    from tests.support.catalogue import load_demo

    async with running_bot(tg, database_url, catalogue=None) as bot:
        await load_demo(bot.database)
        stranger = tg.user("Estranho", started=True)
        own_group = tg.group("Meu grupo", members=(stranger,), bot=None)
        await own_group.add_bot(by=stranger)
        await own_group.wait_for_reply()
        await verify_dialog(stranger, [
            (in_group(own_group, "/pendencias"), says("Pendências abertas", in_chat=own_group)),
            ("/ver 1", "Atendimento nº 1"),
        ])

        summary = await load_catalogue(bot.database, real_catalogue())
        assert summary.demo_removed is not None and summary.tickets_inserted == 8

        await verify_dialog(stranger, [
            ("/ver 1", NOT_STAFF),
            ("/pendencias", NOT_STAFF),
            (in_group(own_group, "/pendencias"), says(NOT_STAFF, in_chat=own_group)),
        ])
