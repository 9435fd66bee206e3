"""Tells customers whose /novo was abandoned that it expired — from the database, so it still fires after a restart."""
from __future__ import annotations

import contextlib
import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot.logs import fields
from bot.services import Services
from bot.texts import customer as texts

log = logging.getLogger(__name__)


async def expire_wizard_drafts(services: Services, bot: Bot, limit: int = 50) -> int:
    told = 0
    for draft in await services.wizard.expired(limit):
        if not await services.wizard.drop(draft):
            continue  # the customer moved on meanwhile
        with contextlib.suppress(BadRequest, Forbidden):
            if draft.message_id is not None:
                await bot.edit_message_reply_markup(draft.chat_id, draft.message_id, reply_markup=None)
        try:
            await bot.send_message(draft.chat_id, texts.wizard_expired(services.settings.conversation_timeout_minutes))
            told += 1
        except Forbidden:
            pass  # the customer blocked the bot: nothing to tell
        log.info(fields(event="wizard_expired", chat_id=draft.chat_id))
    return told
