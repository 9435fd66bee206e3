"""What a piece of free text written by a person must look like before it is stored."""
from __future__ import annotations

import re
import unicodedata

from domain.errors import InvalidText

# Control characters other than newline and tab carry no meaning in a description and break renderers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n{3,}")

DESCRIPTION_MIN_WORDS = 2
DESCRIPTION_MIN_CHARS = 10
# The summary shown before "Enviar" must fit one Telegram message (4096 characters) with its headings.
DESCRIPTION_MAX_CHARS = 3000
NOTE_MAX_CHARS = 2000
REASON_MAX_CHARS = 500
STAGE_DESCRIPTION_MAX_CHARS = 200


def clean_text(raw: str | None) -> str:
    """Normalise to NFC, drop control characters, trim every line and collapse runs of blank lines."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFC", str(raw)).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _meaningful_chars(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum())


def _words(text: str) -> int:
    return sum(1 for w in text.split() if any(ch.isalnum() for ch in w))


def checked_text(raw: str | None, *, field: str, max_chars: int, min_chars: int = 1, min_words: int = 1) -> str:
    text = clean_text(raw)
    if not text or _meaningful_chars(text) == 0:
        raise InvalidText(field=field, problem="empty")
    if len(text) > max_chars:
        raise InvalidText(field=field, problem="too_long", max_chars=max_chars, length=len(text))
    if _meaningful_chars(text) < min_chars or _words(text) < min_words:
        raise InvalidText(field=field, problem="too_short", min_chars=min_chars, min_words=min_words)
    return text


def checked_description(raw: str | None) -> str:
    return checked_text(raw, field="descricao", max_chars=DESCRIPTION_MAX_CHARS,
                        min_chars=DESCRIPTION_MIN_CHARS, min_words=DESCRIPTION_MIN_WORDS)


def checked_note(raw: str | None) -> str:
    return checked_text(raw, field="observacao", max_chars=NOTE_MAX_CHARS)


def checked_reason(raw: str | None) -> str:
    return checked_text(raw, field="motivo", max_chars=REASON_MAX_CHARS, min_chars=3)


def checked_stage_description(raw: str | None) -> str:
    return checked_text(raw, field="etapa", max_chars=STAGE_DESCRIPTION_MAX_CHARS, min_chars=3)
