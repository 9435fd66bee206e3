"""Forum topics in supergroups: createForumTopic, editForumTopic, closeForumTopic, reopenForumTopic,
deleteForumTopic."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.emulator import errors
from sandbox.emulator.methods.registry import api_method
from sandbox.emulator.params import Params
from sandbox.emulator.world import Chat, Topic

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram


def _forum(tg: FakeTelegram, p: Params) -> Chat:
    chat = tg.world.writable_chat(p.chat_id())
    if not chat.is_forum:
        raise errors.bad_request("the chat is not a forum")
    if chat.bot_status != "administrator":
        raise errors.bad_request("not enough rights to create a topic")
    return chat


def _topic(chat: Chat, p: Params) -> Topic:
    topic = chat.topics.get(p.int("message_thread_id") or 0)
    if topic is None:
        raise errors.bad_request("message thread not found")
    return topic


@api_method("createForumTopic")
def create_forum_topic(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    chat = _forum(tg, p)
    name = p.str("name") or ""
    if not 1 <= len(name) <= 128:
        raise errors.bad_request("TOPIC_TITLE_EMPTY" if not name else "topic name is too long")
    topic = tg.events.topic_created(chat, name, by=tg.bot.account, icon_color=p.int("icon_color", 7322096))
    return {"message_thread_id": topic.thread_id, "name": topic.name, "icon_color": topic.icon_color}


@api_method("editForumTopic")
def edit_forum_topic(tg: FakeTelegram, p: Params) -> bool:
    topic = _topic(_forum(tg, p), p)
    if p.str("name"):
        topic.name = p.str("name")
    return True


@api_method("closeForumTopic")
def close_forum_topic(tg: FakeTelegram, p: Params) -> bool:
    _topic(_forum(tg, p), p).closed = True
    return True


@api_method("reopenForumTopic")
def reopen_forum_topic(tg: FakeTelegram, p: Params) -> bool:
    _topic(_forum(tg, p), p).closed = False
    return True


@api_method("deleteForumTopic")
def delete_forum_topic(tg: FakeTelegram, p: Params) -> bool:
    chat = _forum(tg, p)
    topic = _topic(chat, p)
    del chat.topics[topic.thread_id]
    return True
