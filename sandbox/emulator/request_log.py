"""Everything the bot asked: each request (method, time, HTTP status, chat, Telegram's description of an error),
with readers for counting and for asserting "no 400 over the whole run"."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class RequestRecord:
    method: str  # as the client spelled it, e.g. "sendMessage"
    at: float  # time.monotonic()
    status: int
    chat_id: int | None = None
    description: str | None = None  # for errors
    params: dict[str, Any] | None = None  # kept for 4xx answers, to explain them
    injected: bool = False  # answered by fault injection
    abandoned: bool = False  # the client had hung up before the answer (a killed bot, a cancelled long poll)


class RequestLog:
    def __init__(self, keep_all: bool = True):
        self.keep_all = keep_all
        self.requests: list[RequestRecord] = []
        self.errors: list[RequestRecord] = []  # every 4xx answer
        self.rate_limited: list[RequestRecord] = []  # every 429 (flood control or injected)
        self.counts: Counter[str] = Counter()
        self.unknown_methods: Counter[str] = Counter()

    def add(self, record: RequestRecord) -> None:
        self.counts[record.method] += 1
        if self.keep_all:
            self.requests.append(record)
        if 400 <= record.status < 500 and not record.abandoned:
            self.errors.append(record)
            if record.status == 429:
                self.rate_limited.append(record)

    # -- readers -------------------------------------------------------------------------------------------------------
    def count(self, method: str | None = None, *, status: int | None = None) -> int:
        if status is None:
            return self.counts[method] if method else sum(self.counts.values())
        return sum(1 for r in self.requests if r.status == status and (method is None or r.method == method))

    def with_status(self, status: int) -> list[RequestRecord]:
        source = self.errors if 400 <= status < 500 else self.requests
        return [record for record in source if record.status == status]

    @property
    def bad_requests(self) -> list[RequestRecord]:
        return self.with_status(400)

    def count_429(self, chat_id: int | None = None, *, injected: bool | None = None) -> int:
        return sum(
            1
            for record in self.rate_limited
            if (chat_id is None or record.chat_id == chat_id) and (injected is None or record.injected == injected)
        )

    def rate_limited_per_chat(self) -> Counter[int | None]:
        return Counter(record.chat_id for record in self.rate_limited)

    def explain_errors(self, status: int | None = None) -> str:
        chosen = [r for r in self.errors if status is None or r.status == status]
        return "\n".join(f"  {r.method} → {r.status} {r.description} params={r.params}" for r in chosen)
