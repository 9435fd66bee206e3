"""The fake Telegram Bot API server, checked with the real python-telegram-bot 22: every behaviour the product's
end-to-end tests rely on (answers, errors as PTB's exception classes, limits, faults, webhook, groups, dialogs)."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    BotCommandScopeChatMember,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.support.dialog import (
    NO_ANSWER,
    command,
    press,
    reply,
    says,
    share_contact,
    share_contact_of,
    sticker,
    verify_dialog,
    wait,
)
from sandbox.emulator import FakeTelegram, SimulationError
from sandbox.emulator.html_parser import EntityParseError, parse_html
from sandbox.emulator.markdown_parser import parse_markdown_v2

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def tg():
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg):
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.file_url) as client:
        yield client


def build_app(tg: FakeTelegram, **builder_options) -> Application:
    builder = Application.builder().token(tg.token).base_url(tg.base_url).base_file_url(tg.file_url)
    for name, value in builder_options.items():
        getattr(builder, name)(value)
    return builder.build()


class running:
    """An Application in long polling inside the test's loop."""

    def __init__(self, app: Application, **polling):
        self.app = app
        self.polling = {"poll_interval": 0, "timeout": 5, **polling}

    async def __aenter__(self) -> Application:
        await self.app.initialize()
        await self.app.start()
        await self.app.updater.start_polling(**self.polling)
        return self.app

    async def __aexit__(self, *exc_info) -> None:
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()


async def until(condition, timeout: float = 5.0) -> None:
    """For the few conditions that have no event to wait on (a request reaching the server)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def menu_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("Assistência técnica", callback_data="tipo:1"),
         InlineKeyboardButton("Solicitação", callback_data="tipo:2")],
        [InlineKeyboardButton("Cancelar", callback_data="cancelar")],
    ])


def echo_app(tg: FakeTelegram) -> Application:
    """A tiny bot: /start with a contact button, /menu with inline buttons (pressing edits the message), /pergunta
    with ForceReply, and an echo of anything else (HTML-escaped)."""
    app = build_app(tg)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = ReplyKeyboardMarkup([[KeyboardButton("Compartilhar telefone", request_contact=True)]],
                                       one_time_keyboard=True, resize_keyboard=True)
        await update.message.reply_text(f"Olá! args={context.args}", reply_markup=keyboard)

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Escolha o <b>tipo</b>:", parse_mode="HTML", reply_markup=menu_keyboard())

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer(f"ok {query.data}")
        await query.edit_message_text(f"Você escolheu {query.data}")

    async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Qual é a descrição?", reply_markup=ForceReply(selective=True))

    async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        shared = update.message.contact
        own = shared.user_id == update.effective_user.id
        await update.message.reply_text(f"contato {shared.phone_number} próprio={own}",
                                        reply_markup=ReplyKeyboardRemove())

    async def media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Recebi uma mídia, mas preciso de texto.")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        replied = update.message.reply_to_message
        prefix = "resposta" if replied and replied.from_user.id == context.bot.id else "eco"
        from html import escape

        await update.message.reply_text(f"<i>{prefix}</i>: {escape(update.message.text)}", parse_mode="HTML")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("pergunta", question))
    app.add_handler(CallbackQueryHandler(chosen))
    app.add_handler(MessageHandler(filters.CONTACT, contact))
    app.add_handler(MessageHandler(filters.PHOTO | filters.Sticker.ALL | filters.Document.ALL, media))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


# -- the echo bot, long polling, simulated people ---------------------------------------------------------------------
async def test_get_me_has_the_full_bot_user(bot, tg):
    me = await bot.get_me()
    assert me.id == tg.bot.id and me.is_bot and me.username == "atendimento_teste_bot"
    assert (me.can_join_groups, me.can_read_all_group_messages, me.supports_inline_queries) == (True, False, False)
    assert (me.can_connect_to_business, me.has_main_web_app) == (False, False)


async def test_any_well_formed_token_works_and_a_malformed_one_is_not_found(tg):
    async with Bot("123456:made-up-token", base_url=tg.base_url) as other:
        assert (await other.get_me()).username == tg.bot.username
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.base_url}not-a-token/getMe") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_an_echo_bot_answers_a_person_through_long_polling(tg):
    ana = tg.user("Ana", "Souza", phone="+5511999990001")
    async with running(echo_app(tg)):
        await ana.command("/start", "convite-42")
        [welcome] = await ana.wait_for_reply()
        assert welcome.text == "Olá! args=['convite-42']"
        assert ana.keyboard == ["Compartilhar telefone"] and ana.keyboard_requests_contact

        await ana.send("Olá <b>mundo</b> & cia")
        [echo] = await ana.wait_for_reply()
        assert echo.text == "eco: Olá <b>mundo</b> & cia"
        assert echo.message.entities == [{"type": "italic", "offset": 0, "length": 3}]
        assert echo.raw == "<i>eco</i>: Olá &lt;b&gt;mundo&lt;/b&gt; &amp; cia"
        assert echo.message.parse_mode == "HTML"
    assert [m.text for m in ana.messages] == ["Olá! args=['convite-42']", "eco: Olá <b>mundo</b> & cia"]
    assert ana.last.message_id == 4 and ana.messages[0].reply_to_message_id is None  # PTB quotes only in groups
    assert tg.count("sendMessage") == 2 and tg.errors == []


async def test_updates_carry_realistic_ids_dates_and_command_entities(tg, bot):
    ana = tg.user("Ana", username="ana_souza")
    await ana.command("/detalhes", 12)
    await ana.send("veja /ajuda e @atendimento_teste_bot")
    first, second = await bot.get_updates()
    assert second.update_id == first.update_id + 1
    message = first.message
    assert message.text == "/detalhes 12" and message.chat.type == "private" and message.chat.id == ana.id
    assert message.from_user.username == "ana_souza" and message.from_user.language_code == "pt-br"
    assert message.date.year >= 2024 and ana.id > 2**32
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 9)]
    assert [e.type for e in second.message.entities] == ["bot_command", "mention"]


async def test_what_people_type_is_cleaned_and_split_like_the_apps_do(tg, bot):
    ana = tg.user("Ana", user_id=5001)
    await ana.send("  linha 1\r\n\tlinha 2 \u2028 ")
    await ana.send("x" * 4096 + "y" * 10)
    with pytest.raises(SimulationError, match="empty message"):
        await ana.send(" \u200b\n")
    with pytest.raises(ValueError, match="already a Telegram user with id 5001"):
        tg.user("Outra", user_id=5001)
    texts = [u.message.text for u in await bot.get_updates()]
    assert texts == ["linha 1\n linha 2", "x" * 4096, "y" * 10]
    assert {u["message"]["from"]["id"] for u in tg.pending_updates} == {5001}


async def test_get_updates_offset_limit_and_long_polling(tg, bot):
    ana = tg.user("Ana")
    for text in ("um", "dois", "três"):
        await ana.send(text)
    first_two = await bot.get_updates(limit=2)
    assert [u.message.text for u in first_two] == ["um", "dois"]
    assert [u.message.text for u in await bot.get_updates()] == ["um", "dois", "três"]  # nothing confirmed yet
    rest = await bot.get_updates(offset=first_two[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["três"]
    assert tg.bot.updates.pending_count == 1  # the offset confirmed the first two
    assert [u.message.text for u in await bot.get_updates(offset=-1)] == ["três"]

    # a long poll returns as soon as an update arrives (well before its 30 s timeout)
    poll = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=30, read_timeout=35))
    await until(lambda: tg.bot.updates.pollers == 1)
    assert not poll.done()
    await ana.send("quatro")
    [update] = await asyncio.wait_for(poll, 5)
    assert update.message.text == "quatro"


async def test_a_newer_poll_ends_the_older_one_with_409(tg, bot):
    old = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=35))
    await until(lambda: tg.bot.updates.pollers == 1)
    async with Bot(tg.token, base_url=tg.base_url) as second_instance:
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.gather(old, second_instance.get_updates(timeout=0))


async def test_allowed_updates_filters_kinds_and_chat_member_is_off_by_default(tg, bot):
    ana, bia = tg.user("Ana"), tg.user("Bia")
    staff = tg.group("Equipe", members=[ana])
    await staff.add_member(bia, by=ana)
    [joined] = await bot.get_updates()
    assert joined.message.new_chat_members[0].id == bia.id  # and no chat_member update: not sent by default
    await bot.get_updates(offset=joined.update_id + 1, allowed_updates=Update.ALL_TYPES)
    await staff.remove_member(bia, by=ana)
    changed, left = await bot.get_updates()
    assert (changed.chat_member.old_chat_member.status, changed.chat_member.new_chat_member.status) == (
        "member", "kicked")
    assert left.message.left_chat_member.id == bia.id
    await bot.get_updates(offset=left.update_id + 1, allowed_updates=["callback_query"])
    await ana.send("ignorada")
    assert await bot.get_updates() == () and tg.bot.updates.filtered_out[-1]["message"]["text"] == "ignorada"


# -- Telegram's errors reach PTB as the right exceptions ---------------------------------------------------------------
async def test_message_text_limits_count_utf16_after_parsing(tg, bot):
    ana = tg.user("Ana", started=True)
    with pytest.raises(BadRequest, match="^Message text is empty$"):
        await bot.send_message(ana.id, "")
    with pytest.raises(BadRequest, match="^Message text is empty$"):
        await bot.send_message(ana.id, "<b> </b>\n\u200b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="^Message is too long$"):
        await bot.send_message(ana.id, "a" * 4097)
    await bot.send_message(ana.id, "a" * 4096)
    await bot.send_message(ana.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")  # tags do not count
    await bot.send_message(ana.id, "😀" * 2048)  # 4096 UTF-16 code units
    with pytest.raises(BadRequest, match="^Message is too long$"):
        await bot.send_message(ana.id, "😀" * 2048 + "a")
    with pytest.raises(BadRequest, match="^Message is too long$"):
        await bot.send_message(ana.id, "&lt;" * 4097, parse_mode="HTML")
    assert [r.description for r in tg.bad_requests] == [
        "Bad Request: message text is empty", "Bad Request: message text is empty",
        "Bad Request: message is too long", "Bad Request: message is too long", "Bad Request: message is too long",
    ]
    assert tg.bad_requests[2].params["chat_id"] == str(ana.id)


@pytest.mark.parametrize(("html", "detail"), [
    ("Olá <foo>mundo</foo>", 'Unsupported start tag "foo" at byte offset 5'),
    ("ção <br>", 'Unsupported start tag "br" at byte offset 6'),
    ("<b>negrito", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("fim <", "Unclosed start tag at byte offset 4"),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("AT&T", 'Character "&" must be escaped as "&amp;" at byte offset 2'),
    ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;" at byte offset 2'),
    ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0'),
])
async def test_strict_html_is_refused_with_telegrams_detail(tg, bot, html, detail):
    ana = tg.user("Ana", started=True)
    with pytest.raises(BadRequest) as raised:
        await bot.send_message(ana.id, html, parse_mode="HTML")
    assert tg.bad_requests[-1].description == f"Bad Request: can't parse entities: {detail}"
    assert raised.value.message == f"can't parse entities: {detail}".capitalize()


def test_html_parser_builds_telegrams_entities():
    text, entities = parse_html(
        '<b>negrito <i>itálico</i></b> &lt;tag&gt; &#128512; &#x41;&amp;'
        '<a href="https://ex.com/?a=1&amp;b=2">link</a> <tg-spoiler>s</tg-spoiler>'
        '<span class="tg-spoiler">p</span> <u>u</u><ins>i</ins><s>s</s><del>d</del><strike>t</strike><em>e</em>'
        '<strong>f</strong>\n<pre><code class="language-python">print(1)</code></pre> <code>x</code>'
        '<blockquote expandable>citação</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    assert text == "negrito itálico <tag> 😀 A&link sp uisdtef\nprint(1) xcitação👍"
    kinds = [(e["type"], e["offset"], e["length"]) for e in entities]
    assert kinds[:3] == [("bold", 0, 15), ("italic", 8, 7), ("text_link", 27, 4)]
    assert {"type": "text_link", "offset": 27, "length": 4, "url": "https://ex.com/?a=1&b=2"} in entities
    assert {"type": "pre", "offset": 43, "length": 8, "language": "python"} in entities
    assert {"type": "code", "offset": 52, "length": 1} in entities
    assert ("expandable_blockquote", 53, 7) in kinds and ("custom_emoji", 60, 2) in kinds
    assert {e["type"] for e in entities} >= {"spoiler", "underline", "strikethrough"}
    # "😀" counts two UTF-16 units: the text link after it starts at 27, not 26
    with pytest.raises(EntityParseError, match="Unsupported start tag \"p\""):
        parse_html("<p>parágrafo</p>")
    assert parse_html("AT&T", strict_ampersand=False) == ("AT&T", [])
    assert parse_html("<B>x</B >") == ("x", [{"type": "bold", "offset": 0, "length": 1}])


def test_markdown_v2_is_strict_about_reserved_characters():
    assert parse_markdown_v2(r"*negrito* _it_ \. fim\!") == (
        "negrito it . fim!",
        [{"type": "bold", "offset": 0, "length": 7}, {"type": "italic", "offset": 8, "length": 2}],
    )
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved and must be escaped with the preceding"):
        parse_markdown_v2("Atendimento 12.")
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_markdown_v2("*aberto")
    text, entities = parse_markdown_v2("[site](https://ex.com) `x` ```py\nprint()```")
    assert text == "site x print()"
    assert entities == [{"type": "text_link", "offset": 0, "length": 4, "url": "https://ex.com"},
                        {"type": "code", "offset": 5, "length": 1},
                        {"type": "pre", "offset": 7, "length": 7, "language": "py"}]


async def test_markdown_v2_errors_reach_the_bot(tg, bot):
    ana = tg.user("Ana", started=True)
    with pytest.raises(BadRequest, match="reserved and must be escaped"):
        await bot.send_message(ana.id, "Total: 1.5", parse_mode="MarkdownV2")
    sent = await bot.send_message(ana.id, r"Total: *1\.5*", parse_mode="MarkdownV2")
    assert sent.text == "Total: 1.5" and sent.entities[0].type == "bold"


async def test_inline_keyboards_are_checked(tg, bot):
    ana = tg.user("Ana", started=True)
    too_long = "x" * 65
    with pytest.raises(BadRequest, match="^Button_data_invalid$"):
        await bot.send_message(ana.id, "a", reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("A", callback_data=too_long)))
    with pytest.raises(BadRequest, match="^Button_data_invalid$"):  # 22 × 3 bytes
        await bot.send_message(ana.id, "a", reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("A", callback_data="ção" * 22)))
    with pytest.raises(BadRequest, match="^Button_data_invalid$"):
        await bot.send_message(ana.id, "a", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(str(i), callback_data=str(i))] for i in range(101)]))
    with pytest.raises(BadRequest, match="(?i)text buttons are unallowed in the inline keyboard"):
        await bot.send_message(ana.id, "a", reply_markup={"inline_keyboard": [[{"text": "só texto"}]]})
    sent = await bot.send_message(ana.id, "a", reply_markup=InlineKeyboardMarkup.from_button(
        InlineKeyboardButton("A", callback_data="x" * 64)))
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "x" * 64
    assert [r.description for r in tg.bad_requests] == ["Bad Request: BUTTON_DATA_INVALID"] * 3 + [
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"]


async def test_editing_rules(tg, bot):
    ana = tg.user("Ana", started=True)
    sent = await bot.send_message(ana.id, "<b>Status</b>: aberto", parse_mode="HTML", reply_markup=menu_keyboard())
    with pytest.raises(BadRequest, match="^Message is not modified: specified new message content and reply markup"):
        await bot.edit_message_text("<strong>Status</strong>: aberto", ana.id, sent.message_id, parse_mode="HTML",
                                     reply_markup=menu_keyboard())
    edited = await bot.edit_message_text("Status: fechado", ana.id, sent.message_id)
    assert edited.text == "Status: fechado" and edited.reply_markup is None and edited.edit_date
    with pytest.raises(BadRequest, match="^Message is not modified"):
        await bot.edit_message_reply_markup(ana.id, sent.message_id)
    await bot.edit_message_reply_markup(ana.id, sent.message_id, reply_markup=menu_keyboard())
    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await bot.edit_message_text("x", ana.id, 999)
    mine = await ana.send("minha mensagem")
    with pytest.raises(BadRequest, match="^Message can't be edited$"):
        await bot.edit_message_text("x", ana.id, mine["message_id"])
    assert await bot.delete_message(ana.id, sent.message_id)
    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await bot.edit_message_text("x", ana.id, sent.message_id)
    with pytest.raises(BadRequest, match="^Message to delete not found$"):
        await bot.delete_message(ana.id, sent.message_id)

    [message] = tg.messages_in(ana, include_deleted=True)
    assert message.deleted and message.history == ["Status: aberto", "Status: fechado", "Status: fechado"]
    assert [v.reply_markup is not None for v in message.versions] == [True, False, True]
    assert ana.messages == [] and [(r.is_edit, r.text) for r in ana.chat.shown] == [
        (False, "Status: aberto"), (True, "Status: fechado"), (True, "Status: fechado")]


async def test_callback_queries_are_answered_once(tg, bot):
    ana = tg.user("Ana", started=True)
    await bot.send_message(ana.id, "Escolha", reply_markup=menu_keyboard())
    query = await ana.press("Solicitação")
    [update] = await bot.get_updates()
    assert update.callback_query.data == "tipo:2" and update.callback_query.from_user.id == ana.id
    assert update.callback_query.message.text == "Escolha"
    await update.callback_query.answer("Anotado")
    assert query.answered and query.answer_text == "Anotado"
    with pytest.raises(BadRequest, match="^Query is too old and response timeout expired or query id is invalid$"):
        await update.callback_query.answer("de novo")
    with pytest.raises(BadRequest, match="^Query is too old"):
        await bot.answer_callback_query("123")
    with pytest.raises(SimulationError, match="has no button 'Voltar'"):
        await ana.press("Voltar", ana.last)
    with pytest.raises(SimulationError, match="no bot message in Ana's chat has a button 'Enviar'"):
        await ana.press("Enviar")
    assert (await ana.press("tipo:1")).data == "tipo:1"  # by callback data too


@pytest.mark.parametrize(("situation", "error", "message"), [
    ("blocked", Forbidden, "Forbidden: bot was blocked by the user"),
    ("deactivated", Forbidden, "Forbidden: user is deactivated"),
    ("never started", Forbidden, "Forbidden: bot can't initiate conversation with a user"),
    ("unknown chat", BadRequest, "Chat not found"),
])
async def test_private_chats_the_bot_cannot_write_to(tg, bot, situation, error, message):
    ana = tg.user("Ana", started=situation != "never started")
    if situation == "blocked":
        await ana.block_bot()
    elif situation == "deactivated":
        await ana.deactivate()
    with pytest.raises(error) as raised:
        await bot.send_message(123456 if situation == "unknown chat" else ana.id, "Olá")
    assert raised.value.message == message


async def test_blocking_the_bot_gives_a_my_chat_member_update_and_writing_unblocks_nothing(tg, bot):
    ana = tg.user("Ana", started=True)
    await ana.block_bot()
    [update] = await bot.get_updates()
    change = update.my_chat_member
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("member", "kicked")
    with pytest.raises(SimulationError, match="blocked the bot"):
        await ana.send("oi")
    await ana.unblock_bot()
    await bot.send_message(ana.id, "de volta")


async def test_groups_kicks_and_migration(tg, bot):
    ana, bia = tg.user("Ana"), tg.user("Bia")
    staff = tg.group("Equipe", members=[ana, bia], supergroup=False, bot=None)
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(staff.id, "x")
    await staff.add_bot(by=ana)
    added, joined = await bot.get_updates()
    assert added.my_chat_member.new_chat_member.status == "member"
    assert joined.message.new_chat_members[0].id == tg.bot.id

    await staff.migrate_to_supergroup(by=ana)
    old_id = staff.old_ids[0]
    updates = await bot.get_updates(offset=joined.update_id + 1)
    assert [u.message.migrate_to_chat_id for u in updates][0] == staff.id
    assert updates[1].message.migrate_from_chat_id == old_id and updates[1].message.chat.type == "supergroup"
    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(old_id, "pendência")
    assert raised.value.new_chat_id == staff.id
    await bot.send_message(raised.value.new_chat_id, "pendência")
    assert [m.text for m in staff.messages] == ["pendência"]

    await staff.kick_bot(by=ana)
    with pytest.raises(Forbidden, match="^Forbidden: bot was kicked from the supergroup chat$"):
        await bot.send_message(staff.id, "x")


async def test_privacy_mode_decides_what_the_bot_sees_in_groups(tg, bot):
    ana = tg.user("Ana")
    team = tg.group("Equipe", members=[ana], bot="member")
    await ana.say_in(team, "bom dia a todos")
    await ana.command_in(team, "/pendencias", "minhas")
    await ana.say_in(team, "/ver@outro_bot 3")
    await ana.say_in(team, "/ajuda")
    texts = [u.message.text for u in await bot.get_updates()]
    assert texts == ["/pendencias@atendimento_teste_bot minhas", "/ajuda"]
    sent = await bot.send_message(team.id, "Pendência nova")
    await ana.say_in(team, "eu resolvo", reply_to=sent)
    [update] = await bot.get_updates(offset=-1)
    assert update.message.reply_to_message.message_id == sent.message_id


async def test_forum_topics_and_message_thread_id(tg, bot):
    ana = tg.user("Ana")
    staff = tg.group("Equipe", members=[ana], forum=True)
    topic = await staff.create_topic("Pendências", by=ana)
    await ana.say_in(staff, "nova", topic=topic)
    created, said = await bot.get_updates()
    assert created.message.forum_topic_created.name == "Pendências"
    assert said.message.message_thread_id == topic.thread_id and said.message.is_topic_message
    sent = await bot.send_message(staff.id, "Atendimento 7", message_thread_id=topic.thread_id)
    assert sent.message_thread_id == topic.thread_id
    with pytest.raises(BadRequest, match="^Message thread not found$"):
        await bot.send_message(staff.id, "x", message_thread_id=999)
    made = await bot.create_forum_topic(staff.id, "Atendimento 8")
    await bot.send_message(staff.id, "detalhes", message_thread_id=made.message_thread_id)
    assert [m.text for m in staff.in_topic(made.message_thread_id)] == ["detalhes"]


async def test_chat_information(tg, bot):
    ana, bia = tg.user("Ana", started=True), tg.user("Bia")
    staff = tg.group("Equipe", members=[bia], admins=[ana])
    chat = await bot.get_chat(staff.id)
    assert (chat.title, chat.type) == ("Equipe", "supergroup")
    assert (await bot.get_chat(ana.id)).first_name == "Ana"
    assert (await bot.get_chat_member(staff.id, ana.id)).status == "administrator"
    assert (await bot.get_chat_member(staff.id, bia.id)).status == "member"
    assert (await bot.get_chat_member(staff.id, tg.bot.id)).status == "administrator"
    assert sorted(m.user.id for m in await bot.get_chat_administrators(staff.id)) == sorted([ana.id, tg.bot.id])
    assert await bot.get_chat_member_count(staff.id) == 3
    with pytest.raises(BadRequest, match="^Chat not found$"):
        await bot.get_chat(-100123)


# -- flood control and fault injection --------------------------------------------------------------------------------
class SteppedClock:
    """Time that moves only when the test says, so flood-control tests do not depend on the machine's speed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_answers_429_only_when_a_limit_is_exceeded(tg, bot):
    people = [tg.user(f"P{i}", started=True) for i in range(31)]
    staff = tg.group("Equipe", members=people[:1])
    await bot.send_message(people[0].id, "sem limite enquanto desligado")
    await bot.send_message(people[0].id, "sem limite enquanto desligado")
    clock = tg.flood.clock = SteppedClock()
    tg.flood.enabled = True
    tg.flood.configure()
    for person in people[:30]:  # 30 new messages in the same instant: the global limit is 30/s
        await bot.send_message(person.id, "aviso")
    await bot.edit_message_text("editar não conta", people[1].id, people[1].last.message_id)
    with pytest.raises(RetryAfter):
        await bot.send_message(people[30].id, "trigésima primeira")
    clock.now += 1 / 30
    await bot.send_message(people[30].id, "trigésima primeira")

    clock.now += 1
    await bot.send_message(people[0].id, "um")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(people[0].id, "dois")  # 1 message/s to one private chat
    assert raised.value.retry_after == 1
    assert tg.errors[-1].description == "Too Many Requests: retry after 1"
    clock.now += 0.96  # a client pacing itself at 1/s is not refused for network jitter
    await bot.send_message(people[0].id, "dois")
    assert tg.count_429() == 2 and tg.count_429(people[0]) == 1 and tg.count_429(injected=True) == 0

    tg.flood.configure(group_per_minute=20, global_per_second=1000)
    for i in range(20):
        await bot.send_message(staff.id, f"pendência {i}")  # a burst of 20 per group
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(staff.id, "21ª")
    assert raised.value.retry_after == 3  # 20/min: one more every 3 s
    clock.now += 3
    await bot.send_message(staff.id, "21ª")
    assert tg.log.rate_limited_per_chat()[staff.id] == 1


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_private_burst_is_configurable(tg, bot):
    ana = tg.user("Ana", started=True)
    tg.flood.enabled = True
    tg.flood.configure(private_burst=3)
    for i in range(3):
        await bot.send_message(ana.id, str(i))
    with pytest.raises(RetryAfter):
        await bot.send_message(ana.id, "4")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_faults_reach_ptb_as_network_errors_and_retry_after(tg, bot):
    ana = tg.user("Ana", started=True)
    tg.faults.bad_gateway(requests=2, methods=["sendMessage"])
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(ana.id, "x")
    await bot.get_me()
    await bot.send_message(ana.id, "passou")
    tg.faults.server_error(requests=1)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_me()
    storm = tg.faults.flood(retry_after=7, chats=[ana.id])
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(ana.id, "x")
    assert raised.value.retry_after == 7
    await bot.get_me()  # not about Ana's chat
    storm.clear()
    await bot.send_message(ana.id, "fim da tempestade")
    assert [m.text for m in ana.messages] == ["passou", "fim da tempestade"]
    assert tg.count_429(ana, injected=True) == 1
    assert [r.status for r in tg.requests if r.injected] == [502, 502, 500, 429]


async def test_a_hang_times_out_and_a_lost_answer_still_delivers(tg):
    ana = tg.user("Ana", started=True)
    impatient = HTTPXRequest(read_timeout=0.2)
    async with Bot(tg.token, base_url=tg.base_url, request=impatient) as bot:
        tg.faults.hang(requests=1, methods="sendMessage")
        with pytest.raises(TimedOut):
            await bot.send_message(ana.id, "perdida")
        assert ana.messages == []
        tg.faults.hang(requests=1, methods="sendMessage", after_processing=True)
        with pytest.raises(TimedOut):
            await bot.send_message(ana.id, "entregue sem resposta")
        assert [m.text for m in ana.messages] == ["entregue sem resposta"]
        tg.faults.bad_gateway(seconds=30, after_processing=True)
        with pytest.raises(NetworkError):
            await bot.send_message(ana.id, "também")
        tg.faults.clear()
        await bot.send_message(ana.id, "normal")
    assert [m.text for m in ana.messages] == ["entregue sem resposta", "também", "normal"]


async def test_unknown_methods_are_not_found(tg, bot):
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert tg.log.unknown_methods["noSuchMethod"] == 1


async def test_less_common_methods_and_events(tg, bot):
    ana = tg.user("Ana", started=True)
    staff = tg.group("Equipe", members=[ana], forum=True)
    assert await bot.send_chat_action(ana.id, "typing")
    with pytest.raises(BadRequest, match="^Wrong parameter action in request$"):
        await bot.send_chat_action(ana.id, "dancing")
    assert ana.chat.chat_actions == ["typing"]

    photo = await bot.send_photo(ana.id, InputFile(b"img", filename="a.jpg"), caption="antes")
    await bot.edit_message_caption(ana.id, photo.message_id, caption="<i>depois</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="^There is no text in the message to edit$"):
        await bot.edit_message_text("x", ana.id, photo.message_id)
    assert ana.last.history == ["antes", "depois"] and ana.last.kind == "photo"
    file = await bot.get_file(photo.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == b"img"

    sent = [await bot.send_message(ana.id, str(i)) for i in range(3)]
    assert await bot.delete_messages(ana.id, [m.message_id for m in sent[:2]] + [999])
    assert [m.text for m in ana.messages] == ["depois", "2"] and len(tg.deleted) == 2
    assert [m.text for m in tg.sent] == ["depois", "0", "1", "2"]

    typed = await ana.send("rascunho")
    await ana.edit(typed, "versão final")
    topic = await staff.create_topic("Pendências", by=ana)
    await bot.close_forum_topic(staff.id, topic.thread_id)
    with pytest.raises(BadRequest, match="^Topic_closed$"):
        await bot.send_message(staff.id, "x", message_thread_id=topic.thread_id)
    assert await bot.leave_chat(staff.id)
    updates = await bot.get_updates()
    assert updates[0].message.text == "rascunho" and updates[1].edited_message.text == "versão final"
    assert updates[-1].my_chat_member.new_chat_member.status == "left"
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(staff.id, "x")


async def test_callback_queries_expire_when_a_lifetime_is_set():
    async with FakeTelegram(callback_query_ttl=0) as tg:
        async with Bot(tg.token, base_url=tg.base_url) as client:
            ana = tg.user("Ana", started=True)
            await client.send_message(ana.id, "Escolha", reply_markup=menu_keyboard())
            query = await ana.press("Cancelar")
            await asyncio.sleep(0.01)
            with pytest.raises(BadRequest, match="^Query is too old"):
                await client.answer_callback_query(query.id)


async def test_a_dialog_can_expect_several_messages_and_answers_in_a_group(tg):
    ana = tg.user("Ana")
    staff = tg.group("Equipe", members=[ana])
    app = build_app(tg)

    async def novo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Atendimento 1 registrado.")
        await update.message.reply_text("Acompanhe com /meus.")
        await context.bot.send_message(staff.id, f"Nova pendência de {update.effective_user.first_name}")

    app.add_handler(CommandHandler("novo", novo))
    async with running(app):
        await verify_dialog(ana, [
            ("/novo", [says("registrado"), says("/meus"), says("Nova pendência de Ana", in_chat=staff)]),
        ])
    assert [m.text for m in staff.messages] == ["Nova pendência de Ana"]


# -- bodies, commands, webhook, files ---------------------------------------------------------------------------------
async def test_json_form_and_multipart_bodies(tg, bot):
    ana = tg.user("Ana", started=True)
    async with aiohttp.ClientSession() as http:
        url = f"{tg.base_url}{tg.token}/sendMessage"
        async with http.post(url, json={"chat_id": ana.id, "text": "json", "reply_markup": {
                "inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}}) as response:
            body = await response.json()
            assert response.status == 200 and body["ok"] and body["result"]["reply_markup"]["inline_keyboard"]
        async with http.post(url, data={"chat_id": str(ana.id), "text": "form", "parse_mode": "HTML"}) as response:
            assert (await response.json())["result"]["text"] == "form"
        async with http.get(url, params={"chat_id": str(ana.id)}) as response:
            assert response.status == 400
            assert await response.json() == {"ok": False, "error_code": 400,
                                             "description": "Bad Request: message text is empty"}
    photo = await bot.send_photo(ana.id, InputFile(b"\x89PNG fake", filename="a.png"), caption="<b>foto</b>",
                                 parse_mode="HTML")
    assert photo.caption == "foto" and photo.photo[-1].file_size == 9
    assert [(m.kind, m.text) for m in ana.messages] == [("text", "json"), ("text", "form"), ("photo", "foto")]


async def test_files_people_send_can_be_downloaded(tg, bot):
    ana = tg.user("Ana")
    await ana.send_photo(content=b"jpeg bytes", caption="vazamento")
    await ana.send_document("planta.pdf", content=b"%PDF")
    photo_update, document_update = await bot.get_updates()
    photo = await photo_update.message.photo[-1].get_file()
    assert bytes(await photo.download_as_bytearray()) == b"jpeg bytes"
    assert photo_update.message.caption == "vazamento"
    document = await document_update.message.document.get_file()
    assert document_update.message.document.file_name == "planta.pdf"
    assert bytes(await document.download_as_bytearray()) == b"%PDF"


async def test_command_menus_with_scopes_and_languages(tg, bot):
    ana, joao = tg.user("Ana"), tg.user("João")
    staff = tg.group("Equipe", members=[ana], admins=[joao])
    await bot.set_my_commands([BotCommand("start", "Começar"), BotCommand("novo", "Novo atendimento")],
                              scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands([BotCommand("pendencias", "Pendências")], scope=BotCommandScopeChat(staff.id))
    await bot.set_my_commands([BotCommand("encerrar", "Encerrar")], scope=BotCommandScopeChatAdministrators(staff.id))
    await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeAllGroupChats(), language_code="en")
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())] == ["start", "novo"]
    assert await bot.get_my_commands() == ()
    assert tg.commands({"type": "chat", "chat_id": staff.id}) == [{"command": "pendencias",
                                                                   "description": "Pendências"}]
    assert tg.menu(ana) == ["start", "novo"]
    assert tg.menu(staff, ana) == ["pendencias"] and tg.menu(staff, joao) == ["encerrar"]
    await bot.set_my_commands([BotCommand("minhas", "Minhas")], scope=BotCommandScopeChatMember(staff.id, ana.id))
    assert tg.menu(staff, ana) == ["minhas"]
    other = tg.group("Outro", members=[ana])
    assert tg.menu(other, ana, "en") == ["help"] and tg.menu(other, ana, "pt-br") == []
    with pytest.raises(BadRequest, match="^Bot_command_invalid$"):
        await bot.set_my_commands([BotCommand("Novo-Atendimento", "x")])
    await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert tg.menu(ana) == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_mode_delivers_with_the_secret_header(tg):
    ana = tg.user("Ana")
    app = echo_app(tg)
    port = free_port()
    await app.initialize()
    await app.start()
    await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="hook",
                                    webhook_url=f"http://127.0.0.1:{port}/hook", secret_token="segredo-1")
    try:
        assert tg.bot.webhook.url.endswith("/hook") and tg.bot.webhook.secret_token == "segredo-1"
        await ana.send("via webhook")
        [answer] = await ana.wait_for_reply()
        assert answer.text == "eco: via webhook"
        info = await app.bot.get_webhook_info()
        assert info.url == f"http://127.0.0.1:{port}/hook" and info.pending_update_count == 0
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await app.bot.get_updates()
        async with aiohttp.ClientSession() as http:  # PTB refuses an update without the secret
            async with http.post(f"http://127.0.0.1:{port}/hook", json={"update_id": 1}) as response:
                assert response.status == 403
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_webhook_delivery_retries_until_accepted(tg, bot):
    ana = tg.user("Ana")
    port = free_port()
    received: list[tuple[str | None, dict]] = []
    both_received = asyncio.Event()
    failures = [503]

    async def hook(request):
        if failures:
            return aiohttp.web.Response(status=failures.pop())
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        if len(received) == 2:
            both_received.set()
        return aiohttp.web.Response()

    receiver = aiohttp.web.Application()
    receiver.router.add_post("/hook", hook)
    runner = aiohttp.web.AppRunner(receiver)
    await runner.setup()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await ana.send("pendente antes do webhook")
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="abc")
        await ana.send("depois")
        await asyncio.wait_for(both_received.wait(), 5)
        assert [(secret, body["message"]["text"]) for secret, body in received] == [
            ("abc", "pendente antes do webhook"), ("abc", "depois")]
        info = await bot.get_webhook_info()
        assert info.last_error_message == "Wrong response from the webhook: 503 Service Unavailable"
        await bot.delete_webhook()
        await ana.send("de volta ao polling")
        [update] = await bot.get_updates()
        assert update.message.text == "de volta ao polling"
    finally:
        await runner.cleanup()


# -- dialogs as tables ------------------------------------------------------------------------------------------------
async def test_a_dialog_table_drives_the_echo_bot(tg):
    ana, bia = tg.user("Ana", phone="+55 11 99999-0001"), tg.user("Bia", phone="+5521988887777")
    async with running(echo_app(tg)):
        transcript = await verify_dialog(ana, [
            ("/start", says("Olá", keyboard=["Compartilhar telefone"])),
            (share_contact(), says("contato 5511999990001 próprio=True")),
            (share_contact_of(bia), "próprio=False"),
            (command("/menu"), says("Escolha o tipo", buttons=["Assistência técnica", "Solicitação", "Cancelar"])),
            (press("Solicitação"), says("Você escolheu tipo:2", edit=True, buttons=[], toast="ok tipo:2")),
            (sticker(), "preciso de texto"),
            ("/pergunta", "Qual é a descrição?"),
            (reply("Infiltração na sala"), says(regex=r"^resposta: Infiltração")),
            ("/desconhecido", NO_ANSWER),
            ("<script>", "eco: <script>"),
        ])
    assert "Ana: [presses 'Solicitação']" in str(transcript)
    assert tg.errors == [] and not ana.keyboard


async def test_a_failing_dialog_shows_the_transcript(tg):
    ana = tg.user("Ana")
    async with running(echo_app(tg)):
        with pytest.raises(AssertionError) as failure:
            await verify_dialog(ana, [
                ("/menu", says("Escolha", with_buttons=["Cancelar"])),
                (press("Cancelar"), says("Cancelado")),
            ], timeout=2)
        with pytest.raises(AssertionError, match="waited 0.2 s for 1 answer"):
            await verify_dialog(ana, [(wait(), "algo")], timeout=0.2)
    message = str(failure.value)
    assert "dialog step 2 ([presses 'Cancelar'])" in message
    assert "does not contain 'Cancelado'" in message
    assert "bot: Escolha o tipo: [Assistência técnica] [Solicitação] [Cancelar]" in message
    assert "bot (edit #2): Você escolheu cancelar" in message


async def test_wait_for_reply_returns_exactly_count_and_reports_the_bots_failures(tg, bot):
    ana = tg.user("Ana", started=True)
    await ana.send("oi")
    await bot.send_message(ana.id, "um")
    await bot.send_message(ana.id, "dois")
    assert [r.text for r in await ana.wait_for_reply()] == ["um"]
    assert [r.text for r in await ana.wait_for_reply()] == ["dois"]
    with pytest.raises(BadRequest):
        await bot.send_message(ana.id, "<b>quebrado", parse_mode="HTML")
    with pytest.raises(AssertionError, match=r"(?s)got 0.*sendMessage → 400 Bad Request: can't parse entities"):
        await ana.wait_for_reply(timeout=0.1)
    await ana.expect_no_reply(within=0.01)


# -- a bot in a subprocess: killed and started again, the state stays in the server ----------------------------------
BOT_SCRIPT = textwrap.dedent("""
    import sys
    from telegram.ext import Application, MessageHandler, filters

    async def echo(update, context):
        await update.message.reply_text(f"{sys.argv[3]}: {update.message.text}")

    app = Application.builder().token(sys.argv[1]).base_url(sys.argv[2]).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0, timeout=2)
""")


async def test_a_bot_in_a_subprocess_killed_and_restarted(tg, tmp_path):
    script = tmp_path / "bot.py"
    script.write_text(BOT_SCRIPT)
    ana = tg.user("Ana")

    async def start(name: str):
        return await asyncio.create_subprocess_exec(sys.executable, str(script), tg.token, tg.base_url, name,
                                                    env={**os.environ, "PYTHONPATH": str(ROOT)})

    first = await start("primeiro")
    try:
        await ana.send("um")
        [answer] = await ana.wait_for_reply(timeout=15)
        assert answer.text == "primeiro: um"
        await tg.wait_until_confirmed()  # else the restarted bot gets "um" again, as from Telegram
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    await ana.send("dois, enquanto o bot está fora")
    second = await start("segundo")
    try:
        [answer] = await ana.wait_for_reply(timeout=15)
        assert answer.text == "segundo: dois, enquanto o bot está fora"
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    assert tg.bad_requests == []
    assert [m.text for m in ana.messages] == ["primeiro: um", "segundo: dois, enquanto o bot está fora"]
