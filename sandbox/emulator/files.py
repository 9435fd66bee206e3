"""Files: what people send (photos, stickers, documents) and what the bot uploads, by file_id; getFile and the
download URL (`/file/bot<token>/<file_path>`)."""
from __future__ import annotations

import hashlib
import itertools
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.emulator import errors

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram

_counter = itertools.count(1)
_PHOTO_SIZES = ((90, 67), (320, 240), (1280, 960))


@dataclass(eq=False)
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    emoji: str | None = None

    def as_media(self, kind: str) -> Any:
        """The object a message carries for this file (`photo` is a list of sizes)."""
        size = len(self.content)
        if kind == "photo":
            return [
                {"file_id": f"{self.file_id}-{w}", "file_unique_id": f"{self.file_unique_id}{w}", "width": w,
                 "height": h, "file_size": max(1, size * w // 1280)}
                for w, h in _PHOTO_SIZES[:-1]
            ] + [{"file_id": self.file_id, "file_unique_id": self.file_unique_id, "width": 1280, "height": 960,
                  "file_size": size}]
        if kind == "sticker":
            return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "type": "regular",
                    "width": 512, "height": 512, "is_animated": False, "is_video": False,
                    "emoji": self.emoji or "👍", "set_name": "fake_pack", "file_size": size}
        media = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": size}
        if self.file_name:
            media["file_name"] = self.file_name
        if self.mime_type:
            media["mime_type"] = self.mime_type
        if kind in ("video", "animation"):
            media.update(width=640, height=480, duration=3)
        elif kind in ("audio", "voice"):
            media["duration"] = 3
        return media

    def as_file(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.content),
                "file_path": self.file_path}


def store_file(tg: FakeTelegram, kind: str, content: bytes | None = None, **fields: Any) -> StoredFile:
    number = next(_counter)
    content = content if content is not None else secrets.token_bytes(64)
    unique = hashlib.sha1(content + str(number).encode()).hexdigest()[:16]
    prefix = {"photo": "AgAC", "sticker": "CAAC", "document": "BQAC"}.get(kind, "BAAC")
    stored = StoredFile(
        file_id=f"{prefix}AgIAAxkBAAI{number:06d}{unique}", file_unique_id=f"AQAD{unique[:10]}", content=content,
        file_path=f"{kind}s/file_{number}.{ {'photo': 'jpg', 'sticker': 'webp'}.get(kind, 'bin') }", **fields,
    )
    tg.files[stored.file_id] = stored
    for size in stored.as_media("photo")[:-1] if kind == "photo" else ():
        tg.files[size["file_id"]] = stored
    return stored


def input_file(tg: FakeTelegram, kind: str, value: Any) -> StoredFile:
    """What the bot sent as `photo`/`document`/…: an upload, a known file_id or an HTTP URL."""
    if value is None or value == "":
        raise errors.bad_request(f"there is no {kind} in the request")
    if hasattr(value, "file"):  # multipart upload
        return store_file(tg, kind, value.file.read(), file_name=getattr(value, "filename", None),
                          mime_type=getattr(value, "content_type", None))
    value = str(value)
    if value.startswith("attach://"):
        raise errors.bad_request(f"there is no {kind} in the request")
    known = tg.files.get(value)
    if known is not None:
        return known
    if value.startswith(("http://", "https://")):
        return store_file(tg, kind, value.encode(), file_name=value.rsplit("/", 1)[-1] or None)
    raise errors.bad_request("wrong file identifier/HTTP URL specified")
