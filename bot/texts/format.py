"""Formatting shared by every text: dates in the configured time zone, HTML escaping, splitting long messages."""
from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

TELEGRAM_MAX_CHARS = 4096


def esc(value: object) -> str:
    """Escapes user and catalogue text for parse_mode=HTML (Telegram accepts &lt; &gt; &amp; &quot;)."""
    return html.escape("" if value is None else str(value), quote=True)


def fmt_datetime(value: datetime | None, zone: ZoneInfo, empty: str = "—") -> str:
    """dd/mm/aaaa HH:MM in the installation's time zone."""
    if value is None:
        return empty
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters of plain text, cut at a word when possible, with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


_TAG = None


def visible_length(html_text: str) -> int:
    """What Telegram counts against its 4096 limit: the text after parsing, in UTF-16 code units."""
    import re

    global _TAG
    if _TAG is None:
        _TAG = re.compile(r"<[^>]*>")
    plain = html.unescape(_TAG.sub("", html_text))
    return len(plain.encode("utf-16-le")) // 2


def _split_plain_line(line: str, limit: int) -> list[str]:
    """A single line too long for one message: drop its tags and cut it at spaces (never inside an entity)."""
    import re

    plain = html.unescape(re.sub(r"<[^>]*>", "", line))
    pieces: list[str] = []
    current = ""
    for word in re.split(r"(\s+)", plain):
        while word:
            room = limit - visible_length(esc(current))
            if visible_length(esc(word)) <= room:
                current += word
                word = ""
            elif current:
                pieces.append(esc(current))
                current = ""
            else:  # one word longer than a message
                cut = max(1, room // 2)
                pieces.append(esc(word[:cut]))
                word = word[cut:]
    if current:
        pieces.append(esc(current))
    return pieces


def split_message(html_text: str, limit: int = TELEGRAM_MAX_CHARS) -> list[str]:
    """Splits at line boundaries so every part fits one message.

    Our texts open and close their tags on the same line, so a cut between lines never falls inside a tag.
    """
    if visible_length(html_text) <= limit:
        return [html_text]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in html_text.split("\n"):
        length = visible_length(line)
        if length > limit:
            if current:
                parts.append("\n".join(current))
                current, size = [], 0
            parts.extend(_split_plain_line(line, limit))
            continue
        extra = length + (1 if current else 0)
        if size + extra > limit:
            parts.append("\n".join(current))
            current, size = [line], length
        else:
            current.append(line)
            size += extra
    if current:
        parts.append("\n".join(current))
    return [p for p in parts if p.strip()]
