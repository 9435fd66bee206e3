"""The error handler: log it, tell the staff group (escaped, truncated), and give the customer a short apology."""
from __future__ import annotations

import contextlib
import html
import logging
import time
import traceback

from telegram import Update
from telegram.constants import ChatType
from telegram.error import ChatMigrated, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.handlers.common import answer, services
from bot.logs import fields, redact
from bot.texts import customer as texts
from bot.texts import staff as staff_texts

log = logging.getLogger(__name__)
# The end of the traceback, in Telegram's UTF-16 units: with the heading and the escaping it stays one message.
_TRACE_UNITS = 3000
# The same failure (type and place) is reported to the staff group once in this many seconds: a broken database or
# network must not flood the group with one report per update. Every occurrence is still logged.
REPORT_EVERY_SECONDS = 60.0
_REPORTED = "error_reports"  # bot_data (never persisted): failure → when it was last reported


def _tail(text: str, limit: int) -> str:
    """The last characters of `text` that fit `limit` UTF-16 units (the end of a traceback says the most)."""
    units = 0
    for index in range(len(text) - 1, -1, -1):
        units += 2 if ord(text[index]) > 0xFFFF else 1
        if units > limit:
            return "…" + text[index + 1:]
    return text


def _report(error: BaseException) -> str:
    trace = redact("".join(traceback.format_exception(type(error), error, error.__traceback__)))
    # Escaping turns a character into an entity, which Telegram counts as the one character it stands for.
    return staff_texts.error_report(type(error).__name__, html.escape(_tail(trace, _TRACE_UNITS), quote=False))


def _first_report(context: ContextTypes.DEFAULT_TYPE, error: BaseException) -> bool:
    reported: dict = context.application.bot_data.setdefault(_REPORTED, {})
    frames = traceback.extract_tb(error.__traceback__)
    key = (type(error).__name__, f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "")
    now = time.monotonic()
    if key in reported and now - reported[key] < REPORT_EVERY_SECONDS:
        return False
    reported[key] = now
    return True


def _private_chat(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        return update.effective_chat.id
    return None


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    chat_id = _private_chat(update)
    if isinstance(error, Forbidden) and chat_id is not None:
        # The customer blocked the bot (or deleted the account) while we answered: nothing is broken, nothing to say.
        log.info(fields(event="customer_unreachable", chat_id=chat_id))
        return
    log.error("unhandled error", exc_info=error)
    with contextlib.suppress(Exception):  # reporting must never fail the handling of the next updates
        config = await services(context).customers.config()
        if config.staff_chat_id is not None and _first_report(context, error):
            try:
                await context.bot.send_message(
                    config.staff_chat_id, _report(error), message_thread_id=config.staff_thread_id
                )
            except ChatMigrated as moved:  # the staff group became a supergroup: follow it, then report there
                await services(context).incidents.staff_group_moved(config.staff_chat_id, moved.new_chat_id)
                await context.bot.send_message(moved.new_chat_id, _report(error), message_thread_id=config.staff_thread_id)
    if chat_id is not None:
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await answer(update.callback_query)  # unless the failed handler answered it already
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat_id, texts.APOLOGY)
