"""Request parameters as the Bot API reads them: from a JSON body, a form, a multipart body or the query string.

In a form (which is what python-telegram-bot sends) every value is a string and objects are JSON-encoded strings; in a
JSON body values may be typed or JSON-encoded strings. The getters here accept both, like Telegram.
"""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from sandbox.emulator import errors


async def read_params(request: web.BaseRequest) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query) if request.query_string else {}
    if request.method not in ("POST", "PUT") or not request.body_exists:
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise errors.bad_request("can't parse JSON encoded request: unexpected end of data") from None
        if not isinstance(body, dict):
            raise errors.bad_request("JSON object expected as request body")
        params.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key in form:
            params[key] = form[key]  # multipart files stay aiohttp FileField objects
    return params


class Params:
    """Typed access to one request's parameters; wrong types answer 400 like Telegram."""

    __slots__ = ("raw",)

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw

    def __contains__(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if hasattr(value, "file"):  # an uploaded file where text was expected
            return default
        raise errors.bad_request(f"field \"{name}\" must be of type String")

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise errors.bad_request(f"invalid {name} specified") from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return bool(value)
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def json(self, name: str, default: Any = None, *, error: str | None = None) -> Any:
        """An object parameter: already decoded (JSON body) or a JSON-encoded string (form)."""
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise errors.bad_request(error or f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id", *, required: bool = True) -> int | str | None:
        """A chat id (an integer) or a public @username."""
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                raise errors.chat_id_empty() if name == "chat_id" else errors.bad_request(f"{name} is empty")
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            raise errors.chat_not_found() from None

    def file(self, name: str) -> Any:
        return self.raw.get(name)


def chat_id_hint(raw: dict[str, Any]) -> int | None:
    """The chat a request is about, for statistics and fault matching (never raises)."""
    value = raw.get("chat_id")
    if value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
