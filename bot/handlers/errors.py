"""The error handler: log it, tell the staff group (escaped, truncated), and give the customer a short apology."""
from __future__ import annotations

import contextlib
import html
import logging
import traceback

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.handlers.common import services
from bot.logs import redact
from bot.texts import customer as texts
from bot.texts import staff as staff_texts

log = logging.getLogger(__name__)
_TRACE_CHARS = 3000


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    log.error("unhandled error", exc_info=error)
    trace = redact("".join(traceback.format_exception(type(error), error, error.__traceback__)))
    if len(trace) > _TRACE_CHARS:
        trace = "…" + trace[-_TRACE_CHARS:]
    with contextlib.suppress(Exception):
        config = await services(context).customers.config()
        if config.staff_chat_id is not None:
            await context.bot.send_message(
                config.staff_chat_id,
                staff_texts.error_report(type(error).__name__, html.escape(trace)),
                message_thread_id=config.staff_thread_id,
            )
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        with contextlib.suppress(TelegramError):
            if update.callback_query is not None:
                with contextlib.suppress(TelegramError):
                    await update.callback_query.answer()
            await context.bot.send_message(update.effective_chat.id, texts.APOLOGY)
