"""Fault injection: for a time window, for the next N requests, or until cleared — optionally only for some methods or
chats — answer 502 Bad Gateway (nginx's HTML page), 500, a 429 storm, or hang longer than the client waits.

`after_processing=True` lets the request take effect first (the message is delivered) and then loses the answer: the
case where a client cannot know whether its send went through."""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
GATEWAY_TIMEOUT_PAGE = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1>"
    "</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass(eq=False)
class Fault:
    kind: str  # "bad_gateway", "server_error", "flood", "hang"
    methods: frozenset[str] | None = None  # lower-case method names; None: every method
    chats: frozenset[int] | None = None
    remaining: int | None = None  # requests left; None: no count limit
    until: float | None = None  # time.monotonic() deadline; None: no time limit
    retry_after: int = 5
    hang_seconds: float | None = None  # None: until the server closes
    after_processing: bool = False
    hits: int = 0  # requests this fault answered
    cleared: bool = field(default=False, repr=False)

    @property
    def active(self) -> bool:
        if self.cleared:
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.until is None or time.monotonic() < self.until

    def clear(self) -> None:
        self.cleared = True


class Faults:
    def __init__(self) -> None:
        self.active: list[Fault] = []

    # -- arming --------------------------------------------------------------------------------------------------------
    def bad_gateway(self, **scope) -> Fault:
        """502 with nginx's HTML page (python-telegram-bot raises NetworkError)."""
        return self._add(Fault("bad_gateway"), **scope)

    def server_error(self, **scope) -> Fault:
        """500 {"description": "Internal Server Error"} (NetworkError)."""
        return self._add(Fault("server_error"), **scope)

    def flood(self, retry_after: int = 5, **scope) -> Fault:
        """A 429 storm: "Too Many Requests: retry after N" whatever the pace (RetryAfter)."""
        return self._add(Fault("flood", retry_after=retry_after), **scope)

    def hang(self, hang_seconds: float | None = None, **scope) -> Fault:
        """Holds the request open (by default until the server closes) so the client times out (TimedOut); if it is
        still waiting after `hang_seconds` it gets 504."""
        return self._add(Fault("hang", hang_seconds=hang_seconds), **scope)

    def clear(self) -> None:
        for fault in self.active:
            fault.clear()
        self.active.clear()

    def _add(
        self,
        fault: Fault,
        *,
        seconds: float | None = None,
        requests: int | None = None,
        methods: Iterable[str] | str | None = None,
        chats: Iterable[int] | int | None = None,
        after_processing: bool = False,
    ) -> Fault:
        if isinstance(methods, str):
            methods = [methods]
        if isinstance(chats, int):
            chats = [chats]
        fault.methods = frozenset(m.lower() for m in methods) if methods is not None else None
        fault.chats = frozenset(chats) if chats is not None else None
        fault.remaining = requests
        fault.until = time.monotonic() + seconds if seconds is not None else None
        fault.after_processing = after_processing
        self.active.append(fault)
        return fault

    # -- matching (the hot path: free when nothing is armed) -----------------------------------------------------------
    def match(self, method: str, chat_id: int | None) -> Fault | None:
        if not self.active:
            return None
        for fault in list(self.active):
            if not fault.active:
                self.active.remove(fault)
                continue
            if fault.methods is not None and method not in fault.methods:
                continue
            if fault.chats is not None and chat_id not in fault.chats:
                continue
            fault.hits += 1
            if fault.remaining is not None:
                fault.remaining -= 1
            return fault
        return None
