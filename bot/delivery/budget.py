"""Telegram's global limit, 30 messages a second per bot, shared by every delivery worker through the database.

Time is cut into fifths of a second; each message takes one place of the current fifth
(`storage.delivery_queue.DeliveryQueue.take_send_slot`), `per_second / 5` places each, so no window of any length holds
more than the budget allows, whichever worker sends. Inside one worker, one coroutine at a time asks the database (the
others wait on a lock), so a full slot costs one query per slot, not one per waiting message. A 429 fills the slots
of the wait it asks for, which stops every worker.

An urgent send (the staff group's: its own pace, 20 a minute, has held it back already) goes before the sends
waiting in line: behind a line of customers' messages it would lose a second or more each time, and the group's posts
would fall behind its 20 a minute (BENCHMARKS.md, P3). The customers lose nothing: the place is theirs a moment later.
"""
from __future__ import annotations

import asyncio

from domain.clock import Timer, timer_of
from storage.delivery_queue import DeliveryQueue

SHARED_PAUSE_SECONDS = 60  # longer waits are kept by the refused rows themselves (their next attempt's time)


class SendBudget:
    def __init__(self, queue: DeliveryQueue, per_second: int = 25, *, timer: Timer | None = None) -> None:
        self.queue = queue
        self.timer = timer or timer_of(queue.clock)  # its now() must be the same time in every worker
        # Below 5 a second, whole seconds are the slots (a fifth of a second cannot hold a fraction of a message).
        self.slots_per_second = 5 if per_second >= 5 else 1
        self.capacity = max(1, per_second // self.slots_per_second)
        self.paused_until = 0.0
        self._lock = asyncio.Lock()
        self._urgent = 0  # urgent sends waiting or taking a place
        self._no_urgent = asyncio.Event()
        self._no_urgent.set()

    async def pause(self, seconds: float) -> None:
        """Telegram said "retry after": nobody sends before then — in this worker (a local pause) nor in the others
        (the slots of the coming seconds are filled in the database, up to SHARED_PAUSE_SECONDS)."""
        now = self._seconds()
        self.paused_until = max(self.paused_until, now + seconds)
        first = int(now * self.slots_per_second)
        last = int((now + min(seconds, SHARED_PAUSE_SECONDS)) * self.slots_per_second)
        await self.queue.fill_send_slots(first, last, self.capacity)

    async def acquire(self, *, urgent: bool = False) -> None:
        if urgent:
            self._urgent += 1
            self._no_urgent.clear()
        try:
            while True:
                if not urgent:
                    await self._no_urgent.wait()
                async with self._lock:
                    if not urgent and self._urgent:
                        continue  # an urgent send came while this one waited for the lock: it goes first
                    await self._take_place()
                    return
        finally:
            if urgent:
                self._urgent -= 1
                if not self._urgent:
                    self._no_urgent.set()

    def _seconds(self) -> float:
        return self.timer.now().timestamp()

    async def _take_place(self) -> None:
        while True:
            now = self._seconds()
            if now < self.paused_until:
                await self.timer.sleep(self.paused_until - now)
                continue
            slot = int(now * self.slots_per_second)
            if await self.queue.take_send_slot(slot, self.capacity):
                return
            await self.timer.sleep(max(0.0, (slot + 1) / self.slots_per_second - self._seconds()) + 0.001)
