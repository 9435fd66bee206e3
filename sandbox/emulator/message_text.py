"""What Telegram does to a text before it becomes a message: parse mode or explicit entities, clean-up, trimming,
then the limits (1–4096 UTF-16 code units for text, 0–1024 for captions), counted after parsing."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from sandbox.emulator import errors
from sandbox.emulator.entity_types import KNOWN_TYPES, sort_entities
from sandbox.emulator.html_parser import EntityParseError, parse_html
from sandbox.emulator.markdown_parser import parse_markdown, parse_markdown_v2
from sandbox.emulator.utf16 import utf16_len, utf16_offset_of

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


@dataclass(slots=True)
class FormattedText:
    text: str
    entities: list[dict[str, Any]]

    def same_as(self, other: "FormattedText") -> bool:
        return self.text == other.text and self.entities == other.entities


# td's clean_input_string: control characters become spaces, '\r' and a few invisible marks disappear.
_TO_SPACE = str.maketrans({code: " " for code in [*range(0, 10), 11, 12, *range(14, 32)]})
_NEEDS_SPACE = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f]")
_REMOVED = re.compile("[\r\u2028-\u202e\u0333\u033f\u030a]")
# td's is_empty_string: these alone make an empty message.
_EMPTY = re.compile(
    "[ \n\u00a0\u200b-\u200f\u202e\ufeff\u1680\u180e\u2000-\u200a\u202f\u205f\u2800\u3000\ufffc\U000e0000-\U000e007f]*"
)


def format_text(
    source: Any,
    parse_mode: str | None,
    explicit_entities: Any,
    *,
    caption: bool = False,
    strict_ampersand: bool = True,
) -> FormattedText:
    """Raises the ApiError Telegram would answer."""
    empty_error = errors.message_text_empty
    if source is None or source == "":
        if caption:
            return FormattedText("", [])
        raise empty_error()
    if not isinstance(source, str):
        source = str(source)
    text, entities = _parse(source, parse_mode, explicit_entities, strict_ampersand)
    text, entities = _clean(text, entities)
    if _EMPTY.fullmatch(text):
        if caption:
            return FormattedText("", [])
        raise empty_error()
    if utf16_len(text) > (CAPTION_LIMIT if caption else TEXT_LIMIT):
        raise errors.caption_too_long() if caption else errors.message_too_long()
    return FormattedText(text, entities)


def _parse(source: str, parse_mode: str | None, explicit: Any, strict_ampersand: bool):
    if explicit not in (None, "", []):
        return source, _checked_entities(explicit, utf16_len(source))
    mode = (parse_mode or "").strip().lower()
    try:
        if not mode:
            return source, []
        if mode == "html":
            return parse_html(source, strict_ampersand=strict_ampersand)
        if mode == "markdownv2":
            return parse_markdown_v2(source)
        if mode == "markdown":
            return parse_markdown(source)
    except EntityParseError as exc:
        raise errors.cant_parse_entities(exc.detail) from None
    raise errors.unsupported_parse_mode()


def _checked_entities(explicit: Any, text_units: int) -> list[dict[str, Any]]:
    if not isinstance(explicit, list):
        raise errors.bad_request("can't parse entities JSON object")
    entities = []
    for item in explicit:
        if not isinstance(item, dict) or not all(isinstance(item.get(key), int) for key in ("offset", "length")):
            raise errors.bad_request("can't parse MessageEntity: field \"offset\" must be of type Number")
        if item.get("type") not in KNOWN_TYPES:
            raise errors.bad_request("can't parse MessageEntity: unsupported entity type")
        offset, length = item["offset"], item["length"]
        if offset < 0 or length <= 0 or offset >= text_units:
            continue  # Telegram drops entities outside the text
        clean = {k: v for k, v in item.items() if v is not None}
        clean["length"] = min(length, text_units - offset)
        entities.append(clean)
    return sort_entities(entities)


def _clean(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    if _NEEDS_SPACE.search(text):
        text = text.translate(_TO_SPACE)
    if _REMOVED.search(text):
        removed_at = [utf16_offset_of(text, m.start()) for m in _REMOVED.finditer(text)]
        text = _REMOVED.sub("", text)
        entities = _shift(entities, lambda pos: pos - bisect.bisect_left(removed_at, pos))
    stripped = text.strip(" \n")
    if stripped != text:
        lead = len(text) - len(text.lstrip(" \n"))  # spaces and newlines are one UTF-16 unit each
        size = utf16_len(stripped)
        text = stripped
        entities = _shift(entities, lambda pos: min(max(pos - lead, 0), size))
    return text, entities


def _shift(entities: list[dict[str, Any]], new_position) -> list[dict[str, Any]]:
    moved = []
    for item in entities:
        start = new_position(item["offset"])
        end = new_position(item["offset"] + item["length"])
        if end > start:
            moved.append({**item, "offset": start, "length": end - start})
    return sort_entities(moved)


def as_typed(text: str) -> list[str]:
    """What Telegram makes of text a person types: cleaned and trimmed like any message, and split into parts of at
    most 4096 UTF-16 code units (the apps send a long text as several messages). Empty when nothing is left."""
    text, _ = _clean(text, [])
    if _EMPTY.fullmatch(text):
        return []
    parts: list[str] = []
    while utf16_len(text) > TEXT_LIMIT:
        cut = TEXT_LIMIT
        while utf16_len(text[:cut]) > TEXT_LIMIT:
            cut -= 1
        head, text = text[:cut].rstrip(" \n"), text[cut:].lstrip(" \n")
        if head:
            parts.append(head)
    if text and not _EMPTY.fullmatch(text):
        parts.append(text)
    return parts
