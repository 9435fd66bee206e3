"""The bot's pending updates: ids, `offset` confirmation, `allowed_updates`, and long polling that answers as soon as an
update arrives (no sleeping)."""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

# With allowed_updates=[] (or never set) Telegram sends every kind except these.
NOT_SENT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    def __init__(self, first_update_id: int = 810_000_001):
        self._next_id = first_update_id
        self._pending: deque[dict[str, Any]] = deque()
        self._allowed: frozenset[str] | None = None  # None: Telegram's default set
        self._waiters: list[asyncio.Future] = []
        self._drain_waiters: list[asyncio.Future] = []
        self.filtered_out: list[dict[str, Any]] = []  # updates the bot's allowed_updates excluded

    # -- producing -----------------------------------------------------------------------------------------------------
    def accepts(self, kind: str) -> bool:
        if self._allowed is None:
            return kind not in NOT_SENT_BY_DEFAULT
        return kind in self._allowed

    def push(self, kind: str, body: dict[str, Any]) -> dict[str, Any] | None:
        update = {"update_id": self._next_id, kind: body}
        self._next_id += 1
        if not self.accepts(kind):
            self.filtered_out.append(update)
            return None
        self._pending.append(update)
        self._wake("update")
        return update

    # -- consuming -----------------------------------------------------------------------------------------------------
    def set_allowed(self, allowed: list[str] | None) -> None:
        """None keeps the previous setting, like Telegram; an empty list means the default set."""
        if allowed is None:
            return
        self._allowed = frozenset(allowed) if allowed else None

    @property
    def allowed(self) -> list[str]:
        return sorted(self._allowed) if self._allowed is not None else []

    def confirm(self, offset: int) -> None:
        """Forgets the updates `offset` confirms: ids below it; a negative offset keeps only the last -offset."""
        pending = self._pending
        if offset < 0:
            while len(pending) > -offset:
                pending.popleft()
        else:
            while pending and pending[0]["update_id"] < offset:
                pending.popleft()
        if not pending and self._drain_waiters:
            waiters, self._drain_waiters = self._drain_waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def drained(self, timeout: float) -> bool:
        """Waits until the bot has confirmed every pending update (event-driven); False on timeout."""
        if not self._pending:
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._drain_waiters.append(waiter)
        await asyncio.wait((waiter,), timeout=timeout)
        return not self._pending

    def take(self, limit: int) -> list[dict[str, Any]]:
        pending = self._pending
        if not pending:
            return []
        if len(pending) <= limit:
            return list(pending)
        return [pending[index] for index in range(limit)]

    def drop_all(self) -> None:
        self._pending.clear()
        self.confirm(0)

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def pending(self) -> list[dict[str, Any]]:
        return list(self._pending)

    @property
    def pollers(self) -> int:
        """Long polls (or the webhook sender) waiting right now."""
        return len(self._waiters)

    @property
    def last_update_id(self) -> int:
        return self._next_id - 1

    # -- long polling --------------------------------------------------------------------------------------------------
    async def wait(self, timeout: float) -> str:
        """Until an update arrives ("update"), a newer poll takes over ("conflict"), the server closes ("closed") or
        `timeout` passes ("timeout")."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            # asyncio.wait, not wait_for: Python 3.11's wait_for can swallow a cancellation that races the result
            await asyncio.wait((waiter,), timeout=timeout)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        return waiter.result() if waiter.done() else "timeout"

    def interrupt_pollers(self) -> None:
        """A new getUpdates ends the earlier long poll with 409, like Telegram."""
        self._wake("conflict")

    def close(self) -> None:
        self._wake("closed")

    def _wake(self, reason: str) -> None:
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(reason)
