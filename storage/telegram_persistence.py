"""python-telegram-bot 22's persistence on our database, as JSON rows (no pickle: rows survive code upgrades and a
leaked or edited row cannot run code).

How PTB calls a persistence: it loads everything once, in `Application.initialize()` (the get_* methods), and after
that hands changes over only from `Application.update_persistence()` — which PTB runs every `update_interval`
seconds and at `stop()`, not after each update. So that a bot killed with SIGKILL right after a handler returned
loses nothing, build the application with `WriteThroughApplication` (below), which runs `update_persistence()` at the
end of every update, and each update_*/drop_* call here writes its row at once, in one statement. `flush()` then
has nothing left to do.

Writes are cheap: one upsert (or delete) of one row by primary key, and none at all when the value is what the
database already holds (PTB hands over the user and chat data of every update, changed or not).

Handlers keep only JSON-safe data in user_data/chat_data/bot_data: None, bool, int, float, str, lists and dicts with
str keys — what comes back after a restart is then equal to what went in. Anything else (a tuple, a datetime, a
dict with int keys, a domain object) raises `NotJsonSafe` instead of being silently changed. The /novo wizard keeps
its draft in its own table (storage/repositories/drafts.py), not here. Conversation states must be str or int.

bot_data is not stored by default: the application keeps its services there.
"""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from telegram.ext import Application, BasePersistence, PersistenceInput

from domain.clock import Clock, SystemClock
from storage import tables as t
from storage.database import Database
from storage.upsert import upsert_statement

if TYPE_CHECKING:  # PTB's own aliases, not exported by telegram.ext
    from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

BOT_DATA = "bot_data"
CALLBACK_DATA = "callback_data"


class NotJsonSafe(TypeError):
    """A value handed to the persistence would not come back unchanged from JSON."""


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, (str, int)):  # bool is an int
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotJsonSafe(f"{path} is {value!r}: JSON has no NaN or infinity")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotJsonSafe(
                    f"{path} has the key {key!r} ({type(key).__name__}): JSON object keys are strings, "
                    "so it would come back as a different key; use str keys"
                )
            _check(item, f"{path}[{key!r}]")
        return
    hint = " (use a list)" if isinstance(value, tuple) else ""
    raise NotJsonSafe(
        f"{path} is of type {type(value).__name__}{hint}: persisted Telegram data holds only None, bool, int, "
        "float, str, lists and dicts with str keys"
    )


def to_json(value: Any, path: str) -> str:
    """The canonical JSON text of `value`; raises NotJsonSafe when it would not come back equal."""
    _check(value, path)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def conversation_key(key: ConversationKey) -> str:
    """The canonical text of a conversation key: `(123, 456)` → `[123,456]`."""
    if not isinstance(key, tuple) or not all(isinstance(part, (int, str)) for part in key):
        raise NotJsonSafe(f"conversation key {key!r} is not a tuple of int and str")
    return json.dumps(list(key), separators=(",", ":"))


class SqlPersistence(BasePersistence[dict, dict, dict]):
    """PTB persistence on `storage.database.Database`, writing through to the database (see the module's notes).

    It remembers, per row, the JSON it last read or wrote, so that an unchanged value costs no statement. That is
    safe because this process is the only writer of these tables (one bot process handles the updates).
    """

    def __init__(
        self,
        database: Database,
        *,
        store_data: PersistenceInput | None = None,
        update_interval: float = 60,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(store_data=store_data or PersistenceInput(bot_data=False), update_interval=update_interval)
        self._engine = database.engine
        self._dialect = database.dialect
        # A write is one statement, atomic by itself: PostgreSQL needs no BEGIN/COMMIT round trips around it.
        # (SQLite keeps its transactions: storage.database makes them BEGIN IMMEDIATE, which waits for the lock.)
        self._writer = (
            database.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self._dialect == "postgresql"
            else database.engine
        )
        self._clock = clock or SystemClock()
        # (table, id) -> the JSON text the database holds; `_complete` holds the tables (or conversation names)
        # loaded in full, for which a missing entry means "no row".
        self._known: dict[tuple[str, Any], str] = {}
        self._complete: set[str] = set()

    # --- writing -------------------------------------------------------------------------------------------------
    async def _execute(self, statement, parameters: dict[str, Any] | None = None) -> None:
        async with self._writer.begin() as connection:
            await connection.execute(statement, parameters)

    def _unchanged(self, scope: str, ident: Any, text: str | None) -> bool:
        known = self._known.get((scope, ident))
        if known is not None:
            return known == text
        return text is None and scope in self._complete

    def _remember(self, scope: str, ident: Any, text: str | None) -> None:
        if text is None:
            self._known.pop((scope, ident), None)
        else:
            self._known[(scope, ident)] = text

    async def _store(self, table, key: dict[str, Any], column: str, value: Any, text: str | None, *,
                     scope: str | None = None) -> None:
        """Upserts `value` into `column` of the row with `key` (deletes the row when `text`, the value's JSON, is
        None), unless the database already holds exactly that."""
        scope = scope or table.name
        ident = tuple(key.values())
        if self._unchanged(scope, ident, text):
            return
        values = None
        if text is None:
            statement = delete(table).where(*(table.c[name] == part for name, part in key.items()))
        else:
            values = {**key, column: value, "updated_at": self._clock.now()}
            statement = upsert_statement(self._dialect, table, tuple(values), tuple(key))
        await self._execute(statement, values)
        self._remember(scope, ident, text)

    async def _store_data(self, table, id_column: str, ident: int, data: dict, path: str) -> None:
        # An empty dict is what PTB starts every user and chat with: it needs no row.
        text = to_json(data, path) if data else None
        await self._store(table, {id_column: ident}, "data", data, text)

    # --- reading -------------------------------------------------------------------------------------------------
    async def _rows(self, statement) -> list:
        async with self._engine.connect() as connection:
            return list(await connection.execute(statement))

    async def _load_data(self, table, id_column: str) -> dict[int, dict]:
        rows = await self._rows(select(table.c[id_column], table.c.data))
        loaded = {}
        for ident, data in rows:
            self._remember(table.name, (ident,), to_json(data, table.name))
            loaded[ident] = data
        self._complete.add(table.name)
        return loaded

    async def _load_one(self, kind: str) -> Any | None:
        rows = await self._rows(select(t.telegram_bot_data.c.data).where(t.telegram_bot_data.c.kind == kind))
        data = rows[0][0] if rows else None
        self._remember(t.telegram_bot_data.name, (kind,), None if data is None else to_json(data, kind))
        return data

    # --- PTB's interface -----------------------------------------------------------------------------------------
    async def get_user_data(self) -> dict[int, dict]:
        return await self._load_data(t.telegram_user_data, "user_id")

    async def get_chat_data(self) -> dict[int, dict]:
        return await self._load_data(t.telegram_chat_data, "chat_id")

    async def get_bot_data(self) -> dict:
        return await self._load_one(BOT_DATA) or {}

    async def get_callback_data(self) -> CDCData | None:
        data = await self._load_one(CALLBACK_DATA)
        if data is None:
            return None
        keyboards = [(uuid, access_time, buttons) for uuid, access_time, buttons in data["keyboards"]]
        return keyboards, data["queries"]

    async def get_conversations(self, name: str) -> ConversationDict:
        table = t.telegram_conversations
        rows = await self._rows(select(table.c.key, table.c.state).where(table.c.name == name))
        conversations = {}
        for key, state in rows:
            self._remember(f"conversation:{name}", (name, key), to_json(state, name))
            conversations[tuple(json.loads(key))] = state
        self._complete.add(f"conversation:{name}")
        return conversations

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        if new_state is not None and not isinstance(new_state, (str, int)):
            raise NotJsonSafe(f"state {new_state!r} of conversation {name!r}: states must be str or int")
        text = None if new_state is None else to_json(new_state, f"state of conversation {name!r}")
        row_key = {"name": name, "key": conversation_key(key)}
        scope = f"conversation:{name}"
        await self._store(t.telegram_conversations, row_key, "state", new_state, text, scope=scope)

    async def update_user_data(self, user_id: int, data: dict) -> None:
        await self._store_data(t.telegram_user_data, "user_id", user_id, data, f"user_data[{user_id}]")

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        await self._store_data(t.telegram_chat_data, "chat_id", chat_id, data, f"chat_data[{chat_id}]")

    async def update_bot_data(self, data: dict) -> None:
        await self._store(t.telegram_bot_data, {"kind": BOT_DATA}, "data", data, to_json(data, BOT_DATA))

    async def update_callback_data(self, data: CDCData) -> None:
        keyboards, queries = data
        document = {
            "keyboards": [[uuid, access_time, buttons] for uuid, access_time, buttons in keyboards],
            "queries": queries,
        }
        await self._store(t.telegram_bot_data, {"kind": CALLBACK_DATA}, "data", document,
                          to_json(document, CALLBACK_DATA))

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._store(t.telegram_chat_data, {"chat_id": chat_id}, "data", None, None)

    async def drop_user_data(self, user_id: int) -> None:
        await self._store(t.telegram_user_data, {"user_id": user_id}, "data", None, None)

    # Nothing else writes these tables, so there is nothing to refresh from; reading here would cost three
    # statements before every update.
    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict) -> None:
        pass

    async def flush(self) -> None:
        """Every change was written when PTB handed it over; the engine belongs to whoever made the Database."""


class WriteThroughApplication(Application):
    """An Application that hands its changes to the persistence at the end of every update, not every minute.

    Use it with `Application.builder().application_class(WriteThroughApplication)`. Handlers must run blocking
    (PTB's default): what a `block=False` handler or a job (such as a ConversationHandler's timeout) changes reaches
    the database with the next update or the periodic run (`update_interval`).
    """

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if self.persistence is not None:
            await self.update_persistence()

