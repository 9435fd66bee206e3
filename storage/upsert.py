"""INSERT … ON CONFLICT DO UPDATE: one statement that writes a row whether or not it exists, on both backends."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(dialect: str, table: Table, values: Mapping[str, Any], key: Sequence[str]):
    """The statement that stores `values`, replacing every non-key column of the row with the same `key` columns."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: statement.excluded[name] for name in values if name not in key},
    )


@lru_cache(maxsize=128)
def upsert_statement(dialect: str, table: Table, columns: tuple[str, ...], key: tuple[str, ...]):
    """The same statement for a row passed as parameters (`execute(statement, values)`) with exactly `columns`: built
    once, so a hot write (a wizard step, a conversation state) neither rebuilds the ON CONFLICT clause nor computes
    its cache key again."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: statement.excluded[name] for name in columns if name not in key},
    )
