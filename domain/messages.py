"""Messages inside an atendimento (SPEC.md, "Messages and attachments inside an atendimento").

A message is written by the customer or by a staff user, on a ticket that is not final, and carries text and/or
attachments. The rules that decide whether a message may be recorded live here; what is kept of a file is an
`Attachment` (Telegram's ids to re-send it without re-uploading, and the SHA-256 of the bytes the store holds).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import (
    AttachmentTooBig,
    EmptyMessage,
    MessageRateExceeded,
    TooManyAttachments,
    UnsupportedContent,
)

# The Bot API lets a bot download files up to 20 MB (getFile); a larger file could never be kept.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_OPENING_ATTACHMENTS = 10
MAX_MESSAGES_PER_MINUTE = 20
MAX_MESSAGE_TEXT = 4000
# The pendência e-mail carries the opening attachments up to this size in all; beyond it, it lists them.
MAX_EMAIL_ATTACHMENT_BYTES = 10 * 1024 * 1024


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    DOCUMENT = "document"
    VOICE = "voice"


class MessageAuthor(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"


# What a customer may send that is not text nor an attachment kind above: refused with one sentence.
UNSUPPORTED_CONTENT = ("sticker", "location", "venue", "poll", "contact", "dice", "game", "animation", "video_note",
                       "audio")


@dataclass(frozen=True)
class Attachment:
    kind: AttachmentKind
    file_id: str
    file_unique_id: str
    size: int | None
    file_name: str | None = None
    mime_type: str | None = None
    sha256: str | None = None  # set once the bytes are in the file store
    id: int | None = None


@dataclass
class TicketMessage:
    ticket_id: int
    author: MessageAuthor
    created_at: datetime
    text: str | None
    attachments: list[Attachment] = field(default_factory=list)
    staff_id: int | None = None
    author_name: str | None = None  # for reading: the staff member's name
    id: int | None = None


def checked_attachment(attachment: Attachment) -> Attachment:
    if attachment.size is not None and attachment.size > MAX_ATTACHMENT_BYTES:
        raise AttachmentTooBig(size=attachment.size, limit=MAX_ATTACHMENT_BYTES)
    return attachment


def checked_content_kind(kind: str) -> AttachmentKind:
    """The attachment kind of a Telegram message part, or UnsupportedContent for stickers, polls and the like."""
    try:
        return AttachmentKind(kind)
    except ValueError:
        raise UnsupportedContent(kind=kind) from None


def checked_opening_attachments(already: int, adding: int) -> None:
    if already + adding > MAX_OPENING_ATTACHMENTS:
        raise TooManyAttachments(limit=MAX_OPENING_ATTACHMENTS, already=already)


def checked_message(text: str | None, attachments: Sequence[Attachment]) -> str | None:
    cleaned = (text or "").strip()
    if not cleaned and not attachments:
        raise EmptyMessage()
    if len(cleaned) > MAX_MESSAGE_TEXT:
        cleaned = cleaned[:MAX_MESSAGE_TEXT]
    for attachment in attachments:
        checked_attachment(attachment)
    return cleaned or None


def checked_rate(recent: Sequence[datetime], now: datetime) -> None:
    """At most MAX_MESSAGES_PER_MINUTE messages from one customer in any minute."""
    window_start = now - timedelta(minutes=1)
    if sum(1 for at in recent if at > window_start) >= MAX_MESSAGES_PER_MINUTE:
        raise MessageRateExceeded(limit=MAX_MESSAGES_PER_MINUTE)


def attachment_summary(attachments: Sequence[Attachment]) -> dict[AttachmentKind, int]:
    """How many of each kind, in a stable order ("📎 2 fotos, 1 documento")."""
    counts: dict[AttachmentKind, int] = {}
    for kind in AttachmentKind:
        n = sum(1 for a in attachments if a.kind is kind)
        if n:
            counts[kind] = n
    return counts
