"""getMe, logOut, close, the bot's name/description texts, the chat menu button, getFile."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.emulator import errors
from sandbox.emulator.methods.registry import api_method
from sandbox.emulator.params import Params

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram

_LIMITS = {"name": 64, "description": 512, "short_description": 120}


@api_method("getMe")
def get_me(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    return tg.bot.me()


@api_method("logOut")
def log_out(tg: FakeTelegram, p: Params) -> bool:
    tg.bot.logged_out = True
    return True


@api_method("close")
def close(tg: FakeTelegram, p: Params) -> bool:
    tg.bot.closed = True
    return True


def _profile_text(field: str):
    def setter(tg: FakeTelegram, p: Params) -> bool:
        text = p.str(field) or ""
        if len(text) > _LIMITS[field]:
            raise errors.bad_request(f"{field} is too long")
        language = p.str("language_code") or ""
        if text:
            tg.bot.profile[(field, language)] = text
        else:
            tg.bot.profile.pop((field, language), None)
        return True

    def getter(tg: FakeTelegram, p: Params) -> dict[str, str]:
        language = p.str("language_code") or ""
        text = tg.bot.profile.get((field, language)) or tg.bot.profile.get((field, ""), "")
        if field == "name" and not text:
            text = tg.bot.account.first_name
        return {field: text}

    return setter, getter


for _field, _suffix in (("name", "Name"), ("description", "Description"), ("short_description", "ShortDescription")):
    _setter, _getter = _profile_text(_field)
    api_method(f"setMy{_suffix}")(_setter)
    api_method(f"getMy{_suffix}")(_getter)


@api_method("setChatMenuButton")
def set_chat_menu_button(tg: FakeTelegram, p: Params) -> bool:
    tg.bot.profile[("menu_button", str(p.raw.get("chat_id") or ""))] = p.json("menu_button") or {"type": "default"}
    return True


@api_method("getChatMenuButton")
def get_chat_menu_button(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    return tg.bot.profile.get(("menu_button", str(p.raw.get("chat_id") or "")), {"type": "commands"})


@api_method("getFile")
def get_file(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    stored = tg.files.get(p.str("file_id") or "")
    if stored is None:
        raise errors.bad_request("invalid file_id")
    return stored.as_file()
