"""Comparable pictures of entities, to prove that something did or did not change."""
from __future__ import annotations

from typing import Any


def row_state(value: Any) -> Any:
    """A comparable picture of a row (or of anything): two rows with equal pictures hold the same data.

    A ticket's `events` are not stored (nor mapped by storage/orm.py), so they are not part of its picture; nor is
    the bookkeeping SQLAlchemy adds to the entities once storage/orm.py has mapped them in the same test session.
    """
    if isinstance(value, (list, tuple)):
        return tuple(row_state(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, row_state(v)) for k, v in sorted(value.items(), key=lambda kv: repr(kv[0])))
    if hasattr(value, "__dict__") and not isinstance(value, type):
        fields_ = {k: v for k, v in vars(value).items() if k != "events" and not k.startswith("_sa_")}
        return (type(value).__name__, row_state(fields_))
    return value  # frozen dataclasses and plain values compare by value
