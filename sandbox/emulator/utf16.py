"""Telegram counts text in UTF-16 code units: lengths, limits and entity offsets."""
from __future__ import annotations


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) >> 1


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of `text` an entity (offset, length in UTF-16 units) covers."""
    if text.isascii():
        return text[offset : offset + length]
    units = text.encode("utf-16-le")
    return units[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="replace")


def utf16_offset_of(text: str, index: int) -> int:
    """The UTF-16 offset of the Python string index `index`."""
    if text.isascii():
        return index
    return utf16_len(text[:index])
