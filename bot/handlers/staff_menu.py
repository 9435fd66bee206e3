"""The staff commands in the staff group's command menu (setMyCommands with BotCommandScopeChat): set at start and
whenever the staff group changes (demo mode's adoption, a migration to a supergroup)."""
from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import ChatMigrated, TelegramError

from bot.logs import fields
from bot.services import Services
from bot.texts import staff as texts

log = logging.getLogger(__name__)

STAFF_COMMANDS = [BotCommand(name, description) for name, description in texts.COMMAND_MENU]


async def set_staff_menu(bot, chat_id: int) -> bool:
    """Best effort: /diag tells what is wrong with the group."""
    try:
        await bot.set_my_commands(STAFF_COMMANDS, scope=BotCommandScopeChat(chat_id))
        return True
    except TelegramError as exc:
        log.warning(fields(event="staff_menu_failed", chat_id=chat_id, error=str(exc)))
        return False


async def refresh_staff_menu(bot, svc: Services) -> None:
    """At start: the menu of the configured staff group, following it if it became a supergroup meanwhile."""
    config = await svc.customers.config()
    if config.staff_chat_id is None:
        return
    try:
        await bot.set_my_commands(STAFF_COMMANDS, scope=BotCommandScopeChat(config.staff_chat_id))
    except ChatMigrated as moved:
        await svc.incidents.staff_group_moved(config.staff_chat_id, moved.new_chat_id)
        await set_staff_menu(bot, moved.new_chat_id)
    except TelegramError as exc:  # a stale group id must not stop the bot; /diag reports it
        log.warning(fields(event="staff_menu_failed", chat_id=config.staff_chat_id, error=str(exc)))
