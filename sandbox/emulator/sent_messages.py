"""What the bot showed people: each message it sent, with its versions (edits) and deletion, and the `Reply` a person
sees arrive (a new message or an edit)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.emulator.keyboards import inline_buttons, reply_buttons


@dataclass(slots=True)
class MessageVersion:
    """One state of a bot message: as sent, or after an edit."""

    text: str  # plain text, as people read it (after the parse mode); the caption for media
    entities: list[dict[str, Any]]
    raw: str | None  # the text as the bot sent it, before parsing
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    date: int  # when sent, or the edit date


@dataclass(eq=False)
class BotMessage:
    """A message the bot sent to a chat, as recorded by the fake server."""

    chat_id: int
    message_id: int
    date: int
    kind: str  # "text", "photo", "document", "sticker", …
    versions: list[MessageVersion]
    thread_id: int | None = None
    reply_to_message_id: int | None = None
    disable_notification: bool = False
    protect_content: bool = False
    link_preview_options: dict[str, Any] | None = None
    deleted: bool = False
    payload: dict[str, Any] = field(default_factory=dict, repr=False)  # the Message object as the bot got it

    # -- the current state ------------------------------------------------------------------------------------------
    @property
    def current(self) -> MessageVersion:
        return self.versions[-1]

    @property
    def text(self) -> str:
        return self.versions[-1].text

    @property
    def raw(self) -> str | None:
        return self.versions[-1].raw

    @property
    def parse_mode(self) -> str | None:
        return self.versions[-1].parse_mode

    @property
    def entities(self) -> list[dict[str, Any]]:
        return self.versions[-1].entities

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.versions[-1].reply_markup

    @property
    def buttons(self) -> list[str]:
        """The labels of the inline buttons, row by row."""
        return [button["text"] for button in inline_buttons(self.reply_markup)]

    @property
    def inline_keyboard(self) -> list[list[str]]:
        markup = self.reply_markup
        if not markup or "inline_keyboard" not in markup:
            return []
        return [[button["text"] for button in row] for row in markup["inline_keyboard"]]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in inline_buttons(self.reply_markup) if "callback_data" in b]

    @property
    def keyboard(self) -> list[str]:
        """The labels of the reply keyboard this message showed."""
        return [button["text"] for button in reply_buttons(self.reply_markup)]

    @property
    def edited(self) -> bool:
        return len(self.versions) > 1

    @property
    def history(self) -> list[str]:
        """Every text this message had, oldest first."""
        return [version.text for version in self.versions]

    def button(self, label_or_data: str) -> dict[str, Any] | None:
        for button in inline_buttons(self.reply_markup):
            if button["text"] == label_or_data or button.get("callback_data") == label_or_data:
                return button
        return None

    def __repr__(self) -> str:
        state = " deleted" if self.deleted else " edited" if self.edited else ""
        return f"<BotMessage #{self.message_id} in {self.chat_id}{state}: {self.text[:60]!r} {self.buttons or ''}>"


@dataclass(frozen=True, slots=True)
class Reply:
    """What a person saw arrive: a new bot message or an edit of one (`version` is the state at that moment)."""

    message: BotMessage
    version: MessageVersion
    is_edit: bool

    @property
    def text(self) -> str:
        return self.version.text

    @property
    def raw(self) -> str | None:
        return self.version.raw

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.version.reply_markup

    @property
    def buttons(self) -> list[str]:
        return [button["text"] for button in inline_buttons(self.version.reply_markup)]

    @property
    def keyboard(self) -> list[str]:
        return [button["text"] for button in reply_buttons(self.version.reply_markup)]

    @property
    def message_id(self) -> int:
        return self.message.message_id

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        what = "edit of" if self.is_edit else "message"
        return f"<Reply {what} #{self.message.message_id}: {self.text[:60]!r} {self.buttons or self.keyboard or ''}>"
