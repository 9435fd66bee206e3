"""INSERT … ON CONFLICT DO UPDATE: one statement that writes a row whether or not it exists, on both backends."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


@lru_cache(maxsize=128)
def upsert_statement(dialect: str, table: Table, columns: tuple[str, ...], key: tuple[str, ...]):
    """The statement that stores a row passed as parameters (`execute(statement, values)`) with exactly `columns`,
    replacing every non-key column of the row with the same `key` columns. Built once per shape, so a hot write (a
    wizard step, a conversation state) neither rebuilds the ON CONFLICT clause nor computes its cache key again."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: statement.excluded[name] for name in columns if name not in key},
    )
