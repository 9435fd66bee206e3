from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""


class Timer(Clock, Protocol):
    """A clock that also waits: what paces delivery. Tests give one whose waits take no real time."""

    def monotonic(self) -> float:
        """Seconds, for measuring intervals."""

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FrozenClock:
    """A clock the tests move by hand; a wait moves it on by as long, at once."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)

    def monotonic(self) -> float:
        return self.at.timestamp()

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds=max(0.0, seconds))
        await asyncio.sleep(0)


class _RealWaits:
    """Any clock's time, with real waits (for a clock that does not wait itself)."""

    def __init__(self, clock: Clock) -> None:
        self.now = clock.now

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def timer_of(clock: Clock) -> Timer:
    return clock if hasattr(clock, "sleep") and hasattr(clock, "monotonic") else _RealWaits(clock)
