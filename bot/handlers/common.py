"""What every handler needs: the services, sending long texts safely, the current customer, error answers."""
from __future__ import annotations

import contextlib
import html
import logging
import re
from collections import OrderedDict

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.keyboards import share_phone
from bot.services import Services
from bot.texts import customer as texts
from bot.texts.errors import error_message
from bot.texts.format import TELEGRAM_MAX_CHARS, esc, split_message, visible_length
from domain.catalogue import Customer
from domain.errors import DomainError

log = logging.getLogger(__name__)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


async def send_to(bot, chat_id: int, html_text: str, reply_markup=None, **kwargs) -> Message:
    """Sends `html_text`, split at line boundaries when longer than one message; the keyboard goes on the last part.
    A part Telegram would show as nothing (only blanks and invisible marks, say a run of zero-width spaces another
    system wrote into a note) is left out: Telegram refuses an empty message."""
    parts = [part for part in split_message(html_text) if shows_something(part)] or [html_text]
    message = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(chat_id, part, reply_markup=reply_markup if last else None, **kwargs)
    return message


async def send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, html_text: str, reply_markup=None, **kwargs) -> Message:
    return await send_to(context.bot, chat_id, html_text, reply_markup, **kwargs)


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, html_text: str, reply_markup=None, **kwargs) -> Message:
    return await send(context, update.effective_chat.id, html_text, reply_markup, **kwargs)


_TAG = re.compile(r"<[^>]*>")
# What Telegram does to every text before showing it: control characters become spaces, a few invisible marks
# (carriage return, line/paragraph separators, bidi embeddings and overrides) disappear, the ends are trimmed.
_TO_SPACE = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f]")
_DROPPED = re.compile("[\r\u2028-\u202e\u0333\u033f\u030a]")


def as_shown(html_text: str) -> str:
    """The plain text Telegram shows for `html_text` in HTML parse mode."""
    plain = html.unescape(_TAG.sub("", html_text))
    return _DROPPED.sub("", _TO_SPACE.sub(" ", plain)).strip(" \n")


# What Telegram counts as an empty message: blanks, zero-width and direction marks, invisible fillers and tags.
_INVISIBLE = re.compile(
    "[\\s\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufffc\U000e0000-\U000e0fff]"
)


def shows_something(html_text: str) -> bool:
    return bool(_INVISIBLE.sub("", as_shown(html_text)))


def _shows_already(message: object, html_text: str, reply_markup: InlineKeyboardMarkup | None) -> bool:
    """True when the message (as the button press brought it) already shows this text and keyboard: Telegram
    answers such an edit with 400 "message is not modified", so it is not sent at all."""
    text = getattr(message, "text", None)
    if text is None:
        return False
    current = getattr(message, "reply_markup", None)
    return text == as_shown(html_text) and (current or None) == (reply_markup or None)


async def edit(query: CallbackQuery, html_text: str, reply_markup=None) -> Message | None:
    """Shows `html_text` in the button's message, edited in place; a text too long for one message is sent anew
    instead (an edit cannot be split) and the old message loses its keyboard. Returns the new message, if any."""
    if visible_length(html_text) > TELEGRAM_MAX_CHARS:
        await drop_query_keyboard(query)
        return await send_to(query.get_bot(), query.message.chat.id, html_text, reply_markup)
    if _shows_already(query.message, html_text, reply_markup):
        return None
    try:
        await query.edit_message_text(html_text, reply_markup=reply_markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
    return None


async def drop_keyboard(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int | None) -> None:
    """Removes the inline keyboard of an earlier message (best effort: it may be gone or unchanged)."""
    if message_id is None:
        return
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)


async def drop_query_keyboard(query: CallbackQuery) -> None:
    """Removes the keyboard of the pressed button's message, unless it has none already."""
    if query.message is None or not getattr(query.message, "reply_markup", None):
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


# The ids of the callback queries answered lately: Telegram refuses a second answer, and the error handler must not
# try one after a handler that answered and then failed.
_answered: OrderedDict[str, None] = OrderedDict()
_ANSWERED_KEPT = 2048


def was_answered(query: CallbackQuery) -> bool:
    return query.id in _answered


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Handlers answer every callback query exactly once (Telegram refuses a second answer)."""
    if was_answered(query):
        return
    _answered[query.id] = None
    while len(_answered) > _ANSWERED_KEPT:
        _answered.popitem(last=False)
    await query.answer(text[:200] if text else None, show_alert=alert)


async def current_customer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Customer | None:
    return await services(context).linking.customer_for(update.effective_user.id)


async def tell_to_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one answer an unlinked person gets to anything but /start, /ajuda and the linking steps."""
    if update.callback_query is not None:
        await answer(update.callback_query, texts.NEED_LINK, alert=True)
    else:
        await reply(update, context, texts.NEED_LINK, reply_markup=share_phone())


async def require_customer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Customer | None:
    """The linked customer, or None after telling the person how to link their account."""
    customer = await current_customer(update, context)
    if customer is None:
        await tell_to_link(update, context)
    return customer


async def tell_error(update: Update, context: ContextTypes.DEFAULT_TYPE, error: DomainError, reply_markup=None) -> None:
    """A domain error as a person should read it: a toast on a button, else a message."""
    message = error_message(error)
    if update.callback_query is not None:
        await answer(update.callback_query, message, alert=True)
    else:
        await reply(update, context, esc(message), reply_markup=reply_markup)


REMOVE_KEYBOARD = ReplyKeyboardRemove()
