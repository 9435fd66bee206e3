"""sendMessage and the other send* methods, editMessageText/Caption/ReplyMarkup, deleteMessage(s), sendChatAction."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.emulator import errors
from sandbox.emulator.files import input_file
from sandbox.emulator.keyboards import checked_markup
from sandbox.emulator.message_text import FormattedText, format_text
from sandbox.emulator.methods.registry import api_method
from sandbox.emulator.params import Params
from sandbox.emulator.payloads import quoted
from sandbox.emulator.sent_messages import BotMessage, MessageVersion, Reply
from sandbox.emulator.world import Chat

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram

CHAT_ACTIONS = frozenset(
    ["typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
     "choose_sticker", "find_location", "record_video_note", "upload_video_note"]
)


@api_method("sendMessage")
def send_message(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    chat = tg.world.writable_chat(p.chat_id())
    formatted = format_text(p.raw.get("text"), p.str("parse_mode"), p.json("entities"),
                            strict_ampersand=tg.strict_ampersand)
    markup = checked_markup(p.json("reply_markup"))
    thread_id = _thread(chat, p)
    reply_to = _replied_message(chat, p)
    preview = p.json("link_preview_options")
    if preview is None and p.bool("disable_web_page_preview"):
        preview = {"is_disabled": True}
    tg.spend_flood(chat)
    content: dict[str, Any] = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    if preview:
        content["link_preview_options"] = preview
    return _deliver(tg, chat, p, "text", content, formatted, markup, thread_id, reply_to, preview)


def _media_sender(kind: str):
    def send_media(tg: FakeTelegram, p: Params) -> dict[str, Any]:
        chat = tg.world.writable_chat(p.chat_id())
        stored = input_file(tg, kind, p.file(kind))
        caption = FormattedText("", [])
        if kind != "sticker":
            caption = format_text(p.raw.get("caption"), p.str("parse_mode"), p.json("caption_entities"),
                                  caption=True, strict_ampersand=tg.strict_ampersand)
        markup = checked_markup(p.json("reply_markup"))
        thread_id = _thread(chat, p)
        reply_to = _replied_message(chat, p)
        tg.spend_flood(chat)
        content: dict[str, Any] = {kind: stored.as_media(kind)}
        if caption.text:
            content["caption"] = caption.text
            if caption.entities:
                content["caption_entities"] = caption.entities
        return _deliver(tg, chat, p, kind, content, caption, markup, thread_id, reply_to, None, raw_key="caption")

    return send_media


for _kind, _name in (("photo", "sendPhoto"), ("document", "sendDocument"), ("sticker", "sendSticker"),
                     ("video", "sendVideo"), ("audio", "sendAudio"), ("voice", "sendVoice"),
                     ("animation", "sendAnimation")):
    api_method(_name)(_media_sender(_kind))


def _thread(chat: Chat, p: Params) -> int | None:
    thread_id = p.int("message_thread_id")
    if not thread_id or not chat.is_forum:
        return None
    topic = chat.topics.get(thread_id)
    if topic is None:
        raise errors.bad_request("message thread not found")
    if topic.closed:
        raise errors.bad_request("TOPIC_CLOSED")
    return thread_id


def _replied_message(chat: Chat, p: Params) -> dict[str, Any] | None:
    parameters = p.json("reply_parameters")
    if isinstance(parameters, dict):
        message_id = parameters.get("message_id")
        tolerant = bool(parameters.get("allow_sending_without_reply"))
    else:
        message_id = p.int("reply_to_message_id")
        tolerant = p.bool("allow_sending_without_reply")
    if not message_id:
        return None
    message = chat.messages.get(int(message_id))
    if message is None:
        if tolerant:
            return None
        raise errors.bad_request("message to be replied not found")
    return message


def _deliver(
    tg: FakeTelegram,
    chat: Chat,
    p: Params,
    kind: str,
    content: dict[str, Any],
    formatted: FormattedText,
    markup: dict[str, Any] | None,
    thread_id: int | None,
    reply_to: dict[str, Any] | None,
    preview: dict[str, Any] | None,
    raw_key: str = "text",
) -> dict[str, Any]:
    now = tg.now()
    if thread_id is None and reply_to is not None and reply_to.get("is_topic_message"):
        thread_id = reply_to.get("message_thread_id")
    message_id = chat.new_message_id()
    message: dict[str, Any] = {"message_id": message_id, "from": tg.bot.account.as_user(), "chat": chat.as_chat(),
                               "date": now}
    if thread_id is not None:
        message["message_thread_id"] = thread_id
        message["is_topic_message"] = True
    if reply_to is not None:
        message["reply_to_message"] = quoted(reply_to)
    message.update(content)
    if markup is not None and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    protect = p.bool("protect_content")
    if protect:
        message["has_protected_content"] = True
    chat.messages[message_id] = message

    version = MessageVersion(formatted.text, formatted.entities, p.str(raw_key), p.str("parse_mode"), markup, now)
    sent = BotMessage(
        chat_id=chat.id, message_id=message_id, date=now, kind=kind, versions=[version], thread_id=thread_id,
        reply_to_message_id=reply_to["message_id"] if reply_to else None,
        disable_notification=p.bool("disable_notification"), protect_content=protect, link_preview_options=preview,
        payload=message,
    )
    chat.bot_messages.append(sent)
    chat.bot_message_by_id[message_id] = sent
    tg.sent.append(sent)
    if markup is not None:
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif "remove_keyboard" in markup:
            chat.reply_keyboard = None
    chat.show(Reply(sent, version, is_edit=False))
    return message


# -- edits -------------------------------------------------------------------------------------------------------------
def _message_to_edit(tg: FakeTelegram, p: Params) -> tuple[Chat, BotMessage]:
    if "inline_message_id" in p:
        raise errors.bad_request("MESSAGE_ID_INVALID")
    chat = tg.world.writable_chat(p.chat_id())
    message_id = p.int("message_id")
    if message_id is None:
        raise errors.bad_request("message identifier is not specified")
    if message_id not in chat.messages:
        raise errors.message_to_edit_not_found()
    sent = chat.bot_message_by_id.get(message_id)
    if sent is None:
        raise errors.bad_request("message can't be edited")
    return chat, sent


def _inline_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup is not None and "inline_keyboard" in markup else None


def _apply_edit(tg: FakeTelegram, chat: Chat, sent: BotMessage, version: MessageVersion,
                content: dict[str, Any]) -> dict[str, Any]:
    message = {key: value for key, value in sent.payload.items()
               if key not in ("text", "entities", "caption", "caption_entities", "reply_markup")}
    message.update(content)
    message["edit_date"] = version.date
    if version.reply_markup is not None:
        message["reply_markup"] = version.reply_markup
    sent.versions.append(version)
    sent.payload = message
    chat.messages[sent.message_id] = message
    chat.show(Reply(sent, version, is_edit=True))
    return message


@api_method("editMessageText")
def edit_message_text(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    chat, sent = _message_to_edit(tg, p)
    if sent.kind != "text":
        raise errors.bad_request("there is no text in the message to edit")
    formatted = format_text(p.raw.get("text"), p.str("parse_mode"), p.json("entities"),
                            strict_ampersand=tg.strict_ampersand)
    markup = checked_markup(p.json("reply_markup"), inline_only=True)
    current = sent.current
    if (formatted.text == current.text and formatted.entities == current.entities
            and markup == _inline_markup(current.reply_markup)):
        raise errors.message_not_modified()
    version = MessageVersion(formatted.text, formatted.entities, p.str("text"), p.str("parse_mode"), markup, tg.now())
    content: dict[str, Any] = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    return _apply_edit(tg, chat, sent, version, content)


@api_method("editMessageCaption")
def edit_message_caption(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    chat, sent = _message_to_edit(tg, p)
    if sent.kind in ("text", "sticker"):
        raise errors.bad_request("there is no caption in the message to edit")
    caption = format_text(p.raw.get("caption"), p.str("parse_mode"), p.json("caption_entities"), caption=True,
                          strict_ampersand=tg.strict_ampersand)
    markup = checked_markup(p.json("reply_markup"), inline_only=True)
    current = sent.current
    if (caption.text == current.text and caption.entities == current.entities
            and markup == _inline_markup(current.reply_markup)):
        raise errors.message_not_modified()
    version = MessageVersion(caption.text, caption.entities, p.str("caption"), p.str("parse_mode"), markup, tg.now())
    content: dict[str, Any] = {}
    if caption.text:
        content["caption"] = caption.text
        if caption.entities:
            content["caption_entities"] = caption.entities
    return _apply_edit(tg, chat, sent, version, content)


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    chat, sent = _message_to_edit(tg, p)
    markup = checked_markup(p.json("reply_markup"), inline_only=True)
    current = sent.current
    if markup == _inline_markup(current.reply_markup):
        raise errors.message_not_modified()
    version = MessageVersion(current.text, current.entities, current.raw, current.parse_mode, markup, tg.now())
    key = "text" if sent.kind == "text" else "caption"
    content: dict[str, Any] = {}
    if current.text:
        content[key] = current.text
        if current.entities:
            content["entities" if key == "text" else "caption_entities"] = current.entities
    return _apply_edit(tg, chat, sent, version, content)


# -- deleting ----------------------------------------------------------------------------------------------------------
def _delete(tg: FakeTelegram, chat: Chat, message_id: int) -> None:
    message = chat.messages.get(message_id)
    if message is None:
        raise errors.bad_request("message to delete not found")
    sent = chat.bot_message_by_id.get(message_id)
    if sent is None and chat.type != "private" and chat.bot_status != "administrator":
        raise errors.bad_request("message can't be deleted")
    del chat.messages[message_id]
    if sent is not None:
        sent.deleted = True
    tg.deleted.append((chat.id, message_id))


@api_method("deleteMessage")
def delete_message(tg: FakeTelegram, p: Params) -> bool:
    chat = tg.world.writable_chat(p.chat_id())
    message_id = p.int("message_id")
    if message_id is None:
        raise errors.bad_request("message identifier is not specified")
    _delete(tg, chat, message_id)
    return True


@api_method("deleteMessages")
def delete_messages(tg: FakeTelegram, p: Params) -> bool:
    chat = tg.world.writable_chat(p.chat_id())
    message_ids = p.json("message_ids") or []
    if not isinstance(message_ids, list) or not 1 <= len(message_ids) <= 100:
        raise errors.bad_request("message_ids must be a non-empty list of at most 100 identifiers")
    for message_id in message_ids:
        if int(message_id) in chat.messages:
            _delete(tg, chat, int(message_id))
    return True


@api_method("sendChatAction")
def send_chat_action(tg: FakeTelegram, p: Params) -> bool:
    chat = tg.world.writable_chat(p.chat_id())
    action = p.str("action")
    if action not in CHAT_ACTIONS:
        raise errors.bad_request("wrong parameter action in request")
    chat.chat_actions.append(action)
    return True
