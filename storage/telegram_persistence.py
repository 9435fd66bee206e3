"""python-telegram-bot's persistence, reduced to what the product needs: the ConversationHandlers' states, read from
the conversation rows (domain/conversation.py) at start-up.

The rows are the truth and the services write them, in the same transaction as the update's domain change; each
handler returns the state its service reported, so PTB's own copy in memory follows the rows and nothing is left for
this class to write (`update_conversation` does nothing, and PTB's periodic `update_persistence` costs no
statement). A bot killed with SIGKILL right after a handler returned has therefore lost nothing: its next start loads
every conversation where it was. user_data, chat_data, bot_data and callback data are not stored: the product keeps
nothing there (the application keeps its services in bot_data, in memory).
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from sqlalchemy import select
from telegram.ext import BasePersistence, PersistenceInput

from storage import tables as t
from storage.database import Database

if TYPE_CHECKING:  # PTB's own aliases, not exported by telegram.ext
    from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

NOTHING = PersistenceInput(bot_data=False, chat_data=False, user_data=False, callback_data=False)


class ConversationRowsPersistence(BasePersistence[dict, dict, dict]):
    """`states`: for each persistent ConversationHandler (by name), the row states it owns; a handler's state is the
    row's `state` text."""

    def __init__(self, database: Database, states: Mapping[str, Collection[str]]) -> None:
        # An update_interval far away: there is never anything to hand over (see the module's notes).
        super().__init__(store_data=NOTHING, update_interval=24 * 3600)
        self._engine = database.engine
        self._states = {name: tuple(str(state) for state in owned) for name, owned in states.items()}

    async def get_conversations(self, name: str) -> ConversationDict:
        owned = self._states.get(name, ())
        if not owned:
            return {}
        table = t.conversations
        query = select(table.c.chat_id, table.c.user_id, table.c.state).where(table.c.state.in_(owned))
        async with self._engine.connect() as connection:
            rows = await connection.execute(query)
            return {(chat_id, user_id): state for chat_id, user_id, state in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """The service wrote the row already, in the update's own transaction."""

    async def get_user_data(self) -> dict[int, dict]:
        return {}

    async def get_chat_data(self) -> dict[int, dict]:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_user_data(self, user_id: int, data: dict) -> None:
        pass

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        pass

    async def update_bot_data(self, data: dict) -> None:
        pass

    async def update_callback_data(self, data: CDCData) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def drop_user_data(self, user_id: int) -> None:
        pass

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict) -> None:
        pass

    async def flush(self) -> None:
        pass
