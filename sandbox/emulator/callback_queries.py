"""Button presses (callback queries) and their answers: each may be answered once."""
from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

_ids = itertools.count(4_631_000_000_000_000_001)


def new_query_id() -> str:
    return str(next(_ids))


@dataclass(eq=False)
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    button_text: str
    created: float = field(default_factory=time.monotonic)
    answered: bool = False
    answer_text: str | None = None  # the toast or alert the person saw
    show_alert: bool = False
    url: str | None = None
    _answered_event: asyncio.Event | None = field(default=None, repr=False)

    def mark_answered(self, text: str | None, show_alert: bool, url: str | None) -> None:
        self.answered = True
        self.answer_text = text
        self.show_alert = show_alert
        self.url = url
        if self._answered_event is not None:
            self._answered_event.set()

    async def wait_answered(self, timeout: float = 5.0) -> bool:
        """True once the bot answered this press (event-driven); False if it did not within `timeout`."""
        if self.answered:
            return True
        if self._answered_event is None:
            self._answered_event = asyncio.Event()
        waiter = asyncio.ensure_future(self._answered_event.wait())
        await asyncio.wait((waiter,), timeout=timeout)
        waiter.cancel()
        return self.answered
