"""Telegram's MarkdownV2 and legacy Markdown parse modes (ports of td's parsers), with Telegram's error descriptions.

MarkdownV2 is strict: every reserved character outside an entity must be escaped with a preceding '\\'.
"""
from __future__ import annotations

from typing import Any

from sandbox.emulator.entity_types import entity, sort_entities
from sandbox.emulator.html_parser import EntityParseError, checked_link

_RESERVED = frozenset(b"_*[]()~`>#+-=|{}.!\n")
_CODE_RESERVED = frozenset(b"`")
_SPACES = frozenset(b" \t\r\n\x0b\x00")
_API_TYPE = {
    "Bold": "bold", "Italic": "italic", "Underline": "underline", "Strikethrough": "strikethrough",
    "Spoiler": "spoiler", "Code": "code", "Pre": "pre", "PreCode": "pre", "TextUrl": "text_link",
    "CustomEmoji": "custom_emoji", "BlockQuote": "blockquote",
}
B = {ch: ord(ch) for ch in "_*~|[]`!>\n\r()\\"}


def _reserved(char: int) -> EntityParseError:
    return EntityParseError(f"Character '{chr(char)}' is reserved and must be escaped with the preceding '\\'")


def _units(byte: int) -> int:
    """UTF-16 units contributed by a UTF-8 byte (counted on the first byte of each character)."""
    if (byte & 0xC0) == 0x80:
        return 0
    return 2 if byte >= 0xF0 else 1


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    text = source.encode("utf-8")
    n = len(text)

    def at(k: int) -> int:
        return text[k] if k < n else 0

    out = bytearray()
    units = 0
    found: list[dict[str, Any]] = []
    stack: list[list[Any]] = []  # [td type, argument, utf16 offset, byte offset in source, byte offset in out]
    have_blockquote = False
    i = 0
    while i < n:
        c = text[i]
        if c == B["\\"] and 0 < at(i + 1) <= 126:
            i += 1
            units += 1
            out.append(text[i])
            i += 1
            continue
        reserved = _CODE_RESERVED if stack and stack[-1][0] in ("Code", "Pre", "PreCode") else _RESERVED
        if c not in reserved:
            units += _units(c)
            out.append(c)
            i += 1
            continue

        is_end = False
        if stack:
            top = stack[-1][0]
            if have_blockquote and c == B["\n"] and (i + 1 == n or text[i + 1] != B[">"]):
                is_end = True
            elif top == "Bold":
                is_end = c == B["*"]
            elif top == "Italic":
                is_end = c == B["_"] and at(i + 1) != B["_"]
            elif top == "Code":
                is_end = c == B["`"]
            elif top in ("Pre", "PreCode"):
                is_end = c == B["`"] and at(i + 1) == B["`"] and at(i + 2) == B["`"]
            elif top in ("TextUrl", "CustomEmoji"):
                is_end = c == B["]"]
            elif top == "Underline":
                is_end = c == B["_"] and at(i + 1) == B["_"]
            elif top == "Strikethrough":
                is_end = c == B["~"]
            elif top == "Spoiler":
                is_end = c == B["|"] and at(i + 1) == B["|"]

        if not is_end:
            kind: str | None
            argument = ""
            byte_offset = i
            if c == B["_"]:
                if at(i + 1) == B["_"]:
                    kind = "Underline"
                    i += 1
                else:
                    kind = "Italic"
            elif c == ord("*"):
                kind = "Bold"
            elif c == B["~"]:
                kind = "Strikethrough"
            elif c == B["|"]:
                if at(i + 1) != B["|"]:
                    raise _reserved(c)
                i += 1
                kind = "Spoiler"
            elif c == B["["]:
                kind = "TextUrl"
            elif c == B["`"]:
                if at(i + 1) == B["`"] and at(i + 2) == B["`"]:
                    i += 3
                    kind = "Pre"
                    language_end = i
                    while at(language_end) not in _SPACES and at(language_end) != B["`"]:
                        language_end += 1
                    if i != language_end and language_end < n and text[language_end] != B["`"]:
                        kind = "PreCode"
                        argument = text[i:language_end].decode("utf-8", errors="replace")
                        i = language_end
                    if at(i) in (B["\n"], B["\r"]):
                        if at(i + 1) in (B["\n"], B["\r"]) and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "Code"
            elif c == B["!"]:
                if at(i + 1) != B["["]:
                    raise _reserved(c)
                i += 1
                kind = "CustomEmoji"
            elif c == B["\n"]:
                units += 1
                out.append(c)
                kind = None
                if i + 1 < n and text[i + 1] == B[">"]:
                    i += 1
                    if not have_blockquote:
                        kind = "BlockQuote"
                        have_blockquote = True
            elif c == B[">"]:
                if i != 0:
                    raise _reserved(c)
                kind = "BlockQuote"
                have_blockquote = True
            else:
                raise _reserved(c)
            if kind is not None:
                stack.append([kind, argument, units, byte_offset, len(out)])
            i += 1
            continue

        kind, argument, start, byte_offset, out_begin = stack[-1]
        if c == B["\n"] and kind != "BlockQuote":
            raise EntityParseError(f"Can't find end of {kind} entity at byte offset {byte_offset}")
        skip = units == start
        if kind in ("Underline", "Spoiler"):
            i += 1
        elif kind in ("Pre", "PreCode"):
            i += 2
        elif kind in ("TextUrl", "CustomEmoji"):
            if at(i + 1) != B["("]:
                if kind == "CustomEmoji":
                    raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                url = out[out_begin:].decode("utf-8", errors="replace")
            else:
                i += 2
                url_begin = i
                url_bytes = bytearray()
                while i < n and text[i] != B[")"]:
                    if text[i] == B["\\"] and 0 < at(i + 1) <= 126:
                        url_bytes.append(text[i + 1])
                        i += 2
                        continue
                    url_bytes.append(text[i])
                    i += 1
                if at(i) != B[")"]:
                    what = "a custom emoji URL" if kind == "CustomEmoji" else "a URL"
                    raise EntityParseError(f"Can't find end of {what} at byte offset {url_begin}")
                url = url_bytes.decode("utf-8", errors="replace")
            if kind == "CustomEmoji":
                emoji_id = url.partition("id=")[2]
                if not url.startswith("tg://emoji?") or not emoji_id.isdigit():
                    raise EntityParseError("Custom emoji URL must have an emoji identifier")
                argument = emoji_id
            else:
                argument = checked_link(url)
                skip = skip or not argument
        elif kind == "BlockQuote":
            have_blockquote = False
            out.append(c)
            units += 1
        if not skip:
            found.append(_api_entity(kind, start, units - start, argument))
        stack.pop()
        i += 1

    if have_blockquote and stack and stack[-1][0] == "BlockQuote":
        start = stack[-1][2]
        if units != start:
            found.append(_api_entity("BlockQuote", start, units - start, ""))
        stack.pop()
    if stack:
        raise EntityParseError(f"Can't find end of {stack[-1][0]} entity at byte offset {stack[-1][3]}")
    return out.decode("utf-8"), sort_entities(found)


def _api_entity(kind: str, offset: int, length: int, argument: str) -> dict[str, Any]:
    api = _API_TYPE[kind]
    if kind == "PreCode":
        return entity(api, offset, length, language=argument)
    if kind == "TextUrl":
        return entity(api, offset, length, url=argument)
    if kind == "CustomEmoji":
        return entity(api, offset, length, custom_emoji_id=argument)
    return entity(api, offset, length)


def parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    """The legacy Markdown mode: _italic_, *bold*, `code`, ```pre```, [text](url); no nesting."""
    text = source.encode("utf-8")
    n = len(text)

    def at(k: int) -> int:
        return text[k] if k < n else 0

    out = bytearray()
    units = 0
    found: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = text[i]
        if c == B["\\"] and at(i + 1) in (B["_"], ord("*"), B["`"], B["["]):
            i += 1
            out.append(text[i])
            units += 1
            i += 1
            continue
        if c not in (B["_"], ord("*"), B["`"], B["["]):
            units += _units(c)
            out.append(c)
            i += 1
            continue
        begin = i
        end_char = B["]"] if c == B["["] else c
        is_pre = False
        language = ""
        i += 1
        if c == B["`"] and at(i) == B["`"] and at(i + 1) == B["`"]:
            i += 2
            is_pre = True
            language_end = i
            while at(language_end) not in _SPACES and at(language_end) != B["`"]:
                language_end += 1
            if i != language_end and language_end < n and text[language_end] != B["`"]:
                language = text[i:language_end].decode("utf-8", errors="replace")
                i = language_end
            if at(i) in (B["\n"], B["\r"]):
                i += 2 if at(i + 1) in (B["\n"], B["\r"]) and at(i) != at(i + 1) else 1
        start = units
        inner_begin = len(out)
        while i < n and (text[i] != end_char or (is_pre and not (at(i + 1) == B["`"] and at(i + 2) == B["`"]))):
            units += _units(text[i])
            out.append(text[i])
            i += 1
        if i == n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if units != start:
            length = units - start
            if c == B["_"]:
                found.append(entity("italic", start, length))
            elif c == ord("*"):
                found.append(entity("bold", start, length))
            elif c == B["["]:
                if at(i + 1) != B["("]:
                    url = out[inner_begin:].decode("utf-8", errors="replace")
                else:
                    i += 2
                    url_bytes = bytearray()
                    while i < n and text[i] != B[")"]:
                        url_bytes.append(text[i])
                        i += 1
                    url = url_bytes.decode("utf-8", errors="replace")
                url = checked_link(url)
                if url:
                    found.append(entity("text_link", start, length, url=url))
            elif is_pre:
                found.append(entity("pre", start, length, language=language))
            else:
                found.append(entity("code", start, length))
        if is_pre:
            i += 2
        i += 1
    return out.decode("utf-8"), sort_entities(found)
