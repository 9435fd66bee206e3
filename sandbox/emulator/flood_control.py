"""Telegram's flood limits on new messages, as token buckets: 30/s overall, 1/s per private chat (a short burst
allowed, default 1), 20/min per group. Off by default; every 429 is counted per chat."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    updated: float

    def wait_needed(self, now: float, tolerance: float) -> float:
        """Seconds until one token is available (0 if it is), refilling first."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        missing = 1.0 - self.tokens - min(self.rate * tolerance, 0.5)  # never a whole extra message
        return missing / self.rate if missing > 0 else 0.0

    def spend(self) -> None:
        self.tokens -= 1.0


class FloodControl:
    def __init__(self, clock=time.monotonic) -> None:
        self.enabled = False
        self.clock = clock  # seconds; tests may replace it to step time by hand
        self.configure()

    def configure(
        self,
        *,
        global_per_second: float = 30,
        global_burst: float | None = None,
        private_per_second: float = 1,
        private_burst: float = 1,
        group_per_minute: float = 20,
        group_burst: float | None = None,
        tolerance: float = 0.05,
    ) -> None:
        """`tolerance` (seconds) absorbs network jitter so that a client pacing itself exactly at the limit is never
        refused."""
        self.global_rate = global_per_second
        self.global_burst = global_burst if global_burst is not None else global_per_second
        self.private_rate = private_per_second
        self.private_burst = private_burst
        self.group_rate = group_per_minute / 60.0
        self.group_burst = group_burst if group_burst is not None else group_per_minute
        self.tolerance = tolerance
        self._global = TokenBucket(self.global_rate, self.global_burst, self.global_burst, self.clock())
        self._chats: dict[int, TokenBucket] = {}

    def retry_after(self, chat_id: int, is_private: bool) -> int:
        """0 when a new message to `chat_id` may go now (and spends the tokens), else the seconds to wait."""
        now = self.clock()
        bucket = self._chats.get(chat_id)
        if bucket is None:
            rate, burst = (self.private_rate, self.private_burst) if is_private else (self.group_rate, self.group_burst)
            bucket = self._chats[chat_id] = TokenBucket(rate, burst, burst, now)
        wait = max(bucket.wait_needed(now, self.tolerance), self._global.wait_needed(now, self.tolerance))
        if wait > 0:
            return max(1, math.ceil(wait))
        bucket.spend()
        self._global.spend()
        return 0
