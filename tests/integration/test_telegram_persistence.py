"""The bot's Telegram state survives a restart: every test writes through one SqlPersistence and reads back through a
new one on the same database, as the bot does after being killed and started again."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    PersistenceInput,
    filters,
)
from telegram.request import BaseRequest

from storage import tables as t
from storage.database import connect
from storage.telegram_persistence import NotJsonSafe, SqlPersistence, WriteThroughApplication

EVERYTHING = PersistenceInput()  # the bot itself leaves bot_data out (its services live there)


def restarted(db, **kwargs) -> SqlPersistence:
    return SqlPersistence(db, store_data=EVERYTHING, **kwargs)


class Statements:
    """Counts the data statements (not BEGIN/COMMIT) the engine sends."""

    def __init__(self, db) -> None:
        self.sent: list[str] = []
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._record)
        self.db = db

    def _record(self, _conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
            self.sent.append(statement)

    def close(self) -> None:
        event.remove(self.db.engine.sync_engine, "before_cursor_execute", self._record)


@pytest.fixture
def statements(db):
    counter = Statements(db)
    yield counter
    counter.close()


# --- conversations ------------------------------------------------------------------------------------------------
async def test_conversation_states_of_two_handlers_survive_a_restart(db):
    before = restarted(db)
    assert await before.get_conversations("novo") == {}
    await before.update_conversation("novo", (42, 42), "tipo")
    await before.update_conversation("novo", (43, 43), "assunto")
    await before.update_conversation("novo", (-1001234567890, 5001), "descricao")  # a group chat, negative id
    await before.update_conversation("staff", (42, 42), 3)
    await before.update_conversation("novo", (42, 42), "unidade")  # the customer moved on
    await before.update_conversation("novo", (43, 43), None)  # ended

    after = restarted(db)
    assert await after.get_conversations("novo") == {(42, 42): "unidade", (-1001234567890, 5001): "descricao"}
    assert await after.get_conversations("staff") == {(42, 42): 3}
    assert await after.get_conversations("nobody") == {}


async def test_a_conversation_key_is_stored_as_canonical_json(db):
    persistence = restarted(db)
    await persistence.update_conversation("novo", (42, 7), "tipo")
    async with db.engine.connect() as connection:
        rows = (await connection.execute(select(t.telegram_conversations.c.name, t.telegram_conversations.c.key))).all()
    assert [tuple(row) for row in rows] == [("novo", "[42,7]")]


async def test_ending_a_conversation_nobody_stored_costs_nothing(db, statements):
    persistence = restarted(db)
    await persistence.get_conversations("novo")
    statements.sent.clear()
    await persistence.update_conversation("novo", (1, 1), None)
    assert statements.sent == []


async def test_one_statement_per_change_and_none_for_a_repeat(db, statements):
    persistence = restarted(db)
    await persistence.get_conversations("novo")
    await persistence.get_user_data()
    statements.sent.clear()

    await persistence.update_conversation("novo", (1, 1), "tipo")
    await persistence.update_conversation("novo", (1, 1), "tipo")
    await persistence.update_user_data(1, {"page": 2})
    await persistence.update_user_data(1, {"page": 2})  # PTB hands over every user's data after every update
    await persistence.update_user_data(2, {})  # a user who never kept anything needs no row
    assert len(statements.sent) == 2
    assert all(sql.lstrip().upper().startswith("INSERT") and "ON CONFLICT" in sql.upper() for sql in statements.sent)


async def test_hundreds_of_concurrent_conversations_are_all_kept(db):
    persistence = restarted(db)
    await asyncio.gather(*(persistence.update_conversation("novo", (n, n), f"passo-{n % 5}") for n in range(200)))
    await asyncio.gather(*(persistence.update_conversation("novo", (n, n), None) for n in range(0, 200, 2)))
    stored = await restarted(db).get_conversations("novo")
    assert stored == {(n, n): f"passo-{n % 5}" for n in range(1, 200, 2)}


# --- user, chat and bot data --------------------------------------------------------------------------------------
async def test_user_chat_and_bot_data_survive_a_restart(db):
    before = restarted(db)
    assert (await before.get_user_data(), await before.get_chat_data(), await before.get_bot_data()) == ({}, {}, {})
    await before.update_user_data(42, {"page": 1, "nested": {"ids": [1, 2, 3], "ok": True, "ratio": 0.5}})
    await before.update_user_data(43, {"page": 7})
    await before.update_user_data(42, {"page": 2, "nested": {"ids": [1, 2, 3], "ok": True, "ratio": 0.5}})
    await before.update_chat_data(42, {"ultimo": "Residencial Jardins — Torre A, 101 ✓"})
    await before.update_chat_data(-100500, {"topic": 9})
    await before.update_bot_data({"started": "2026-11-27T12:00:00+00:00"})
    await before.drop_user_data(43)
    await before.drop_chat_data(-100500)

    assert SqlPersistence(db).store_data == PersistenceInput(bot_data=False)  # the bot's default: services live there
    after = restarted(db)
    assert await after.get_user_data() == {42: {"page": 2, "nested": {"ids": [1, 2, 3], "ok": True, "ratio": 0.5}}}
    assert await after.get_chat_data() == {42: {"ultimo": "Residencial Jardins — Torre A, 101 ✓"}}
    assert await after.get_bot_data() == {"started": "2026-11-27T12:00:00+00:00"}


async def test_data_emptied_by_a_handler_is_removed(db):
    before = restarted(db)
    await before.update_user_data(42, {"page": 1})
    await before.update_user_data(42, {})
    after = restarted(db)
    assert await after.get_user_data() == {}


async def test_a_new_instance_overwrites_what_an_earlier_one_wrote(db):
    await restarted(db).update_chat_data(42, {"v": 1})
    second = restarted(db)  # knows nothing yet: it must write, not assume
    await second.update_chat_data(42, {"v": 2})
    await restarted(db).drop_chat_data(42)
    assert await restarted(db).get_chat_data() == {}


async def test_callback_data_survives_a_restart(db):
    keyboards = [("kb-1", 1764244800.5, {"btn-a": "unidade:5000", "btn-b": {"page": 2}}), ("kb-2", 1764244801.0, {})]
    queries = {"query-9": "kb-1"}
    before = restarted(db)
    assert await before.get_callback_data() is None
    await before.update_callback_data((keyboards, queries))

    assert await restarted(db).get_callback_data() == (keyboards, queries)


async def test_what_get_returns_is_a_fresh_copy_ptb_may_change(db):
    persistence = restarted(db)
    await persistence.update_user_data(42, {"choices": {"tipo": 1}})
    await persistence.update_conversation("novo", (42, 42), "tipo")

    first = await persistence.get_user_data()
    first[42]["choices"]["tipo"] = 99
    first[43] = {"intruder": True}
    conversations = await persistence.get_conversations("novo")
    conversations[(42, 42)] = "changed"
    assert await persistence.get_user_data() == {42: {"choices": {"tipo": 1}}}
    assert await persistence.get_conversations("novo") == {(42, 42): "tipo"}

    # PTB changes the dict it got and hands it back: the change is written, not mistaken for the old value.
    await persistence.update_user_data(42, first[42])
    assert await restarted(db).get_user_data() == {42: {"choices": {"tipo": 99}}}


# --- JSON safety --------------------------------------------------------------------------------------------------
REFUSED = [
    ({"when": datetime(2026, 11, 27, tzinfo=UTC)}, "is of type datetime"),
    ({"choice": (1, 2)}, "is of type tuple (use a list)"),
    ({"ids": {1, 2}}, "is of type set"),
    ({"by_unit": {5000: "Torre A"}}, "has the key 5000 (int)"),
    ({"ratio": float("nan")}, "no NaN"),
    ({"draft": object()}, "is of type object"),
]


async def test_data_that_json_would_change_is_refused_loudly(db):
    persistence = restarted(db)
    for data, complaint in REFUSED:
        with pytest.raises(NotJsonSafe) as raised:
            await persistence.update_user_data(42, data)
        assert complaint in str(raised.value) and "user_data[42]" in str(raised.value)
    assert await restarted(db).get_user_data() == {}


async def test_a_state_that_is_neither_text_nor_number_is_refused(db):
    with pytest.raises(NotJsonSafe, match="states must be str or int"):
        await restarted(db).update_conversation("novo", (42, 42), ("tipo", 2))


# --- a real Application, killed and started again -----------------------------------------------------------------
BOT_USER = {"id": 999, "is_bot": True, "first_name": "Atendimento", "username": "atendimento_test_bot"}


class InProcessBotApi(BaseRequest):
    """Telegram's side of the two methods these tests use (getMe, sendMessage), answered in the process."""

    def __init__(self, sent: list[str]) -> None:
        self.sent = sent

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url, method, request_data=None, *_timeouts, **_named_timeouts):
        endpoint = url.rsplit("/", 1)[-1]
        parameters = request_data.parameters if request_data else {}
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint == "sendMessage":
            self.sent.append(parameters["text"])
            chat = {"id": parameters["chat_id"], "type": "private", "first_name": "Ana"}
            result = {"message_id": len(self.sent), "date": 1764244800, "chat": chat, "text": parameters["text"]}
        else:
            return 400, json.dumps({"ok": False, "error_code": 400, "description": f"{endpoint}: not here"}).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()


# The story's wizard: a three-step ConversationHandler that keeps its choices in user_data.
async def _start(update: Update, context) -> str:
    context.user_data["choices"] = {}
    await update.message.reply_text("tipo?")
    return "tipo"


async def _type(update: Update, context) -> str:
    context.user_data["choices"]["tipo"] = update.message.text
    await update.message.reply_text("assunto?")
    return "assunto"


async def _subject(update: Update, context) -> str:
    context.user_data["choices"]["assunto"] = update.message.text
    await update.message.reply_text("descricao?")
    return "descricao"


async def _description(update: Update, context) -> int:
    choices = context.user_data.pop("choices")
    await update.message.reply_text(f"enviado: {choices['tipo']} / {choices['assunto']} / {update.message.text}")
    return ConversationHandler.END


async def started_bot(database, sent: list[str], application_class=WriteThroughApplication) -> Application:
    application = (
        Application.builder()
        .token("123456:IN-PROCESS")
        .request(InProcessBotApi(sent))
        .get_updates_request(InProcessBotApi(sent))
        .updater(None)
        .persistence(SqlPersistence(database))
        .application_class(application_class)
        .build()
    )
    application.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("novo", _start)],
            states={
                "tipo": [MessageHandler(filters.TEXT & ~filters.COMMAND, _type)],
                "assunto": [MessageHandler(filters.TEXT & ~filters.COMMAND, _subject)],
                "descricao": [MessageHandler(filters.TEXT & ~filters.COMMAND, _description)],
            },
            fallbacks=[],
            name="novo",
            persistent=True,
        )
    )
    await application.initialize()
    return application


class Ana:
    """A customer typing in her private chat."""

    user_id = 42
    next_id = 0

    def says(self, application: Application, text: str):
        Ana.next_id += 1
        message = {
            "message_id": Ana.next_id,
            "date": 1764244800,
            "chat": {"id": self.user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": self.user_id, "is_bot": False, "first_name": "Ana"},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        update = Update.de_json({"update_id": Ana.next_id, "message": message}, application.bot)
        return application.process_update(update)


async def test_a_killed_bot_resumes_the_conversation_at_the_same_step(db, database_url):
    sent: list[str] = []
    ana = Ana()
    first = await started_bot(db, sent)
    await ana.says(first, "/novo")
    await ana.says(first, "Assistência técnica")
    await ana.says(first, "Infiltração")
    assert sent == ["tipo?", "assunto?", "descricao?"]
    del first  # killed: no stop(), no shutdown(), no update_persistence(), no flush()
    await db.engine.dispose()  # and its connections gone with it

    restarted_database = connect(database_url)
    try:
        second = await started_bot(restarted_database, sent)
        await ana.says(second, "Água escorrendo pela parede do quarto")
        assert sent[-1] == "enviado: Assistência técnica / Infiltração / Água escorrendo pela parede do quarto"

        # Ended: nothing of the conversation is left behind.
        leftover = SqlPersistence(restarted_database)
        assert await leftover.get_conversations("novo") == {}
        assert await leftover.get_user_data() == {}
        await second.shutdown()
    finally:
        await restarted_database.dispose()


async def test_without_write_through_ptb_would_have_lost_the_step(db):
    # Why WriteThroughApplication exists: PTB's own Application hands changes to the persistence only every
    # update_interval seconds (60 by default) and at stop().
    sent: list[str] = []
    plain = await started_bot(db, sent, application_class=Application)
    await Ana().says(plain, "/novo")
    assert sent == ["tipo?"]
    assert await SqlPersistence(db).get_conversations("novo") == {}
