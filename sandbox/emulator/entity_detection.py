"""The entities Telegram finds by itself in what people type: /commands, @mentions, #hashtags, links, e-mails."""
from __future__ import annotations

import re
from typing import Any

from sandbox.emulator.entity_types import entity
from sandbox.emulator.utf16 import utf16_offset_of

_FINDERS = (
    ("bot_command", re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?!\w)")),
    ("url", re.compile(r"(?<!\w)(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]']")),
    ("mention", re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<!\w)#\w*[^\W\d_]\w*")),
)
_TRIGGERS = re.compile(r"[/@#]|www\.|://")


def detect_entities(text: str) -> list[dict[str, Any]]:
    if not _TRIGGERS.search(text):
        return []
    spans: list[tuple[int, int, str]] = []
    for kind, finder in _FINDERS:
        for match in finder.finditer(text):
            start, end = match.span()
            if all(end <= s or start >= e for s, e, _ in spans):
                spans.append((start, end, kind))
    spans.sort()
    return [
        entity(kind, utf16_offset_of(text, start), utf16_offset_of(text, end) - utf16_offset_of(text, start))
        for start, end, kind in spans
    ]
