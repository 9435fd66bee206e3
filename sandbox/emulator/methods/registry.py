"""Bot API method name (case-insensitive, like Telegram) → handler(tg, params) returning the `result`."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]
METHODS: dict[str, tuple[Handler, bool]] = {}


def api_method(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        is_async = inspect.iscoroutinefunction(handler)
        for name in names:
            METHODS[name.lower()] = (handler, is_async)
        return handler

    return register
