"""What the staff handlers share: who is acting (and refusing everybody else), answering in the same chat and forum
topic, the staff wording of domain errors, and reading a command's arguments."""
from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import ChatMigrated, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.handlers.common import answer, send, services
from bot.handlers.staff_menu import set_staff_menu
from bot.texts import staff as texts
from bot.texts.errors import error_message
from bot.texts.format import esc
from domain.catalogue import StaffUser
from domain.errors import DomainError, NotAuthorised

log = logging.getLogger(__name__)

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[object]]


def staff_handler(callback: Callback) -> Callback:
    """The staff handlers run in their own handler group, before the customers' (see bot/app.py): once one of them
    took an update, no customer handler (such as the private chat's catch-all) may answer it as well. A callback
    that returns False did not take it."""

    @functools.wraps(callback)
    async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            if await callback(update, context) is False:
                return  # not the staff's after all (a reply to the bot that answers no question): others may take it
        except Exception as exc:  # noqa: BLE001 - the error handler logs it and tells the staff group
            await context.application.process_error(update, exc)
        raise ApplicationHandlerStop

    return run


def _message(update: Update) -> Message | None:
    if update.callback_query is not None:
        message = update.callback_query.message
        return message if isinstance(message, Message) else None
    return update.effective_message


def thread_of(update: Update) -> dict:
    """Answers go to the forum topic the staff member is in (nothing outside a topic)."""
    message = _message(update)
    if message is not None and message.is_topic_message and message.message_thread_id:
        return {"message_thread_id": message.message_thread_id}
    return {}


async def say(update: Update, context: ContextTypes.DEFAULT_TYPE, html_text: str, reply_markup=None, **kwargs) -> Message:
    """Sends in the chat (and topic) of the update, split at line boundaries past 4096 characters."""
    return await send(context, update.effective_chat.id, html_text, reply_markup, **thread_of(update), **kwargs)


async def acting_staff(update: Update, context: ContextTypes.DEFAULT_TYPE, *, setup: bool = False) -> StaffUser | None:
    """The staff user behind this update, or None after refusing (a message for a command, an alert for a button).

    `setup` (/diag): while no staff group is configured, staff may use it in any group, to learn what to set up."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    private = chat.type == ChatType.PRIVATE
    try:
        return await services(context).staff_access.authorise(user.id, chat.id, private=private, name=user.full_name)
    except NotAuthorised as refused:
        if refused.params.get("place") == "other_group" and refused.params.get("staff"):
            if await follow_migration_here(context, chat.id):
                return await acting_staff(update, context, setup=setup)
            if setup and (await services(context).customers.config()).staff_chat_id is None:
                return await services(context).staff.staff_by_telegram(user.id)
            text = texts.WRONG_PLACE
        else:
            text = error_message(refused)
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
    else:
        await say(update, context, esc(text))
    return None


async def follow_migration_here(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool:
    """A staff user writes in a supergroup the configured staff group became while the bot missed the migration
    message: when Telegram confirms it, follow the new id (then the command works here)."""
    svc = services(context)
    config = await svc.customers.config()
    if config.staff_chat_id is None or config.staff_chat_id == chat_id:
        return False
    try:
        await context.bot.get_chat(config.staff_chat_id)
    except ChatMigrated as moved:
        if moved.new_chat_id == chat_id and await svc.incidents.staff_group_moved(config.staff_chat_id, chat_id):
            await set_staff_menu(context.bot, chat_id)
            return True
    except TelegramError:
        pass
    return False


def error_text(error: DomainError, ticket: object) -> str:
    """A domain error as staff read it, plain text."""
    return texts.staff_error(error.code, ticket, dict(error.params)) or error_message(error)


async def tell(update: Update, context: ContextTypes.DEFAULT_TYPE, error: DomainError, ticket: object) -> None:
    text = error_text(error, ticket)
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
    else:
        await say(update, context, esc(text))


# --- arguments ------------------------------------------------------------------------------------------------------
def arguments(message: Message, count: int) -> tuple[list[str], str]:
    """The first `count` words after the command (fewer when missing) and the rest of the text as typed, line breaks
    kept: `/obs@bot 12 1 Texto…` → (["12", "1"], "Texto…")."""
    parts = (message.text or "").split(None, 1)
    return split_words(parts[1] if len(parts) > 1 else "", count)


def split_words(text: str, count: int) -> tuple[list[str], str]:
    rest = text
    words: list[str] = []
    for _ in range(count):
        split = rest.split(None, 1)
        if not split:
            break
        words.append(split[0])
        rest = split[1] if len(split) > 1 else ""
    return words, rest.strip()


def stage_number(raw: str) -> int | None:
    """A stage number as staff type it: 1, 2, 3… (a leading "E" or "#" is forgiven)."""
    text = raw.strip().lstrip("#").removeprefix("E").removeprefix("e")
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    value = int(text)
    return value if value > 0 else None
