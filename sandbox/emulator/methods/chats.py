"""getChat, getChatMember, getChatAdministrators, getChatMemberCount, leaveChat."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.emulator import errors
from sandbox.emulator.methods.registry import api_method
from sandbox.emulator.params import Params
from sandbox.emulator.payloads import chat_member
from sandbox.emulator.world import Chat

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram

_PRESENT = ("creator", "administrator", "member", "restricted")
_GIFT_TYPES = {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
               "premium_subscription": False, "gifts_from_channels": False}


@api_method("getChat")
def get_chat(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    chat = tg.world.readable_chat(p.chat_id())
    info = dict(chat.as_chat())
    info.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types=_GIFT_TYPES)
    if chat.type != "private":
        info["permissions"] = {"can_send_messages": True, "can_send_photos": True, "can_send_documents": True,
                               "can_invite_users": True, "can_pin_messages": False, "can_change_info": False}
    return info


def _status(tg: FakeTelegram, chat: Chat, user_id: int) -> str:
    if user_id == tg.bot.id:
        return "member" if chat.type == "private" else chat.bot_status
    if chat.type == "private":
        return "member" if user_id == chat.id else "left"
    return chat.members.get(user_id, "left")


@api_method("getChatMember")
def get_chat_member(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    chat = tg.world.readable_chat(p.chat_id())
    user_id = p.int("user_id")
    account = tg.bot.account if user_id == tg.bot.id else tg.world.accounts.get(user_id or 0)
    if account is None:
        raise errors.bad_request("user not found")
    return chat_member(account, _status(tg, chat, account.id))


@api_method("getChatAdministrators")
def get_chat_administrators(tg: FakeTelegram, p: Params) -> list[dict[str, Any]]:
    chat = tg.world.readable_chat(p.chat_id())
    if chat.type == "private":
        raise errors.bad_request("there are no administrators in the private chat")
    admins = [chat_member(tg.world.accounts[user_id], status) for user_id, status in chat.members.items()
              if status in ("creator", "administrator")]
    if chat.bot_status == "administrator":
        admins.append(chat_member(tg.bot.account, "administrator"))
    return admins


@api_method("getChatMemberCount", "getChatMembersCount")
def get_chat_member_count(tg: FakeTelegram, p: Params) -> int:
    chat = tg.world.readable_chat(p.chat_id())
    if chat.type == "private":
        return 2
    bot = 1 if chat.bot_status in _PRESENT else 0
    return bot + sum(1 for status in chat.members.values() if status in _PRESENT)


@api_method("leaveChat")
def leave_chat(tg: FakeTelegram, p: Params) -> bool:
    chat = tg.world.readable_chat(p.chat_id())
    if chat.type == "private":
        raise errors.bad_request("chat member status can't be changed in private chats")
    tg.events.bot_status_changed(chat, "left", by=None)
    return True
