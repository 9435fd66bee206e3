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


def fmt_date(value: datetime | None, zone: ZoneInfo, empty: str = "—") -> str:
    if value is None:
        return empty
    return value.astimezone(zone).strftime("%d/%m/%Y")


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
