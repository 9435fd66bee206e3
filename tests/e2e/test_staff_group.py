"""The staff group's life: /diag's checks, a group that becomes a supergroup (and changes its id), the staff command
menu, and demo mode's adoption of the first group the bot is added to."""
from __future__ import annotations

from sqlalchemy import select

from storage import tables as t
from tests.support.bot_harness import ADMIN_ID
from sandbox.emulator import FakeTelegram
from tests.support.smtp_server import smtp_ca, smtp_client_tls, smtp_servers  # noqa: F401 - fixtures
from tests.support.staff_world import (
    deliver_all,
    open_ticket,
    set_smtp,
    smtp_columns,
    staff_bot,
    staff_team,
    wait_idle,
)

PASSWORD = "S3nha-da-Maria!"


def lines_of(text: str) -> list[str]:
    return text.split("\n")


async def config_row(bot):
    async with bot.database.engine.connect() as connection:
        return (await connection.execute(select(t.service_config))).one()


async def test_diag_says_what_is_wrong_with_the_group_and_how_to_fix_it(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot, bot_status="member")
        await team.joao.say_in(team.group, f"/diag@{tg.bot.username}")
        [report] = await team.group.wait_for_reply()
        lines = lines_of(report.text)
        assert lines[0] == "🩺 Diagnóstico do bot"
        assert lines[1] == f"✅ Grupo da equipe: «Equipe de Atendimento» (id {team.group.id})."
        assert lines[2].startswith("⚠️ O bot não é administrador do grupo da equipe (situação: member). Promova-o")
        assert lines[3].startswith("⚠️ Modo de privacidade ativo e o bot não é administrador")
        assert "/setprivacy" in lines[3]
        assert lines[4].startswith("✅ E-mail externo desligado")

        await team.group.promote_bot(by=team.admin)
        await wait_idle(tg, bot)
        await team.joao.send("/diag")  # in his private chat
        [report] = await team.joao.wait_for_reply()
        assert "✅ O bot é administrador do grupo da equipe." in report.text
        assert "✅ Modo de privacidade: como administrador" in report.text

        await bot.configure(staff_chat_id=None)
        await team.joao.send("/diag")
        [report] = await team.joao.wait_for_reply()
        assert lines_of(report.text)[1].startswith("⚠️ Grupo da equipe: não configurado.")
        team.group._acted()
        await team.joao.say_in(team.group, "/diag")  # while setting up, staff may ask in any group
        [report] = await team.group.wait_for_reply()
        assert f"O id deste grupo é {team.group.id}." in report.text
        await team.joao.say_in(team.group, "/pendencias")  # but nothing else
        [refused] = await team.group.wait_for_reply()
        assert "só no grupo da equipe" in refused.text
        await bot.configure(staff_chat_id=-100999000)
        await team.joao.send("/diag")
        [report] = await team.joao.wait_for_reply()
        assert "⚠️ Grupo da equipe: o bot não consegue acessar o grupo configurado (id -100999000" in report.text
        tg.assert_no_client_errors(allow=(400,))


async def test_diag_sees_that_privacy_mode_is_off(database_url):
    async with FakeTelegram(privacy_mode=False) as tg, staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot, bot_status="member")
        await team.joao.send("/diag")
        [report] = await team.joao.wait_for_reply()
        assert "⚠️ O bot não é administrador" in report.text
        assert "✅ Modo de privacidade desativado: o bot recebe todas as mensagens do grupo." in report.text


async def test_diag_checks_each_responsibles_smtp(tg, database_url, smtp_servers, smtp_client_tls):
    good = await smtp_servers.start("starttls", username="joao", password="S3nha-do-Joao!")
    strict = await smtp_servers.start("tls", username="maria", password=PASSWORD)
    async with staff_bot(tg, database_url) as (bot, clock):
        bot.services.smtp_tls_context = smtp_client_tls
        team = await staff_team(tg, bot)
        await set_smtp(bot, "joao", **smtp_columns(good))
        await set_smtp(bot, "maria", **smtp_columns(strict, username="maria", password="senha-velha"))
        await team.joao.send("/diag")
        [report] = await team.joao.wait_for_reply()
        assert "✅ E-mail externo desligado" in report.text
        assert "✅ SMTP de João Silva: conexão e login funcionando." in report.text
        assert "⚠️ SMTP de Maria Oliveira: o servidor recusou o usuário ou a senha" in report.text
        assert "Confira o usuário e a senha do SMTP" in report.text
        assert "Pedro" not in report.text  # no SMTP, and nothing is e-mailed anyway

        await bot.configure(send_external_email=True)
        await set_smtp(bot, "maria", **smtp_columns(strict, username="maria", password=PASSWORD))
        await team.joao.send("/diag")
        [report] = await team.joao.wait_for_reply()
        assert "E-mail externo desligado" not in report.text
        assert "✅ SMTP de João Silva" in report.text and "✅ SMTP de Maria Oliveira" in report.text
        assert "⚠️ SMTP de Pedro Santos: o usuário não tem e-mail ou servidor SMTP configurado" in report.text
        assert "Administrador" not in report.text  # not a responsible of anything
        assert PASSWORD not in report.text and "senha-velha" not in report.text


async def test_a_staff_group_that_becomes_a_supergroup_is_followed(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot, supergroup=False)
        old_id = team.group.id
        await bot.restart()  # the start-up sets the staff menu of the configured group
        assert tg.menu(old_id, team.joao)[:2] == ["pendencias", "ver"]

        await team.group.migrate_to_supergroup(by=team.admin)
        [moved] = await team.group.wait_for_reply()
        assert "virou supergrupo" in moved.text
        assert (await config_row(bot)).staff_chat_id == team.group.id != old_id
        assert tg.menu(team.group.id, team.joao)[:2] == ["pendencias", "ver"]

        number = await open_ticket(bot)
        await deliver_all(bot, clock)
        [post] = team.group.unread
        assert f"Novo atendimento nº {number}" in post.text
        team.group._acted()
        await team.joao.say_in(team.group, f"/ver {number}")
        [shown] = await team.group.wait_for_reply()
        assert f"Atendimento nº {number}" in shown.text
        tg.assert_no_client_errors()


async def test_a_migration_the_bot_missed_is_found_by_diag_and_by_a_command_in_the_new_group(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot, supergroup=False)
        old_id = team.group.id
        await team.group.migrate_to_supergroup(by=team.admin)
        await team.group.wait_for_reply()
        new_id = team.group.id

        await bot.configure(staff_chat_id=old_id)  # as an import of an outdated catalogue would
        await team.joao.send("/diag")
        [report] = await team.joao.wait_for_reply()
        assert f"virou supergrupo e mudou de id ({old_id} → {new_id}); o novo id já foi gravado" in report.text
        assert "✅ O bot é administrador do grupo da equipe." in report.text
        assert (await config_row(bot)).staff_chat_id == new_id

        await bot.configure(staff_chat_id=old_id)
        team.group._acted()
        await team.joao.say_in(team.group, "/pendencias")
        [listing] = await team.group.wait_for_reply()
        assert "Pendências abertas" in listing.text
        assert (await config_row(bot)).staff_chat_id == new_id
        tg.assert_no_client_errors(allow=(400,))


async def test_demo_mode_adopts_the_first_group_and_accepts_its_members_as_staff(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        await bot.configure(demo_mode=True)
        lia = tg.user("Lia", "Visitante", started=True)
        bia = tg.user("Bia", started=True)
        demo = tg.group("Demonstração", members=(lia, bia), bot=None)
        await demo.add_bot(by=lia)
        [welcome] = await demo.wait_for_reply()
        assert "Demonstração" in welcome.text and "grupo da equipe" in welcome.text
        assert (await config_row(bot)).staff_chat_id == demo.id
        assert "pendencias" in tg.menu(demo.id, lia)

        await lia.say_in(demo, "/pendencias")
        [listing] = await demo.wait_for_reply()
        assert "Pendências abertas" in listing.text
        lia_staff = await bot.services.staff.staff_by_telegram(lia.id)
        assert lia_staff.login == f"demo{lia.id}" and lia_staff.name == "Lia Visitante"
        await verify_private_staff(lia)
        assert await bot.services.staff.staff_by_telegram(bia.id) is None  # only who used a staff command

        other = tg.group("Outro grupo", members=(bia,), bot=None)
        await other.add_bot(by=bia)
        await other.expect_no_reply()
        assert (await config_row(bot)).staff_chat_id == demo.id
        await bia.say_in(other, "/pendencias")
        [refused] = await other.wait_for_reply()
        assert "só para a equipe" in refused.text
        tg.assert_no_client_errors()


async def verify_private_staff(person) -> None:
    await person.send("/ver 3")
    [shown] = await person.wait_for_reply()
    assert "Atendimento nº 3" in shown.text


async def test_outside_demo_mode_no_group_is_adopted_and_nobody_becomes_staff(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        lia = tg.user("Lia", started=True)
        group = tg.group("Um grupo", members=(lia,), bot=None)
        await group.add_bot(by=lia)
        [hint] = await group.wait_for_reply()
        assert f"staff_chat_id: {group.id}" in hint.text
        await lia.say_in(group, "/pendencias")
        [refused] = await group.wait_for_reply()
        assert "só para a equipe" in refused.text
        assert (await config_row(bot)).staff_chat_id is None
        assert await bot.services.staff.staff_by_telegram(lia.id) is None


async def test_demo_mode_needs_the_setting_too(tg, database_url):
    async with staff_bot(tg, database_url, demo_mode=False) as (bot, clock):
        await bot.configure(demo_mode=True)
        lia = tg.user("Lia", started=True)
        group = tg.group("Um grupo", members=(lia,), bot=None)
        await group.add_bot(by=lia)
        await group.wait_for_reply()
        assert (await config_row(bot)).staff_chat_id is None
        await lia.say_in(group, "/ver 3")
        [refused] = await group.wait_for_reply()
        assert "só para a equipe" in refused.text
        assert await bot.services.staff.staff_by_telegram(lia.id) is None
        assert ADMIN_ID  # the catalogue's staff are untouched


async def test_a_staff_question_survives_a_restart_and_a_newer_one_replaces_it(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot)
        group, joao = team.group, team.joao
        number = await open_ticket(bot)
        await deliver_all(bot, clock)
        [post] = group.unread
        group._acted()
        await joao.press("💬 Nova observação", post.message, chat=group)
        [question] = await group.wait_for_reply()

        await bot.restart()  # the question is the conversation row of João in the group: it is still open
        await joao.say_in(group, "Cliente avisada por telefone", reply_to=question.message)
        [done] = await group.wait_for_reply()
        assert f"Observação registrada na etapa 1 do atendimento nº {number}" in done.text

        # Two questions asked in a row: the newer one is the open one, a reply to the older one is not taken.
        await joao.press("💬 Nova observação", post.message, chat=group)
        [older] = await group.wait_for_reply()
        await joao.press("✅ Resolver etapa 1", post.message, chat=group)
        [newer] = await group.wait_for_reply()
        await joao.say_in(group, "Resposta à pergunta antiga", reply_to=older.message)
        await group.expect_no_reply()
        await joao.say_in(group, "-", reply_to=newer.message)
        [resolved] = await group.wait_for_reply()
        assert f"Etapa 1 do atendimento nº {number} resolvida" in resolved.text
        details = await bot.services.staff.ticket(number)
        assert [n.text for n in details.stages[0].notes] == ["Cliente avisada por telefone"]
        tg.assert_no_client_errors()
