"""Typed notification payloads ↔ the JSON of `outbox.payload`.

Written as the payload's fields plus `"v"`, its kind's VERSION. Read by the row's kind: the version says which shape
the JSON has (absent: 0, rows written before payloads were typed), `domain.notifications.upgrade` brings it to the
current shape, and pydantic checks and converts it (ISO strings to dates, lists to tuples of items). Unknown keys are
ignored, so a field dropped from a kind leaves its old rows readable.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain.notifications import PAYLOAD_TYPES, Kind, Payload, PayloadError, upgrade

VERSION_KEY = "v"


@cache
def _adapter(kind: Kind) -> TypeAdapter:
    return TypeAdapter(PAYLOAD_TYPES[kind])


def encode_payload(payload: Payload) -> dict[str, Any]:
    return {VERSION_KEY: payload.VERSION, **_adapter(payload.KIND).dump_python(payload, mode="json")}


def decode_payload(kind: Kind | str, data: dict[str, Any]) -> Payload:
    try:
        kind = Kind(kind)
    except ValueError:
        raise PayloadError(f"unknown notification kind {kind!r}") from None
    fields = {name: value for name, value in (data or {}).items() if name != VERSION_KEY}
    version = (data or {}).get(VERSION_KEY, 0)
    try:
        return _adapter(kind).validate_python(upgrade(kind, int(version), fields))
    except ValidationError as error:
        raise PayloadError(f"{kind.value} payload v{version}: {error.error_count()} invalid field(s): "
                           f"{', '.join(str(e['loc'][0]) if e['loc'] else '?' for e in error.errors())}") from None
