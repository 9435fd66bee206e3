"""answerCallbackQuery: once per query, within its lifetime."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sandbox.emulator import errors
from sandbox.emulator.methods.registry import api_method
from sandbox.emulator.params import Params

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram


@api_method("answerCallbackQuery")
def answer_callback_query(tg: FakeTelegram, p: Params) -> bool:
    query = tg.callback_queries.get(p.str("callback_query_id") or "")
    if query is None or query.answered:
        raise errors.query_too_old()
    if tg.callback_query_ttl is not None and time.monotonic() - query.created > tg.callback_query_ttl:
        raise errors.query_too_old()
    text = p.str("text")
    if text is not None and len(text) > 200:
        raise errors.bad_request("MESSAGE_TOO_LONG")
    query.mark_answered(text, p.bool("show_alert"), p.str("url"))
    return True
