"""The pendência e-mailed to its responsible through his own SMTP account (a real aiosmtpd server on 127.0.0.1), and
every way that fails: the atendimento is saved all the same, and the config user (Admin) is told — in the staff group
and in private — which e-mail failed and why, never with the password."""
from __future__ import annotations

import pytest

from tests.support.smtp_server import closed_port, smtp_ca, smtp_client_tls, smtp_servers  # noqa: F401 - fixtures
from tests.support.staff_world import (
    deliver_all,
    internal_messages,
    open_ticket,
    outbox,
    set_smtp,
    smtp_columns,
    staff_bot,
    staff_team,
    ticket_state,
)

PASSWORD = "S3nha-do-Joao!"
ADMIN_STAFF_LOGIN = "admin"


async def test_opening_an_atendimento_emails_the_pendencia_to_its_responsible(tg, database_url, smtp_servers,
                                                                             smtp_client_tls):
    server = await smtp_servers.start("starttls", username="joao", password=PASSWORD)
    async with staff_bot(tg, database_url) as (bot, clock):
        bot.services.smtp_tls_context = smtp_client_tls
        await staff_team(tg, bot)
        await bot.configure(send_external_email=True)
        await set_smtp(bot, "joao", **smtp_columns(server))
        number = await open_ticket(bot)

        assert await (await bot.work()).send_emails() == 1
        [mail] = server.received
        assert mail.auth_login == "joao" and mail.encrypted
        assert mail.mail_from == "joao@construtora.example" and mail.rcpt_tos == ["joao@construtora.example"]
        message = mail.message
        assert message["Subject"] == f"[Atendimento {number}] Nova pendência: Infiltração — Vistoria técnica"
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        for part in (plain, html):
            assert "Ana Souza" in part and "Torre A - Apto 101" in part and "Vazamento no teto" in part
        assert await (await bot.work()).send_emails() == 0  # sent once
        assert not [m for m in await internal_messages(bot) if m.kind == "email_falhou"]


@pytest.mark.parametrize("failure", ["closed_port", "bad_password", "no_smtp"])
async def test_a_failed_email_is_reported_to_the_config_user_and_the_atendimento_is_kept(
        tg, database_url, smtp_servers, smtp_client_tls, failure):
    async with staff_bot(tg, database_url) as (bot, clock):
        bot.services.smtp_tls_context = smtp_client_tls
        team = await staff_team(tg, bot)
        await bot.configure(send_external_email=True)
        if failure == "closed_port":
            server = await smtp_servers.start("starttls", username="joao", password=PASSWORD)
            await set_smtp(bot, "joao", **smtp_columns(server, port=closed_port()))
        elif failure == "bad_password":
            server = await smtp_servers.start("starttls", username="joao", password=PASSWORD)
            await set_smtp(bot, "joao", **smtp_columns(server, password=PASSWORD + "-errada"))
        number = await open_ticket(bot)
        assert await ticket_state(bot, number) == ("Aberto", [(1, "Pendente")])

        work = await bot.work()
        await work.send_emails()
        if failure == "closed_port":  # a connection refused is worth trying again, a few times, before telling
            assert not [m for m in await internal_messages(bot) if m.kind == "email_falhou"]
            for seconds in (16, 61, 241):
                clock.advance(seconds=seconds)
                await work.send_emails()
        [message] = [m for m in await internal_messages(bot) if m.kind == "email_falhou"]
        assert message.to_staff_id == (await bot.services.staff.staff_by_telegram(team.admin.id)).id
        assert message.params["ticket_number"] == number
        expected_reason = {"closed_port": "connection", "bad_password": "auth", "no_smtp": "no_smtp"}[failure]
        assert message.params["reason"] == expected_reason
        [email_row] = [r for r in await outbox(bot) if r.audience == "email"]
        assert email_row.state == "parked"

        await deliver_all(bot, clock)
        [told] = [m for m in team.group.messages if "Não foi possível enviar o e-mail" in m.text]
        assert f"(atendimento {number})" in told.text and "joao@construtora.example" in told.text
        assert [m for m in team.admin.messages if "Não foi possível enviar o e-mail" in m.text]
        assert any(f"Novo atendimento nº {number}" in m.text for m in team.group.messages)
        everything = [m.text for m in tg.sent] + [str(r.last_error) for r in await outbox(bot)]
        assert not [text for text in everything if PASSWORD in text]
        assert await ticket_state(bot, number) == ("Aberto", [(1, "Pendente")])
        tg.assert_no_client_errors()
