"""Updates of one chat in order, different chats at once.

python-telegram-bot handles updates one after another by default, so every database wait of one customer delays all
the others. This processor lets different chats overlap while each chat's updates still run strictly in arrival
order (a conversation is per chat and user, so it never sees two of its own updates at once).

A chat's update first waits for its turn in the chat, and only then for one of the shared slots: a person who sends a
hundred messages at once holds one slot, not all of them, so everybody else is still answered at once.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._users: dict[int | None, int] = {}

    @property
    def current_concurrent_updates(self) -> int:
        """Updates handed over and not finished yet: running, or waiting for their chat's turn or for a slot (so
        that 0 means idle, whatever the order of the waits)."""
        return sum(self._users.values())

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # BaseUpdateProcessor takes a slot first and then calls do_process_update; the chat's turn comes first here.
        key = _chat_key(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:  # asyncio.Lock is FIFO: a chat's updates run in the order they arrived
                async with self._semaphore:
                    await self.do_process_update(update, coroutine)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
