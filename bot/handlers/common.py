"""What every handler needs: the services, sending long texts safely, the current customer, error answers."""
from __future__ import annotations

import contextlib
import logging

from telegram import CallbackQuery, Message, ReplyKeyboardRemove, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.services import Services
from bot.texts import customer as texts
from bot.texts.errors import error_message
from bot.texts.format import esc, split_message
from domain.catalogue import Customer
from domain.errors import DomainError

log = logging.getLogger(__name__)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


async def send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, html_text: str, reply_markup=None, **kwargs) -> Message:
    """Sends `html_text`, split at line boundaries when longer than one message; the keyboard goes on the last part."""
    parts = split_message(html_text)
    message = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await context.bot.send_message(
            chat_id, part, reply_markup=reply_markup if last else None, **kwargs
        )
    return message


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, html_text: str, reply_markup=None, **kwargs) -> Message:
    return await send(context, update.effective_chat.id, html_text, reply_markup, **kwargs)


async def edit(query: CallbackQuery, html_text: str, reply_markup=None) -> None:
    """Edits the button's message in place; an identical edit is not an error for us."""
    try:
        await query.edit_message_text(html_text, reply_markup=reply_markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def drop_keyboard(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int | None) -> None:
    """Removes the inline keyboard of an earlier message (best effort: it may be gone or unchanged)."""
    if message_id is None:
        return
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Handlers answer every callback query exactly once (Telegram refuses a second answer)."""
    await query.answer(text[:200] if text else None, show_alert=alert)


async def current_customer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Customer | None:
    return await services(context).linking.customer_for(update.effective_user.id)


async def require_customer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Customer | None:
    """The linked customer, or None after telling the person how to link their account."""
    customer = await current_customer(update, context)
    if customer is None:
        if update.callback_query is not None:
            await answer(update.callback_query, texts.NEED_LINK, alert=True)
        else:
            await reply(update, context, texts.NEED_LINK)
    return customer


async def tell_error(update: Update, context: ContextTypes.DEFAULT_TYPE, error: DomainError) -> None:
    """A domain error as a person should read it: a toast on a button, else a message."""
    message = error_message(error)
    if update.callback_query is not None:
        await answer(update.callback_query, message, alert=True)
    else:
        await reply(update, context, esc(message))


REMOVE_KEYBOARD = ReplyKeyboardRemove()
