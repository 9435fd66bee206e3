"""Reply markup as Telegram checks it: inline keyboards (callback data 1–64 bytes, one action per button, a sane size),
reply keyboards, ReplyKeyboardRemove and ForceReply."""
from __future__ import annotations

import json
from typing import Any

from sandbox.emulator import errors

MAX_BUTTONS = 100
MAX_MARKUP_BYTES = 10_240
_INLINE_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
)
_REQUESTS = ("request_contact", "request_location", "request_poll", "request_users", "request_chat", "web_app")


def checked_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """The markup as Telegram keeps it (None values dropped), or the ApiError Telegram answers."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise errors.bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return {"inline_keyboard": _inline_rows(markup["inline_keyboard"])}
    if inline_only:
        raise errors.bad_request("inline keyboard expected")
    if "keyboard" in markup:
        return _reply_keyboard(markup)
    if "remove_keyboard" in markup:
        if markup.get("remove_keyboard") is not True:
            raise errors.bad_request("can't parse reply keyboard markup JSON object")
        return _without_none(markup)
    if "force_reply" in markup:
        if markup.get("force_reply") is not True:
            raise errors.bad_request("can't parse reply keyboard markup JSON object")
        _check_placeholder(markup)
        return _without_none(markup)
    raise errors.bad_request("can't parse reply keyboard markup JSON object")


def _inline_rows(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise errors.bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    count = sum(len(row) for row in rows)
    if count > MAX_BUTTONS:
        raise errors.button_data_invalid()
    checked = [[_inline_button(button) for button in row] for row in rows if row]
    if len(json.dumps(checked, ensure_ascii=False).encode()) > MAX_MARKUP_BYTES:
        raise errors.bad_request("reply markup is too long")
    return checked


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise errors.bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise errors.bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not text.strip():
        raise errors.bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in _INLINE_ACTIONS if button.get(name) is not None]
    if not actions:
        raise errors.bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise errors.button_data_invalid()
    if "url" in actions:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")) or " " in url:
            raise errors.bad_request("BUTTON_URL_INVALID")
    return _without_none(button)


def _reply_keyboard(markup: dict[str, Any]) -> dict[str, Any]:
    rows = markup["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise errors.bad_request('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
    if sum(len(row) for row in rows) > 300:
        raise errors.bad_request("reply markup is too long")
    checked_rows = []
    for row in rows:
        checked_row = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise errors.bad_request('can\'t parse keyboard button: Field "text" must be of type String')
            if not button["text"].strip():
                raise errors.bad_request("BUTTON_TEXT_INVALID")
            if sum(1 for name in _REQUESTS if button.get(name) not in (None, False)) > 1:
                raise errors.bad_request("can't parse keyboard button: only one of the optional fields may be used")
            checked_row.append(_without_none(button))
        if checked_row:
            checked_rows.append(checked_row)
    _check_placeholder(markup)
    return {**_without_none(markup), "keyboard": checked_rows}


def _check_placeholder(markup: dict[str, Any]) -> None:
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and (not isinstance(placeholder, str) or len(placeholder) > 64):
        raise errors.bad_request("can't parse reply keyboard markup JSON object: input_field_placeholder is too long")


def _without_none(value: dict[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in value.items() if item is not None}


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every inline button of a markup, row by row."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]


def reply_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not markup or "keyboard" not in markup:
        return []
    return [button for row in markup["keyboard"] for button in row]
