"""Simulated people and groups on the fake Telegram server: they write to the bot, share contacts, send photos, press
buttons, block the bot; and they read what the bot answered, waiting for it without polling.

    ana = tg.user("Ana", phone="+5511999990001")
    await ana.send("/start")
    [answer] = await ana.wait_for_reply()
    await ana.press("Assistência técnica")

`wait_for_reply` returns the bot's new messages and edits since the person's last action (each a `Reply`), exactly
`count` of them, oldest first; the next call continues after them.
"""
from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from sandbox.emulator.callback_queries import CallbackQuery
from sandbox.emulator.events import SimulationError
from sandbox.emulator.files import store_file
from sandbox.emulator.message_text import as_typed
from sandbox.emulator.sent_messages import BotMessage, Reply
from sandbox.emulator.world import Account, Chat, Topic

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram

DEFAULT_TIMEOUT = 5.0
DEFAULT_QUIET = 0.3  # how long "no answer" is waited for


class _ChatReader:
    """Reading what the bot showed in one chat, with a cursor that each action here moves to the end."""

    tg: FakeTelegram
    _mark: int

    @property
    def chat(self) -> Chat:
        raise NotImplementedError

    @property
    def label(self) -> str:
        raise NotImplementedError

    @property
    def messages(self) -> list[BotMessage]:
        """What the bot sent to this chat and did not delete, oldest first."""
        return self.chat.visible_bot_messages

    @property
    def all_messages(self) -> list[BotMessage]:
        return list(self.chat.bot_messages)

    @property
    def last(self) -> BotMessage | None:
        visible = self.chat.visible_bot_messages
        return visible[-1] if visible else None

    @property
    def unread(self) -> list[Reply]:
        """The new messages and edits since the last action or read, without waiting."""
        return self.chat.shown[self._mark:]

    def _acted(self) -> None:
        self._mark = len(self.chat.shown)

    async def wait_for_reply(self, timeout: float = DEFAULT_TIMEOUT, count: int = 1) -> list[Reply]:
        """The next `count` new bot messages or edits in this chat since the last action (event-driven)."""
        target = self._mark + count
        if not await self.chat.wait_shown(target, timeout):
            got = self.chat.shown[self._mark:]
            raise AssertionError(
                f"{self.label} waited {timeout:g} s for {count} answer(s) from the bot and got {len(got)}: "
                f"{[reply.text[:120] for reply in got]}{self._recent_errors()}"
            )
        replies = self.chat.shown[self._mark:target]
        self._mark = target
        return replies

    async def expect_no_reply(self, within: float = DEFAULT_QUIET) -> None:
        """Asserts that the bot shows nothing new here for `within` seconds."""
        await self.chat.wait_shown(self._mark + 1, within)
        unexpected = self.chat.shown[self._mark:]
        if unexpected:
            raise AssertionError(f"{self.label} expected no answer but the bot showed: "
                                 f"{[reply.text[:120] for reply in unexpected]}")

    def _recent_errors(self) -> str:
        chat_ids = {self.chat.id, *((self.chat.migrated_from,) if self.chat.migrated_from else ())}
        errors = [r for r in self.tg.errors if r.chat_id in chat_ids][-5:]
        notes = ""
        if errors:
            notes += "\nthe bot's recent failed requests in this chat:\n" + "\n".join(
                f"  {r.method} → {r.status} {r.description}" for r in errors)
        unconfirmed = self.tg.bot.updates.pending_count
        if unconfirmed:
            notes += f"\n{unconfirmed} update(s) not yet confirmed by the bot (is it polling?)"
        return notes

    def _find_button_message(self, label_or_data: str) -> BotMessage:
        for message in reversed(self.chat.bot_messages):
            if not message.deleted and message.button(label_or_data) is not None:
                return message
        shown = [m.buttons for m in self.chat.visible_bot_messages if m.buttons][-3:]
        raise SimulationError(f"no bot message in {self.label}'s chat has a button {label_or_data!r}; "
                              f"the latest keyboards are {shown}")


class TelegramUser(_ChatReader):
    """A person with a private chat with the bot."""

    def __init__(self, tg: FakeTelegram, account: Account, chat: Chat):
        self.tg = tg
        self.account = account
        self._chat = chat
        self._mark = 0

    # -- identity ------------------------------------------------------------------------------------------------------
    @property
    def id(self) -> int:
        return self.account.id

    @property
    def chat_id(self) -> int:
        return self._chat.id

    @property
    def chat(self) -> Chat:
        return self._chat

    @property
    def first_name(self) -> str:
        return self.account.first_name

    @property
    def name(self) -> str:
        return self.account.full_name

    @property
    def label(self) -> str:
        return self.account.first_name

    @property
    def phone(self) -> str | None:
        return self.account.phone

    @property
    def username(self) -> str | None:
        return self.account.username

    @property
    def keyboard(self) -> list[str]:
        """The labels of the reply keyboard the person currently sees (empty when none)."""
        markup = self._chat.reply_keyboard
        return [button["text"] for row in markup["keyboard"] for button in row] if markup else []

    @property
    def keyboard_requests_contact(self) -> bool:
        markup = self._chat.reply_keyboard
        return bool(markup) and any(b.get("request_contact") for row in markup["keyboard"] for b in row)

    def __repr__(self) -> str:
        return f"<TelegramUser {self.name} id={self.id}>"

    # -- acting in the private chat ------------------------------------------------------------------------------------
    async def _post(self, **content: Any) -> dict[str, Any]:
        self._acted()
        message = self.tg.events.message(self._chat, self.account, **content)
        await asyncio.sleep(0)
        return message

    async def send(self, text: str, *, reply_to: dict[str, Any] | BotMessage | None = None) -> dict[str, Any]:
        """Writes `text` to the bot (a leading /command gets its bot_command entity). Like the Telegram apps, the
        text is cleaned and trimmed, and a text longer than 4096 UTF-16 units goes as several messages (the last one
        is returned)."""
        parts = as_typed(text)
        if not parts:
            raise SimulationError(f"Telegram does not send an empty message ({text!r})")
        message: dict[str, Any] = {}
        for part in parts:
            message = await self._post(text=part, reply_to=reply_to)
        return message

    async def command(self, command: str, *args: Any) -> dict[str, Any]:
        """`command("/detalhes", 12)` sends "/detalhes 12"."""
        command = command if command.startswith("/") else f"/{command}"
        return await self.send(" ".join([command, *map(str, args)]))

    async def reply(self, text: str, to: dict[str, Any] | BotMessage | None = None) -> dict[str, Any]:
        """Answers a message (by default the bot's newest one), as a ForceReply prompt expects."""
        target = to if to is not None else self.last
        if target is None:
            raise SimulationError(f"{self.label} has no bot message to reply to")
        return await self.send(text, reply_to=target)

    async def share_contact(self, phone_number: str | None = None) -> dict[str, Any]:
        """Shares their own contact (the request_contact button): contact.user_id is the sender's id."""
        phone = phone_number or self.account.phone
        if not phone:
            raise SimulationError(f"{self.label} has no phone number to share")
        contact = {"phone_number": phone_number or _as_telegram_sends(phone), "first_name": self.account.first_name,
                   "user_id": self.id}
        if self.account.last_name:
            contact["last_name"] = self.account.last_name
        return await self._post(contact=contact)

    async def share_contact_of(self, other: TelegramUser | None = None, *, phone: str | None = None,
                               first_name: str = "Contato", last_name: str | None = None) -> dict[str, Any]:
        """Shares someone else's contact card: another person (with their user_id) or just a phone number."""
        if other is not None:
            contact = {"phone_number": _as_telegram_sends(other.phone or ""), "first_name": other.first_name,
                       "user_id": other.id}
            if other.account.last_name:
                contact["last_name"] = other.account.last_name
        else:
            if not phone:
                raise SimulationError("share_contact_of needs another person or a phone number")
            contact = {"phone_number": phone, "first_name": first_name}
            if last_name:
                contact["last_name"] = last_name
        return await self._post(contact=contact)

    async def post(self, **content: Any) -> dict[str, Any]:
        """Any message content in the private chat, as Telegram's Message fields (`photo=…`, `document=…`)."""
        return await self._post(**content)

    async def send_photo(self, caption: str | None = None, content: bytes | None = None) -> dict[str, Any]:
        stored = store_file(self.tg, "photo", content)
        extra = {"caption": caption} if caption else {}
        return await self._post(photo=stored.as_media("photo"), **extra)

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        stored = store_file(self.tg, "sticker", emoji=emoji)
        return await self._post(sticker=stored.as_media("sticker"))

    async def send_document(self, file_name: str = "documento.pdf", content: bytes | None = None,
                            mime_type: str = "application/pdf", caption: str | None = None) -> dict[str, Any]:
        stored = store_file(self.tg, "document", content, file_name=file_name, mime_type=mime_type)
        extra = {"caption": caption} if caption else {}
        return await self._post(document=stored.as_media("document"), **extra)

    async def edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """Edits one of their own messages (edited_message update)."""
        chat = self.tg.world.chats[message["chat"]["id"]]
        (self if chat.id == self.chat_id else self._group_reader(chat.id))._acted()
        return self.tg.events.edit(chat, self.account, message, text)

    async def press(self, button: str, message: BotMessage | None = None, *,
                    chat: TelegramGroup | None = None) -> CallbackQuery:
        """Presses an inline button, by label or callback data: on `message`, or on the newest bot message (in the
        private chat, or in `chat`) that has it. A reply-keyboard button is pressed by sending its text: use
        `tap()`."""
        reader: _ChatReader = chat if chat is not None else self
        target = message if message is not None else reader._find_button_message(button)
        if message is not None and chat is None and message.chat_id != self._chat.id:
            reader = self._group_reader(message.chat_id)
        reader._acted()
        query = self.tg.events.press(self.account, target, button)
        await asyncio.sleep(0)
        return query

    async def tap(self, label: str) -> dict[str, Any]:
        """Presses a button of the reply keyboard the bot showed (sends its text, or the contact it requests)."""
        markup = self._chat.reply_keyboard
        buttons = [b for row in markup["keyboard"] for b in row] if markup else []
        for button in buttons:
            if button["text"] == label:
                if button.get("request_contact"):
                    return await self.share_contact()
                return await self.send(label)
        raise SimulationError(f"{self.label} sees no reply-keyboard button {label!r}; the keyboard is {self.keyboard}")

    # -- the relationship with the bot ---------------------------------------------------------------------------------
    async def block_bot(self) -> None:
        self.tg.events.block_changed(self.account, True)

    async def unblock_bot(self) -> None:
        self.tg.events.block_changed(self.account, False)

    async def deactivate(self) -> None:
        """Deletes the account: the bot gets 403 "user is deactivated" from then on."""
        self.account.deactivated = True

    # -- acting in groups ----------------------------------------------------------------------------------------------
    async def say_in(self, group: TelegramGroup, text: str, *, topic: Topic | int | None = None,
                     reply_to: dict[str, Any] | BotMessage | None = None) -> dict[str, Any]:
        group._acted()
        thread_id = topic.thread_id if isinstance(topic, Topic) else topic
        parts = as_typed(text)
        if not parts:
            raise SimulationError(f"Telegram does not send an empty message ({text!r})")
        message: dict[str, Any] = {}
        for part in parts:
            message = self.tg.events.message(group.chat, self.account, text=part, thread_id=thread_id,
                                             reply_to=reply_to)
        await asyncio.sleep(0)
        return message

    async def post_in(self, group: TelegramGroup, *, topic: Topic | int | None = None, **content: Any) -> dict[str, Any]:
        """Any message content in a group (`photo=…`, `document=…`), in `topic` when given."""
        group._acted()
        thread_id = topic.thread_id if isinstance(topic, Topic) else topic
        message = self.tg.events.message(group.chat, self.account, thread_id=thread_id, **content)
        await asyncio.sleep(0)
        return message

    async def command_in(self, group: TelegramGroup, command: str, *args: Any, topic: Topic | int | None = None,
                         mention_bot: bool = True) -> dict[str, Any]:
        """A command in a group, addressed as `/cmd@botname` (as Telegram's menu sends it) unless mention_bot=False."""
        command = command if command.startswith("/") else f"/{command}"
        if mention_bot and "@" not in command:
            command = f"{command}@{self.tg.bot.username}"
        return await self.say_in(group, " ".join([command, *map(str, args)]), topic=topic)

    def _group_reader(self, chat_id: int) -> _ChatReader:
        return self.tg.groups.get(chat_id) or TelegramGroup(self.tg, self.tg.world.chats[chat_id])


class TelegramGroup(_ChatReader):
    """A group or supergroup (optionally a forum) with its members."""

    def __init__(self, tg: FakeTelegram, chat: Chat):
        self.tg = tg
        self._chat = chat
        self._mark = len(chat.shown)
        self.old_ids: list[int] = []

    @property
    def chat(self) -> Chat:
        return self._chat

    @property
    def id(self) -> int:
        return self._chat.id

    @property
    def title(self) -> str:
        return self._chat.title or ""

    @property
    def label(self) -> str:
        return f"the group {self.title!r}"

    @property
    def type(self) -> str:
        return self._chat.type

    @property
    def topics(self) -> dict[int, Topic]:
        return self._chat.topics

    def __repr__(self) -> str:
        return f"<TelegramGroup {self.title!r} id={self.id} {self.type} bot={self._chat.bot_status}>"

    def in_topic(self, topic: Topic | int) -> list[BotMessage]:
        thread_id = topic.thread_id if isinstance(topic, Topic) else topic
        return [message for message in self.messages if message.thread_id == thread_id]

    async def add_bot(self, by: TelegramUser | None = None, *, as_admin: bool = False) -> None:
        """Someone adds the bot (my_chat_member left→member, and the new_chat_members message)."""
        self._acted()
        self.tg.events.bot_status_changed(self._chat, "administrator" if as_admin else "member",
                                          by=by.account if by else self._any_member())

    async def promote_bot(self, by: TelegramUser | None = None) -> None:
        self.tg.events.bot_status_changed(self._chat, "administrator", by=by.account if by else self._any_member())

    async def kick_bot(self, by: TelegramUser | None = None) -> None:
        """The bot is removed: 403 "bot was kicked from the supergroup chat" (or "group chat") from then on."""
        self.tg.events.bot_status_changed(self._chat, "kicked", by=by.account if by else self._any_member())

    async def add_member(self, person: TelegramUser, by: TelegramUser | None = None) -> None:
        self._acted()
        self.tg.events.member_status_changed(self._chat, person.account, "member", by.account if by else None)

    async def remove_member(self, person: TelegramUser, by: TelegramUser | None = None) -> None:
        self._acted()
        status = "kicked" if by is not None else "left"
        self.tg.events.member_status_changed(self._chat, person.account, status, by.account if by else None)

    async def promote(self, person: TelegramUser, by: TelegramUser | None = None) -> None:
        self.tg.events.member_status_changed(self._chat, person.account, "administrator", by.account if by else None)

    async def migrate_to_supergroup(self, by: TelegramUser | None = None) -> "TelegramGroup":
        """The group becomes a supergroup with a new id; this object follows it (the old id is in `old_ids`)."""
        self._acted()
        old = self._chat
        self._chat = self.tg.events.migrate(old, by.account if by else self._any_member())
        self.old_ids.append(old.id)
        self._mark = 0
        self.tg.groups[self._chat.id] = self
        return self

    async def create_topic(self, name: str, by: TelegramUser | None = None) -> Topic:
        if not self._chat.is_forum:
            raise SimulationError(f"{self.label} is not a forum")
        return self.tg.events.topic_created(self._chat, name, by.account if by else self._any_member())

    def _any_member(self) -> Account:
        for user_id, status in self._chat.members.items():
            if status in ("creator", "administrator", "member"):
                return self.tg.world.accounts[user_id]
        raise SimulationError(f"{self.label} has no members to act")


def _as_telegram_sends(phone: str) -> str:
    """Telegram's mobile apps share the number as digits only, without '+'."""
    return re.sub(r"\D", "", phone)
