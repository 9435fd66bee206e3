"""What the page shows, as JSON: the messages of a chat as Telegram holds them (people's and the bot's, edits in place,
deleted ones gone), the reply keyboard, the command menu, forum topics, and the bot's requests Telegram refused.

Text travels as Telegram does — plain text plus entities — and the page builds its elements from a whitelist of
entity types; nothing here is HTML.
"""
from __future__ import annotations

from typing import Any

from sandbox.emulator import FakeTelegram
from sandbox.emulator.methods.commands import menu_for
from sandbox.emulator.world import Chat

_MEDIA = ("photo", "document", "video", "voice", "audio", "animation", "sticker", "video_note")
PROBLEMS_SHOWN = 20


def chat_view(tg: FakeTelegram, chat: Chat) -> dict[str, Any]:
    view: dict[str, Any] = {"id": chat.id, "title": chat.title, "type": chat.type,
                            "messages": [message_view(tg, chat, m) for m in chat.messages.values()]}
    if chat.is_forum:
        view["topics"] = [{"thread_id": topic.thread_id, "name": topic.name, "closed": topic.closed}
                          for topic in chat.topics.values()]
    return view


def message_view(tg: FakeTelegram, chat: Chat, message: dict[str, Any]) -> dict[str, Any]:
    sender = message.get("from") or {}
    from_bot = sender.get("id") == tg.bot.id
    view: dict[str, Any] = {
        "id": message["message_id"],
        "date": message.get("date"),
        "from_bot": from_bot,
        "sender": " ".join(filter(None, (sender.get("first_name"), sender.get("last_name")))),
        "sender_id": sender.get("id"),
        "thread_id": message.get("message_thread_id"),
        "edited": "edit_date" in message,
        "text": message.get("text") or message.get("caption") or "",
        "entities": message.get("entities") or message.get("caption_entities") or [],
    }
    for kind in _MEDIA:
        if kind in message:
            media = message[kind][-1] if kind == "photo" else message[kind]
            view["media"] = {"kind": kind, "file_id": media["file_id"], "name": media.get("file_name"),
                             "size": media.get("file_size"), "emoji": media.get("emoji")}
            break
    if "contact" in message:
        contact = message["contact"]
        view["contact"] = {"phone": contact.get("phone_number", ""),
                           "name": " ".join(filter(None, (contact.get("first_name"), contact.get("last_name"))))}
    service = _service_text(message)
    if service is not None:
        view["service"] = service
    replied = message.get("reply_to_message")
    if replied is not None:
        view["reply_to"] = {"id": replied.get("message_id"),
                            "excerpt": (replied.get("text") or replied.get("caption") or "")[:90]}
    sent = chat.bot_message_by_id.get(message["message_id"]) if from_bot else None
    markup = sent.reply_markup if sent is not None else None
    if markup and "inline_keyboard" in markup:
        view["inline_keyboard"] = [
            [{"text": b.get("text", ""), "data": b.get("callback_data"), "url": b.get("url")} for b in row]
            for row in markup["inline_keyboard"]
        ]
    if markup and markup.get("force_reply"):
        view["force_reply"] = True
    return view


def _service_text(message: dict[str, Any]) -> str | None:
    if "new_chat_members" in message:
        names = ", ".join(m.get("first_name", "") for m in message["new_chat_members"])
        return f"{names} entrou no grupo"
    if "left_chat_member" in message:
        return f"{message['left_chat_member'].get('first_name', '')} saiu do grupo"
    if "forum_topic_created" in message:
        return f"Tópico criado: {message['forum_topic_created'].get('name', '')}"
    if "forum_topic_edited" in message:
        return f"Tópico renomeado: {message['forum_topic_edited'].get('name', '')}"
    if "forum_topic_closed" in message:
        return "Tópico fechado"
    if "forum_topic_reopened" in message:
        return "Tópico reaberto"
    if "pinned_message" in message:
        return "Mensagem fixada"
    if "migrate_to_chat_id" in message or "migrate_from_chat_id" in message:
        return "O grupo virou supergrupo"
    return None


def reply_keyboard(chat: Chat) -> list[list[dict[str, Any]]]:
    markup = chat.reply_keyboard
    if not markup:
        return []
    return [[{"text": b["text"] if isinstance(b, dict) else str(b),
              "request_contact": bool(isinstance(b, dict) and b.get("request_contact"))} for b in row]
            for row in markup.get("keyboard", [])]


def menu(tg: FakeTelegram, chat: Chat, user_id: int | None) -> list[dict[str, str]]:
    """The commands Telegram's menu button shows this person in this chat (setMyCommands, scopes resolved)."""
    person = tg.world.accounts.get(user_id) if user_id is not None else None
    language = person.language_code if person is not None else ""
    return [{"command": c["command"], "description": c["description"]}
            for c in menu_for(tg, chat.id, user_id, language or "")]


def problems(tg: FakeTelegram) -> list[dict[str, Any]]:
    """The bot's latest requests that Telegram refused (4xx), newest last."""
    return [{"method": r.method, "status": r.status, "description": r.description, "chat_id": r.chat_id}
            for r in tg.errors[-PROBLEMS_SHOWN:]]
