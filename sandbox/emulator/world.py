"""The simulated Telegram: accounts, chats and the messages in them, and who the bot may write to."""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from sandbox.emulator import errors
from sandbox.emulator.sent_messages import BotMessage, Reply

FIRST_USER_ID = 7_100_000_001  # real user ids no longer fit in 32 bits
FIRST_GROUP_ID = -4_100_000_001
FIRST_SUPERGROUP_ID = -1_002_100_000_001


@dataclass(eq=False, slots=True)
class Account:
    """A Telegram user (or the bot itself)."""

    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone: str | None = None
    is_premium: bool = False
    started_bot: bool = False  # has written to the bot at least once
    blocked_bot: bool = False
    deactivated: bool = False
    _user: dict[str, Any] | None = None

    def as_user(self) -> dict[str, Any]:
        """The `User` object, as it appears in updates."""
        if self._user is None:
            user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
            if self.last_name:
                user["last_name"] = self.last_name
            if self.username:
                user["username"] = self.username
            if self.language_code and not self.is_bot:
                user["language_code"] = self.language_code
            if self.is_premium:
                user["is_premium"] = True
            self._user = user
        return self._user

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(eq=False)
class Topic:
    thread_id: int
    name: str
    icon_color: int = 7322096
    closed: bool = False


@dataclass(eq=False)
class Chat:
    id: int
    type: str  # "private", "group", "supergroup"
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    person: Account | None = None  # the other side of a private chat
    members: dict[int, str] = field(default_factory=dict)  # user id → creator/administrator/member/left/kicked
    bot_status: str = "member"  # for groups: administrator/member/left/kicked
    migrated_to: int | None = None
    migrated_from: int | None = None
    topics: dict[int, Topic] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)  # every Message object, by id
    bot_messages: list[BotMessage] = field(default_factory=list, repr=False)
    bot_message_by_id: dict[int, BotMessage] = field(default_factory=dict, repr=False)
    shown: list[Reply] = field(default_factory=list, repr=False)  # new bot messages and edits, in order
    reply_keyboard: dict[str, Any] | None = None  # the reply keyboard the person currently sees
    chat_actions: list[str] = field(default_factory=list, repr=False)
    _next_message_id: int = 1
    _waiters: list[asyncio.Future] = field(default_factory=list, repr=False)
    _chat: dict[str, Any] | None = field(default=None, repr=False)

    def new_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def as_chat(self) -> dict[str, Any]:
        """The `Chat` object, as it appears in messages."""
        if self._chat is None:
            chat: dict[str, Any] = {"id": self.id, "type": self.type}
            if self.type == "private" and self.person is not None:
                chat.update(self.person.as_user())
                for key in ("is_bot", "language_code", "is_premium"):
                    chat.pop(key, None)
                chat["id"], chat["type"] = self.id, "private"
            else:
                chat["title"] = self.title or ""
                if self.username:
                    chat["username"] = self.username
                if self.is_forum:
                    chat["is_forum"] = True
            self._chat = chat
        return self._chat

    def forget_cached_chat(self) -> None:
        self._chat = None

    # -- what the bot showed here, and waiting for it (event-driven) ---------------------------------------------------
    def show(self, reply: Reply) -> None:
        self.shown.append(reply)
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def wait_shown(self, count: int, timeout: float) -> bool:
        """Waits until `shown` holds at least `count` items; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.shown) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            waiter = loop.create_future()
            self._waiters.append(waiter)
            await asyncio.wait((waiter,), timeout=remaining)
            if not waiter.done():
                self._waiters.remove(waiter)
        return True

    @property
    def visible_bot_messages(self) -> list[BotMessage]:
        return [message for message in self.bot_messages if not message.deleted]


class World:
    """Every account and chat; the rules of who the bot may write to."""

    def __init__(self) -> None:
        self.accounts: dict[int, Account] = {}
        self.chats: dict[int, Chat] = {}
        self.chats_by_username: dict[str, Chat] = {}
        self._user_ids = itertools.count(FIRST_USER_ID)
        self._group_ids = itertools.count(-FIRST_GROUP_ID)
        self._supergroup_ids = itertools.count(-FIRST_SUPERGROUP_ID)

    def add_person(self, first_name: str, **fields: Any) -> tuple[Account, Chat]:
        user_id = fields.pop("id", None)
        if user_id is not None and user_id in self.accounts:
            raise ValueError(f"there is already a Telegram user with id {user_id}")
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.accounts:
                user_id = next(self._user_ids)
        account = Account(id=user_id, first_name=first_name, **fields)
        self.accounts[user_id] = account
        chat = Chat(id=user_id, type="private", person=account)
        self.chats[user_id] = chat
        return account, chat

    def add_group(self, title: str, *, supergroup: bool, forum: bool = False, username: str | None = None) -> Chat:
        chat_id = -next(self._supergroup_ids) if supergroup else -next(self._group_ids)
        chat = Chat(id=chat_id, type="supergroup" if supergroup else "group", title=title, username=username,
                    is_forum=forum and supergroup)
        self.chats[chat_id] = chat
        if username:
            self.chats_by_username[username.lower()] = chat
        return chat

    def new_supergroup_id(self) -> int:
        return -next(self._supergroup_ids)

    def chat(self, ref: int | str) -> Chat:
        """A chat by id or @username, as the bot may know it; 400 "chat not found" otherwise."""
        chat = self.chats_by_username.get(ref[1:].lower()) if isinstance(ref, str) else self.chats.get(ref)
        if chat is None:
            raise errors.chat_not_found()
        return chat

    def writable_chat(self, ref: int | str) -> Chat:
        """The chat the bot wants to send to, or the 400/403 Telegram answers."""
        chat = self.chat(ref)
        if chat.type == "private":
            person = chat.person
            if person.deactivated:
                raise errors.user_deactivated()
            if person.blocked_bot:
                raise errors.bot_blocked()
            if not person.started_bot:
                raise errors.cant_initiate_conversation()
            return chat
        if chat.migrated_to is not None:
            raise errors.group_upgraded(chat.migrated_to)
        if chat.bot_status == "kicked":
            raise errors.bot_kicked(chat.type)
        if chat.bot_status == "left":
            raise errors.bot_not_member(chat.type)
        return chat

    def readable_chat(self, ref: int | str) -> Chat:
        """A chat the bot may ask about (getChat, getChatMember): known, and the bot still in it for groups."""
        chat = self.chat(ref)
        if chat.type != "private":
            if chat.migrated_to is not None:
                raise errors.group_upgraded(chat.migrated_to)
            if chat.bot_status in ("kicked", "left"):
                raise errors.bot_kicked(chat.type) if chat.bot_status == "kicked" else errors.bot_not_member(chat.type)
        return chat
