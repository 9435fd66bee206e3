"""Things that happen in the simulated Telegram and the updates they give the bot: people's messages (with the
entities Telegram adds), button presses, edits, membership changes, blocking, group→supergroup migration, topics.

Group messages reach the bot as Telegram's privacy mode decides: everything when the bot is an administrator or privacy
mode is off; otherwise commands (not addressed to another bot), replies to the bot, mentions and service messages."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.emulator.callback_queries import CallbackQuery, new_query_id
from sandbox.emulator.entity_detection import detect_entities
from sandbox.emulator.payloads import chat_member, new_message, quoted
from sandbox.emulator.sent_messages import BotMessage
from sandbox.emulator.world import Account, Chat, Topic

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram

_PRESENT = ("creator", "administrator", "member", "restricted")
_SERVICE = frozenset(
    ["new_chat_members", "left_chat_member", "migrate_to_chat_id", "migrate_from_chat_id", "forum_topic_created",
     "group_chat_created", "supergroup_chat_created", "pinned_message", "new_chat_title"]
)


class SimulationError(AssertionError):
    """The test asked the simulated world for something impossible (pressing a button that is not there…)."""


class WorldEvents:
    def __init__(self, tg: FakeTelegram):
        self.tg = tg

    # -- messages ------------------------------------------------------------------------------------------------------
    def message(
        self,
        chat: Chat,
        sender: Account,
        *,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | BotMessage | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """`sender` posts a message in `chat`; returns the Message object (the bot gets it if it may see it)."""
        self._check_can_post(chat, sender)
        if "text" in content and "entities" not in content:
            entities = detect_entities(content["text"])
            if entities:
                content["entities"] = entities
        replied = self._replied(chat, reply_to)
        if replied is not None:
            content["reply_to_message"] = quoted(replied)
            if thread_id is None and replied.get("is_topic_message"):
                thread_id = replied.get("message_thread_id")
        message = new_message(chat, sender, self.tg.now(), thread_id, **content)
        if chat.type == "private":
            sender.started_bot = True
            if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
                chat.reply_keyboard = None
            self.tg.bot.updates.push("message", message)
        elif self._bot_sees(chat, message, replied):
            self.tg.bot.updates.push("message", message)
        return message

    def edit(self, chat: Chat, sender: Account, message: dict[str, Any], text: str) -> dict[str, Any]:
        self._check_can_post(chat, sender)
        edited = dict(message, text=text, edit_date=self.tg.now())
        edited.pop("entities", None)
        entities = detect_entities(text)
        if entities:
            edited["entities"] = entities
        chat.messages[message["message_id"]] = edited
        if chat.type == "private" or self._bot_sees(chat, edited, None):
            self.tg.bot.updates.push("edited_message", edited)
        return edited

    def _check_can_post(self, chat: Chat, sender: Account) -> None:
        if sender.deactivated:
            raise SimulationError(f"{sender.full_name}'s account is deactivated")
        if chat.type == "private":
            if sender.blocked_bot:
                raise SimulationError(f"{sender.full_name} blocked the bot; unblock it before writing to it")
            return
        if chat.migrated_to is not None:
            raise SimulationError(f"{chat.title!r} became the supergroup {chat.migrated_to}; write there")
        if chat.members.get(sender.id) not in _PRESENT:
            raise SimulationError(f"{sender.full_name} is not a member of {chat.title!r}")

    def _replied(self, chat: Chat, reply_to: dict[str, Any] | BotMessage | None) -> dict[str, Any] | None:
        if reply_to is None:
            return None
        message_id = reply_to.message_id if isinstance(reply_to, BotMessage) else reply_to["message_id"]
        replied = chat.messages.get(message_id)
        if replied is None:
            raise SimulationError(f"message {message_id} is not in chat {chat.id} (deleted?)")
        return replied

    def _bot_sees(self, chat: Chat, message: dict[str, Any], replied: dict[str, Any] | None) -> bool:
        bot = self.tg.bot
        if chat.bot_status not in ("member", "administrator"):
            return False
        if chat.bot_status == "administrator" or bot.can_read_all_group_messages:
            return True
        if _SERVICE.intersection(message):
            return True
        if replied is not None and replied.get("from", {}).get("id") == bot.id:
            return True
        text = message.get("text") or message.get("caption") or ""
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            _, at, target = command.partition("@")
            return not at or target.lower() == bot.username.lower()
        return f"@{bot.username}".lower() in text.lower()

    # -- buttons -------------------------------------------------------------------------------------------------------
    def press(self, presser: Account, sent: BotMessage, label_or_data: str) -> CallbackQuery:
        chat = self.tg.world.chats[sent.chat_id]
        self._check_can_post(chat, presser)
        if sent.deleted:
            raise SimulationError(f"message #{sent.message_id} was deleted; its buttons are gone")
        button = sent.button(label_or_data)
        if button is None:
            raise SimulationError(
                f"message #{sent.message_id} has no button {label_or_data!r}; it shows {sent.buttons} "
                f"({sent.text[:80]!r})"
            )
        if "callback_data" not in button:
            raise SimulationError(f"button {button['text']!r} opens {button} and sends nothing to the bot")
        query = CallbackQuery(id=new_query_id(), user_id=presser.id, chat_id=chat.id, message_id=sent.message_id,
                              data=button["callback_data"], button_text=button["text"])
        self.tg.callback_queries[query.id] = query
        self.tg.bot.updates.push("callback_query", {
            "id": query.id, "from": presser.as_user(), "message": sent.payload,
            "chat_instance": str(abs(chat.id) * 7919 % 10**19), "data": query.data,
        })
        return query

    # -- membership ----------------------------------------------------------------------------------------------------
    def bot_status_changed(self, chat: Chat, status: str, by: Account | None) -> None:
        """The bot is added to / promoted in / removed from a group (my_chat_member, plus the service message)."""
        bot = self.tg.bot
        old = chat.bot_status
        chat.bot_status = status
        actor = by or bot.account
        bot.updates.push("my_chat_member", {
            "chat": chat.as_chat(), "from": actor.as_user(), "date": self.tg.now(),
            "old_chat_member": chat_member(bot.account, old), "new_chat_member": chat_member(bot.account, status),
        })
        if old in ("left", "kicked") and status in ("member", "administrator") and by is not None:
            self.message(chat, by, new_chat_members=[bot.account.as_user()])

    def block_changed(self, person: Account, blocked: bool) -> None:
        """A person blocks or unblocks the bot in their private chat (my_chat_member)."""
        bot = self.tg.bot
        person.blocked_bot = blocked
        chat = self.tg.world.chats[person.id]
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        bot.updates.push("my_chat_member", {
            "chat": chat.as_chat(), "from": person.as_user(), "date": self.tg.now(),
            "old_chat_member": chat_member(bot.account, old), "new_chat_member": chat_member(bot.account, new),
        })

    def member_status_changed(self, chat: Chat, account: Account, status: str, by: Account | None = None) -> None:
        """Someone joins, leaves, is promoted or removed (chat_member; service messages for joins and leaves)."""
        old = chat.members.get(account.id, "left")
        joined = old not in _PRESENT and status in _PRESENT
        if joined:
            chat.members[account.id] = status
            self.message(chat, by or account, new_chat_members=[account.as_user()])
        if chat.bot_status == "administrator":
            self.tg.bot.updates.push("chat_member", {
                "chat": chat.as_chat(), "from": (by or account).as_user(), "date": self.tg.now(),
                "old_chat_member": chat_member(account, old), "new_chat_member": chat_member(account, status),
            })
        if old in _PRESENT and status not in _PRESENT:
            self.message(chat, by or account, left_chat_member=account.as_user())
        chat.members[account.id] = status

    def migrate(self, chat: Chat, by: Account) -> Chat:
        """A group becomes a supergroup: a message with migrate_to_chat_id in the old chat, one with
        migrate_from_chat_id in the new; afterwards the old id answers 400 with migrate_to_chat_id."""
        if chat.type != "group":
            raise SimulationError(f"{chat.title!r} is already a {chat.type}")
        world = self.tg.world
        new_id = world.new_supergroup_id()
        supergroup = Chat(id=new_id, type="supergroup", title=chat.title, members=dict(chat.members),
                          bot_status=chat.bot_status, migrated_from=chat.id)
        world.chats[new_id] = supergroup
        self.message(chat, by, migrate_to_chat_id=new_id)
        chat.migrated_to = new_id
        if supergroup.bot_status in ("member", "administrator"):
            message = new_message(supergroup, by, self.tg.now(), migrate_from_chat_id=chat.id)
            self.tg.bot.updates.push("message", message)
        return supergroup

    def topic_created(self, chat: Chat, name: str, by: Account, icon_color: int = 7322096) -> Topic:
        content = {"forum_topic_created": {"name": name, "icon_color": icon_color}}
        if by.id == self.tg.bot.id:
            message = new_message(chat, by, self.tg.now(), **content)
        else:
            self._check_can_post(chat, by)
            message = new_message(chat, by, self.tg.now(), **content)
        thread_id = message["message_id"]
        message.update(message_thread_id=thread_id, is_topic_message=True)
        topic = chat.topics[thread_id] = Topic(thread_id, name, icon_color)
        if by.id != self.tg.bot.id and self._bot_sees(chat, message, None):
            self.tg.bot.updates.push("message", message)
        return topic
