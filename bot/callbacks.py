"""The one codec for inline-button data: `prefix:field:field`, ASCII, always within Telegram's 64 bytes.

Nothing that comes back is trusted: `parse` refuses anything not produced by `pack`, and handlers check every value
again against what this person may do now.
"""
from __future__ import annotations

import re

MAX_BYTES = 64
_FIELD = re.compile(r"^[A-Za-z0-9_-]{1,24}$")
_MAX_INT = 2**62

# Prefixes (one per feature), documented where they are handled.
WIZARD = "n"  # n:c:<step>:<id> choose · n:p:<step>:<page> page · n:b back · n:x cancel · n:ok send · n:fix · n:f:<step>
MY_TICKETS = "m"  # m:p:<created µs>:<ticket id>:<f|b> page · m:d:<number> details
DETAILS = "d"  # d:x:<number> the customer cancels their atendimento
STAFF = "s"  # s:v:<number> · s:r:<number>:<stage> · s:o:<number>:<stage>


class CallbackTooLong(ValueError):
    pass


def pack(prefix: str, *fields: str | int) -> str:
    parts = [prefix, *(str(f) for f in fields)]
    for part in parts:
        if not _FIELD.match(part):
            raise ValueError(f"invalid callback field: {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise CallbackTooLong(data)
    return data


def parse(data: object, prefix: str) -> list[str] | None:
    """The fields after `prefix`, or None when the data is not ours."""
    if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if parts[0] != prefix or not all(_FIELD.match(p) for p in parts):
        return None
    return parts[1:]


def as_int(field: str | None) -> int | None:
    """A positive integer of sane size, or None."""
    if field is None or not field.isascii() or not field.isdigit() or len(field) > 18:
        return None
    value = int(field)
    return value if 0 < value < _MAX_INT else None
