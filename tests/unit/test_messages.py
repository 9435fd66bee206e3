"""The rules of messages inside an atendimento: what may be sent, how much, how often."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import (
    AttachmentTooBig,
    EmptyMessage,
    MessageRateExceeded,
    TooManyAttachments,
    UnsupportedContent,
)
from domain.messages import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    AttachmentKind,
    attachment_summary,
    checked_content_kind,
    checked_message,
    checked_opening_attachments,
    checked_rate,
)

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def photo(size: int | None = 1000, n: int = 1) -> Attachment:
    return Attachment(AttachmentKind.PHOTO, file_id=f"f{n}", file_unique_id=f"u{n}", size=size)


def test_a_file_of_exactly_20_mb_is_kept_and_one_byte_more_is_refused():
    assert checked_message(None, [photo(MAX_ATTACHMENT_BYTES)]) is None
    with pytest.raises(AttachmentTooBig):
        checked_message("olha a foto", [photo(MAX_ATTACHMENT_BYTES + 1)])


def test_an_empty_message_is_refused_but_a_file_alone_is_a_message():
    with pytest.raises(EmptyMessage):
        checked_message("   ", [])
    assert checked_message("  qual cômodo?  ", []) == "qual cômodo?"
    assert checked_message("", [photo()]) is None


@pytest.mark.parametrize("kind", ["sticker", "location", "poll", "contact", "dice", "venue"])
def test_stickers_locations_polls_contacts_and_dice_are_refused(kind):
    with pytest.raises(UnsupportedContent):
        checked_content_kind(kind)


@pytest.mark.parametrize("kind", ["photo", "video", "document", "voice"])
def test_photos_videos_documents_and_voice_notes_are_attachments(kind):
    assert checked_content_kind(kind) is AttachmentKind(kind)


def test_ten_attachments_at_opening_and_not_an_eleventh():
    checked_opening_attachments(already=9, adding=1)
    with pytest.raises(TooManyAttachments):
        checked_opening_attachments(already=10, adding=1)
    with pytest.raises(TooManyAttachments):
        checked_opening_attachments(already=5, adding=6)  # an album that would pass the limit is refused whole


def test_twenty_messages_a_minute_and_not_a_twenty_first():
    recent = [NOW - timedelta(seconds=s) for s in range(19)]
    checked_rate(recent, NOW)
    with pytest.raises(MessageRateExceeded):
        checked_rate([*recent, NOW - timedelta(seconds=30)], NOW)
    # A minute later the window has moved on.
    checked_rate([*recent, NOW - timedelta(seconds=30)], NOW + timedelta(minutes=1))


def test_the_summary_counts_each_kind_in_a_stable_order():
    doc = Attachment(AttachmentKind.DOCUMENT, "d", "ud", 10, "laudo.pdf", "application/pdf")
    assert attachment_summary([doc, photo(n=1), photo(n=2)]) == {AttachmentKind.PHOTO: 2, AttachmentKind.DOCUMENT: 1}
    assert attachment_summary([]) == {}
