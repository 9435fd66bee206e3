"""Message entities as the Bot API returns them, built from the parsers' findings and put in Telegram's order."""
from __future__ import annotations

from typing import Any

# td's priorities: when two entities start at the same offset, the longer one first, then by type.
_PRIORITY = {
    "mention": 50, "hashtag": 50, "bot_command": 50, "url": 50, "email": 50, "cashtag": 50, "phone_number": 50,
    "bold": 90, "italic": 91, "underline": 92, "strikethrough": 93, "spoiler": 94, "custom_emoji": 99,
    "code": 20, "pre": 11, "text_link": 49, "text_mention": 49, "blockquote": 0, "expandable_blockquote": 0,
}
KNOWN_TYPES = frozenset(_PRIORITY) | {"date_time"}


def entity(kind: str, offset: int, length: int, **extra: Any) -> dict[str, Any]:
    value = {"type": kind, "offset": offset, "length": length}
    for key, item in extra.items():
        if item not in (None, ""):
            value[key] = item
    return value


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entities.sort(key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))
    return entities
