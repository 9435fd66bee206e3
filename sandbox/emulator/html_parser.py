"""Telegram's HTML parse mode, as strict as Telegram (td's `parse_html`), with its error descriptions.

Errors name UTF-8 byte offsets into the text as sent, like Telegram ("Unsupported start tag "foo" at byte offset 12").
One deliberate difference: Telegram keeps a bare `&` (or `&nbsp;`) literally; with `strict_ampersand` (the default of
the fake) it is refused, because the Bot API documentation requires escaping every `&` and a bot that relies on the
leniency breaks on text such as "&lt" written by a customer.
"""
from __future__ import annotations

import re
from typing import Any

from sandbox.emulator.entity_types import entity, sort_entities
from sandbox.emulator.utf16 import utf16_len


class EntityParseError(Exception):
    """The text cannot be parsed; `detail` follows "can't parse entities: "."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


_SPECIAL = re.compile(rb"[<&]")
_SPACES = frozenset(b" \t\r\n\x0b\x00")  # td's is_space(); the end of the text counts as a space
_GT, _SLASH, _EQ, _AMP = ord(">"), ord("/"), ord("="), ord("&")
_QUOTES = frozenset(b"'\"")
_NAME_TOKEN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_TAGS = frozenset(
    ["a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji", "span", "pre",
     "code", "blockquote"]
)
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
}
_NAMED = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_SURROGATES = (
    "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units"
)


def _decode_entity(data: bytes, pos: int) -> tuple[int, int]:
    """(code point, end) of the character reference at `pos` ('&'), or (0, pos) when there is none (td semantics)."""
    n = len(data)
    end = pos + 1
    code = 0
    if end < n and data[end] == 0x23:  # '#'
        end += 1
        if end < n and data[end] == 0x78:  # 'x'
            end += 1
            while end < n and chr(data[end]) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while end < n and 0x30 <= data[end] <= 0x39:
                code = code * 10 + data[end] - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while end < n and (0x41 <= data[end] <= 0x5A or 0x61 <= data[end] <= 0x7A):
            end += 1
        char = _NAMED.get(data[pos + 1 : end])
        if char is None:
            return 0, pos
        code = ord(char)
    if end < n and data[end] == 0x3B:  # ';'
        end += 1
    return code, end


def parse_html(source: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    data = source.encode("utf-8")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out: list[str] = []
    units = 0
    found: list[dict[str, Any]] = []
    stack: list[list[Any]] = []  # [tag, argument, utf16 offset, index into `out`]
    i = 0
    while i < n:
        match = _SPECIAL.search(data, i)
        stop = match.start() if match else n
        if stop > i:
            chunk = data[i:stop].decode("utf-8")
            out.append(chunk)
            units += utf16_len(chunk)
        if match is None:
            break
        if data[stop] == _AMP:
            code, end = _decode_entity(data, stop)
            if code:
                if 0xD800 <= code <= 0xDFFF:
                    raise EntityParseError(_SURROGATES)
                out.append(chr(code))
                units += 2 if code > 0xFFFF else 1
                i = end
                continue
            if strict_ampersand:
                name = re.match(rb"&#?[0-9A-Za-z]*;?", data[stop : stop + 12]).group(0).decode()
                if name.endswith(";") and len(name) > 2:
                    raise EntityParseError(f'Unsupported HTML entity "{name}" at byte offset {stop}')
                raise EntityParseError(f'Character "&" must be escaped as "&amp;" at byte offset {stop}')
            out.append("&")
            units += 1
            i = stop + 1
            continue

        begin = stop
        i = begin + 1
        if at(i) != _SLASH:
            i = _start_tag(data, at, begin, i, units, len(out), stack)
        else:
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
            while at(i) not in _SPACES and at(i) != _GT:
                i += 1
            end_tag = data[begin + 2 : i].decode("utf-8").lower()
            while at(i) in _SPACES and i < n:
                i += 1
            if at(i) != _GT:
                raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
            tag, argument, start, out_index = stack[-1]
            if end_tag and end_tag != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"'
                )
            if units > start:
                _close(found, tag, argument, start, units - start, "".join(out[out_index:]))
            stack.pop()
        i += 1  # past '>'
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for item in found:
        if item["type"] == "code":
            item.pop("language", None)
    return "".join(out), sort_entities(found)


def _start_tag(data: bytes, at, begin: int, i: int, units: int, out_index: int, stack: list) -> int:
    """Reads `<tag attr="…">` starting after '<'; pushes it; returns the index of its '>'."""
    while at(i) not in _SPACES and at(i) != _GT:
        i += 1
    if at(i) == 0:
        raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
    tag = data[begin + 1 : i].decode("utf-8").lower()
    if tag not in _TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    argument = ""
    while at(i) != _GT:
        while at(i) != 0 and at(i) in _SPACES:
            i += 1
        if at(i) == _GT:
            break
        name_begin = i
        while at(i) not in _SPACES and at(i) != _EQ and at(i) != _GT:
            i += 1
        name = data[name_begin:i].decode("utf-8")
        if not name:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while at(i) != 0 and at(i) in _SPACES:
            i += 1
        if at(i) != _EQ:
            if tag == "blockquote" and name == "expandable":
                argument = "expandable"
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {begin}'
            )
        i += 1
        while at(i) != 0 and at(i) in _SPACES:
            i += 1
        if at(i) == 0:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        if at(i) not in _QUOTES:
            token_begin = i
            while at(i) in _NAME_TOKEN:
                i += 1
            value = data[token_begin:i].decode("utf-8").lower()
            if at(i) not in _SPACES and at(i) != _GT:
                raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
        else:
            quote = at(i)
            i += 1
            pieces: list[str] = []
            value_begin = i
            while at(i) != quote and at(i) != 0:
                if at(i) == _AMP:
                    code, end = _decode_entity(data, i)
                    if code:
                        pieces.append(data[value_begin:i].decode("utf-8", errors="replace") + chr(code))
                        i = value_begin = end
                        continue
                i += 1
            pieces.append(data[value_begin:i].decode("utf-8", errors="replace"))
            value = "".join(pieces)
            if at(i) == quote:
                i += 1
        if at(i) == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[9:]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[3:]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    if tag == "span" and argument != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    stack.append([tag, argument, units, out_index])
    return i


def _close(found: list[dict[str, Any]], tag: str, argument: str, offset: int, length: int, inner: str) -> None:
    simple = _SIMPLE.get(tag)
    if simple or tag == "span":
        found.append(entity(simple or "spoiler", offset, length))
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        found.append(entity("custom_emoji", offset, length, custom_emoji_id=argument))
    elif tag == "a":
        url = checked_link(argument or inner)
        if url:
            found.append(entity("text_link", offset, length, url=url))
    elif tag == "pre":
        last = found[-1] if found else None
        same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
        if same_span and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        else:
            found.append(entity("pre", offset, length))
    elif tag == "code":
        last = found[-1] if found else None
        if last and last["type"] == "pre" and (last["offset"], last["length"]) == (offset, length) and argument:
            last["language"] = argument
        else:
            found.append(entity("code", offset, length, language=argument))
    elif tag == "blockquote":
        found.append(entity("expandable_blockquote" if argument == "expandable" else "blockquote", offset, length))


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def checked_link(url: str) -> str:
    """Telegram keeps http(s), tg and ton links (adding http:// when there is no scheme); anything else drops the
    entity silently."""
    url = url.strip()
    if not url or any(c.isspace() for c in url):
        return ""
    if not _SCHEME.match(url):
        return "http://" + url if "." in url else ""
    scheme = url.split(":", 1)[0].lower()
    return url if scheme in ("http", "https", "tg", "ton", "ftp") else ""
