"""setMyCommands / getMyCommands / deleteMyCommands with scopes and language codes, and the menu a person actually
sees in a chat (Telegram's scope resolution order)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sandbox.emulator import errors
from sandbox.emulator.methods.registry import api_method
from sandbox.emulator.params import Params

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE = re.compile(r"^([a-z]{2})?$")


def scope_key(tg: FakeTelegram, scope: Any) -> tuple:
    """A BotCommandScope as a hashable key: ("default",), ("chat", chat_id), ("chat_member", chat_id, user_id)…"""
    if scope is None:
        return ("default",)
    if not isinstance(scope, dict):
        raise errors.bad_request("can't parse BotCommandScope JSON object")
    kind = scope.get("type")
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return (kind,)
    if kind in ("chat", "chat_administrators", "chat_member"):
        ref = scope.get("chat_id")
        if ref is None:
            raise errors.chat_id_empty()
        if isinstance(ref, str) and not ref.startswith("@"):
            ref = int(ref)
        chat = tg.world.chat(ref)
        if kind != "chat" and chat.type == "private":
            raise errors.bad_request("can't use specified scope in private chats")
        if kind == "chat_member":
            user_id = int(scope.get("user_id") or 0)
            if user_id not in tg.world.accounts:
                raise errors.bad_request("user not found")
            return (kind, chat.id, user_id)
        return (kind, chat.id)
    raise errors.bad_request("unsupported bot command scope type")


def _language(p: Params) -> str:
    language = p.str("language_code") or ""
    if not _LANGUAGE.match(language):
        raise errors.bad_request("invalid language code specified")
    return language


@api_method("setMyCommands")
def set_my_commands(tg: FakeTelegram, p: Params) -> bool:
    commands = p.json("commands", error="can't parse commands JSON object")
    if not isinstance(commands, list):
        raise errors.bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise errors.bad_request("BOT_COMMANDS_TOO_MUCH")
    clean = []
    for item in commands:
        if not isinstance(item, dict) or not _COMMAND.match(str(item.get("command", "")).lstrip("/")):
            raise errors.bad_request("BOT_COMMAND_INVALID")
        description = item.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise errors.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": str(item["command"]).lstrip("/"), "description": description})
    key = (scope_key(tg, p.json("scope")), _language(p))
    if clean:
        tg.bot.commands[key] = clean
    else:
        tg.bot.commands.pop(key, None)
    return True


@api_method("getMyCommands")
def get_my_commands(tg: FakeTelegram, p: Params) -> list[dict[str, str]]:
    return tg.bot.commands.get((scope_key(tg, p.json("scope")), _language(p)), [])


@api_method("deleteMyCommands")
def delete_my_commands(tg: FakeTelegram, p: Params) -> bool:
    tg.bot.commands.pop((scope_key(tg, p.json("scope")), _language(p)), None)
    return True


def menu_for(tg: FakeTelegram, chat_id: int, user_id: int | None = None, language_code: str = "") -> list[dict]:
    """The command menu Telegram shows `user_id` in `chat_id`: the first scope (with the user's language, then
    without) that has commands, in Telegram's order."""
    chat = tg.world.chat(chat_id)
    if chat.type == "private":
        scopes: list[tuple] = [("chat", chat.id), ("all_private_chats",), ("default",)]
    else:
        user_id = user_id if user_id is not None else 0
        is_admin = chat.members.get(user_id) in ("creator", "administrator")
        scopes = [("chat_member", chat.id, user_id)]
        if is_admin:
            scopes.append(("chat_administrators", chat.id))
        scopes.append(("chat", chat.id))
        if is_admin:
            scopes.append(("all_chat_administrators",))
        scopes += [("all_group_chats",), ("default",)]
    language = (language_code or "")[:2].lower()
    for scope in scopes:
        for lang in ([language, ""] if language else [""]):
            commands = tg.bot.commands.get((scope, lang))
            if commands:
                return commands
    return []
