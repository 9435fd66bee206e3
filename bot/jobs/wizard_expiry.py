"""Tells customers whose /novo was abandoned that it expired — from the database, so it still fires after a restart."""
from __future__ import annotations

import contextlib
import logging

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot.logs import fields
from bot.services import Services
from bot.texts import customer as texts

log = logging.getLogger(__name__)
BATCHES_PER_RUN = 20  # after a long stop many drafts expire at once: work through them, but not forever


async def expire_wizard_drafts(services: Services, bot: Bot, limit: int = 50) -> int:
    """Drops every expired draft and tells its customer; returns how many were told."""
    told = 0
    for _ in range(BATCHES_PER_RUN):
        drafts = await services.wizard.expired(limit)
        for draft in drafts:
            if not await services.wizard.drop(draft):
                continue  # the customer moved on meanwhile
            told += await _tell(services, bot, draft)
        if len(drafts) < limit:
            break
    return told


async def _tell(services: Services, bot: Bot, draft) -> int:
    """The draft is gone already: telling the customer is best effort, and one failure stops no other."""
    with contextlib.suppress(TelegramError):
        if draft.message_id is not None:
            await bot.edit_message_reply_markup(draft.chat_id, draft.message_id, reply_markup=None)
    try:
        await bot.send_message(draft.chat_id, texts.wizard_expired(services.settings.conversation_timeout_minutes))
    except Forbidden:
        return 0  # the customer blocked the bot: nothing to tell
    except TelegramError as exc:
        log.warning(fields(event="wizard_expiry_not_told", chat_id=draft.chat_id, error=type(exc).__name__))
        return 0
    log.info(fields(event="wizard_expired", chat_id=draft.chat_id))
    return 1
