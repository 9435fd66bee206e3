"""Bot API objects built from the world: ChatMember (with every field python-telegram-bot requires) and messages."""
from __future__ import annotations

from typing import Any

from sandbox.emulator.world import Account, Chat

_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
    "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
    "can_change_info": True, "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False, "can_pin_messages": True, "can_manage_topics": True,
}


def chat_member(account: Account, status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": account.as_user()}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(_ADMIN_RIGHTS)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def new_message(chat: Chat, sender: Account, date: int, thread_id: int | None = None, **content: Any) -> dict[str, Any]:
    """A Message object from `sender` in `chat` with a fresh id; stored in the chat."""
    message_id = chat.new_message_id()
    message: dict[str, Any] = {"message_id": message_id, "from": sender.as_user(), "chat": chat.as_chat(), "date": date}
    if thread_id is not None and chat.is_forum:
        message["message_thread_id"] = thread_id
        message["is_topic_message"] = True
    message.update(content)
    chat.messages[message_id] = message
    return message


def quoted(message: dict[str, Any]) -> dict[str, Any]:
    """A message as it appears in `reply_to_message` (no nested reply)."""
    if "reply_to_message" not in message:
        return message
    return {key: value for key, value in message.items() if key != "reply_to_message"}
