"""Running the bot (issue 3, Build 1 and 6): webhook mode with its secret token, the customers' command menu, start-up
that stops with one clear sentence, and the error handler (log, staff-group report, a short apology)."""
from __future__ import annotations

import asyncio
import json
import logging
import socket

import aiohttp
import pytest
from sqlalchemy import select

from bot.runner import run_bot
from storage import tables as t
from storage.database import connect
from tests.support.bot_harness import ANA_PHONE, E2E_CATALOGUE
from tests.support.bot_harness import test_settings as settings_for
from tests.support.bot_process import program_env, run_program
from tests.support.catalogue import load_catalogue
from tests.support.customer_steps import linked, wait_idle
from tests.support.dialog import command, press, says, share_contact, verify_dialog
from sandbox.emulator.webhook import SECRET_HEADER

APOLOGY = "Desculpe, algo deu errado do nosso lado"
CUSTOMER_MENU = ["novo", "meus", "detalhes", "cancelar", "ajuda", "sair"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- webhook mode --------------------------------------------------------------------------------------------------
async def test_webhook_mode_takes_updates_only_with_the_secret_token(tg, database_url):
    database = connect(database_url)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/atendimento"
    settings = settings_for(tg, database_url, webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port,
                             webhook_secret_token="segredo-do-webhook_123")
    stop = asyncio.Event()
    try:
        await load_catalogue(database, E2E_CATALOGUE)
        running = asyncio.create_task(run_bot(settings, webhook=True, jobs=False, stop=stop))
        try:
            while tg.bot.webhook is None:  # the bot registers its webhook (setWebhook) once it listens
                assert not running.done(), running.exception()
                await asyncio.sleep(0.02)
            assert (tg.bot.webhook.url, tg.bot.webhook.secret_token) == (url, "segredo-do-webhook_123")
            ana = tg.user("Ana", phone=ANA_PHONE)
            await verify_dialog(ana, [
                ("/start", says("Compartilhar meu telefone")),
                (share_contact(), says("Pronto, Ana Souza")),
                ("/meus", says("Seus atendimentos")),
            ])
            # Someone who is not Telegram posts an update that would link Bruno's account with his contact card.
            forged = {"update_id": 1, "message": {
                "message_id": 1, "date": 1_790_000_000, "chat": {"id": 4242, "type": "private", "first_name": "X"},
                "from": {"id": 4242, "is_bot": False, "first_name": "X"},
                "contact": {"phone_number": "5521988880002", "first_name": "Bruno", "user_id": 4242}}}
            async with aiohttp.ClientSession() as session:
                for headers in ({}, {SECRET_HEADER: "errado"}, {SECRET_HEADER: "segredo-do-webhook_12"}):
                    async with session.post(url, data=json.dumps(forged),
                                            headers={"Content-Type": "application/json", **headers}) as answer:
                        assert answer.status == 403, (headers, answer.status)
            await asyncio.sleep(0.2)
            async with database.engine.connect() as connection:
                linked_users = (await connection.execute(
                    select(t.customers.c.id, t.customers.c.telegram_user_id)
                    .where(t.customers.c.telegram_user_id.is_not(None)))).all()
            assert linked_users == [(1, ana.id)]  # Bruno (4242) was not linked
            assert 4242 not in tg.world.chats or not tg.messages_in(4242)
            await ana.expect_no_reply()
        finally:
            stop.set()
            await asyncio.wait_for(running, 10)
    finally:
        await database.dispose()
    tg.assert_no_client_errors()


# --- the command menu ----------------------------------------------------------------------------------------------
async def test_private_chats_get_the_customer_commands_menu(tg, bot):
    commands = tg.commands({"type": "all_private_chats"})
    assert [c["command"] for c in commands] == CUSTOMER_MENU
    assert all(c["description"] for c in commands)
    ana = tg.user("Ana", phone=ANA_PHONE)
    assert tg.menu(ana.chat_id, ana) == CUSTOMER_MENU
    await bot.configure(mode="register_only")
    await bot.restart()  # the menu follows the mode the bot starts with
    assert tg.menu(ana.chat_id, ana) == ["novo", "cancelar", "ajuda", "sair"]


# --- start-up ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "sentence"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, ("@BotFather", "TELEGRAM_BOT_TOKEN", ".env")),
        ({"TELEGRAM_BOT_TOKEN": "isto-não-é-um-token"}, ("TELEGRAM_BOT_TOKEN", "@BotFather")),
        ({"TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35, "TIMEZONE": "Marte/Base_Alfa"}, ("TIMEZONE",)),
        ({"TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35, "CONVERSATION_TIMEOUT_MINUTES": "meia hora"},
         ("CONVERSATION_TIMEOUT_MINUTES", "número inteiro")),
        ({"TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35, "DATABASE_URL": "mysql://root@localhost/x"},
         ("DATABASE_URL",)),
    ],
    ids=["no-token", "malformed-token", "unknown-timezone", "timeout-not-a-number", "unsupported-database"],
)
async def test_run_stops_with_one_sentence(tmp_path, settings, sentence):
    env = program_env(None, None, **settings)
    code, out, err = await run_program("run", env=env, cwd=tmp_path)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("atendimento: ") and lines[0].endswith("."), lines[0]
    assert all(part in lines[0] for part in sentence), lines[0]
    assert "Traceback" not in err and out == ""


# --- the error handler ---------------------------------------------------------------------------------------------
async def test_a_failing_handler_is_logged_reported_to_the_staff_group_and_apologised_for(tg, bot, monkeypatch, caplog):
    staff = tg.group("Equipe Atendimento", members=[tg.user("João", user_id=5001)])
    await bot.configure(staff_chat_id=staff.id)
    ana = await linked(tg, "Ana", ANA_PHONE)

    async def broken(*args, **kwargs):
        raise RuntimeError("falhou ao ler <tabela> & " + "💥" * 4000)  # markup, and longer than a message

    async def broken_too(*args, **kwargs):
        raise LookupError("<b>sem</b> unidade")

    monkeypatch.setattr(bot.services.customers, "my_tickets", broken)
    with caplog.at_level(logging.ERROR):
        await verify_dialog(ana, [
            ("/meus", says(APOLOGY, without=["Traceback", "RuntimeError", "tabela"])),
            ("/meus", says(APOLOGY)),  # the same failure again: logged, apologised for, reported once
            (command("/detalhes", 1), says("Atendimento nº 1")),  # everything else still works
            ("/novo", says("Qual é o tipo de atendimento?")),
            (press("Assistência técnica"), says("Qual é o assunto?")),
        ])
        monkeypatch.setattr(bot.services.wizard, "choose", broken_too)
        query = await ana.press("Infiltração")
        [apology] = await ana.wait_for_reply()
        assert APOLOGY in apology.text
        assert await query.wait_answered()  # answered once, by the error handler
        await wait_idle(tg, bot)
    reports = [m.text for m in staff.messages if "Erro no bot" in m.text]
    assert len(reports) == 2
    assert "RuntimeError" in reports[0] and "💥" * 1000 in reports[0]  # the end of a trace too long for a message
    assert "LookupError" in reports[1] and "<b>sem</b> unidade" in reports[1]  # escaped: shown as written
    assert all(len(report.encode("utf-16-le")) // 2 <= 4096 for report in reports)
    assert all(tg.token not in report for report in reports)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "bot.handlers.errors"]
    assert len(logged) == 3
    tg.assert_no_client_errors()


# --- updates of one chat in order, other chats not held up -------------------------------------------------------
def _update(update_id: int, chat_id: int):
    from datetime import UTC, datetime

    from telegram import Chat, Message, Update, User

    person = User(chat_id, "Pessoa", is_bot=False)
    message = Message(update_id, datetime.now(UTC), Chat(chat_id, "private"), from_user=person, text="oi")
    return Update(update_id, message=message)


async def test_a_flood_from_one_chat_holds_up_no_other_chat():
    from bot.update_processor import PerChatUpdateProcessor

    processor = PerChatUpdateProcessor(4)
    handled: list[tuple[int, int]] = []
    running: set[int] = set()
    overlapped = False

    async def handle(chat_id: int, update_id: int) -> None:
        nonlocal overlapped
        assert chat_id not in running, "two updates of one chat at once"
        overlapped = overlapped or bool(running)
        running.add(chat_id)
        await asyncio.sleep(0.002)
        handled.append((chat_id, update_id))
        running.discard(chat_id)

    flood = [(1, n) for n in range(30)]  # one person sends thirty messages at once…
    others = [(2, 100), (3, 101)]  # …and two others one each, right after
    tasks = [asyncio.create_task(processor.process_update(_update(n, chat), handle(chat, n)))
             for chat, n in flood + others]
    await asyncio.sleep(0)
    assert processor.current_concurrent_updates == 32  # waiting for their turn counts: 0 means idle
    await asyncio.gather(*tasks)
    assert [n for chat, n in handled if chat == 1] == list(range(30))  # in the order they came
    assert max(handled.index(other) for other in others) < 5  # not after the thirty
    assert overlapped and processor.current_concurrent_updates == 0
