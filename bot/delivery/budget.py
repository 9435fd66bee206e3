"""Telegram's global limit, 30 messages a second per bot, shared by every delivery worker through the database.

Time is cut into fifths of a second; each message takes one of the six places of the current fifth
(`storage.delivery_queue.DeliveryQueue.take_send_slot`). Six per fifth is 30 a second, and no window of any length
holds more than Telegram's bucket allows, whichever worker sends.
"""
from __future__ import annotations

import asyncio
import time

from storage.delivery_queue import DeliveryQueue

SLOTS_PER_SECOND = 5


class SendBudget:
    def __init__(self, queue: DeliveryQueue, per_second: int = 30) -> None:
        self.queue = queue
        self.capacity = max(1, per_second // SLOTS_PER_SECOND)
        self.paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Telegram said "retry after": nobody in this worker sends before then."""
        self.paused_until = max(self.paused_until, time.time() + seconds)

    async def acquire(self) -> None:
        while True:
            now = time.time()
            if now < self.paused_until:
                await asyncio.sleep(self.paused_until - now)
                continue
            slot = int(now * SLOTS_PER_SECOND)
            if await self.queue.take_send_slot(slot, self.capacity):
                return
            await asyncio.sleep(max(0.0, (slot + 1) / SLOTS_PER_SECOND - time.time()) + 0.001)
