"""Bulk upserts with SQLAlchemy Core: a few statements per section whatever its size, on SQLite and PostgreSQL.

Rows are compared with what is stored, so a re-import of an unchanged catalogue writes nothing and the counts say
what really changed.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.catalogue.known import chunked, rows_where_in


@dataclass
class Count:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass(frozen=True)
class Upserted:
    inserted: frozenset[Any]
    updated: frozenset[Any]
    existing: frozenset[Any]  # keys that were there before, changed or not

    def count(self, total: int, also_updated: set[Any] = frozenset()) -> Count:
        updated = (set(self.updated) | set(also_updated)) - set(self.inserted)
        return Count(len(self.inserted), len(updated), total - len(self.inserted) - len(updated))


async def upsert(connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]],
                 key: str = "id") -> Upserted:
    """Inserts the rows whose key is new, updates those that differ; never deletes."""
    if not rows:
        return Upserted(frozenset(), frozenset(), frozenset())
    others = [name for name in rows[0] if name != key]
    key_column = table.c[key]
    stored = {
        r[0]: tuple(r[1:])
        for r in await rows_where_in(connection, [key_column, *(table.c[n] for n in others)], key_column,
                                     (row[key] for row in rows))
    }
    new = [row for row in rows if row[key] not in stored]
    changed = [row for row in rows if row[key] in stored and tuple(row[n] for n in others) != stored[row[key]]]
    if new:
        await insert_rows(connection, table, new)
    if changed and others:
        statement = (
            table.update()
            .where(key_column == bindparam("b_key"))
            .values({name: bindparam(f"b_{name}") for name in others})
        )
        await connection.execute(
            statement, [{"b_key": row[key], **{f"b_{n}": row[n] for n in others}} for row in changed]
        )
    return Upserted(
        frozenset(row[key] for row in new), frozenset(row[key] for row in changed), frozenset(stored)
    )


async def replace_children(
    connection: AsyncConnection,
    table: Table,
    parent: str,
    columns: Sequence[str],
    children: dict[Any, list[tuple[Any, ...]]],
    existing_parents: frozenset[Any],
) -> set[Any]:
    """Makes each parent's rows in `table` exactly `children[parent]`; returns the existing parents it changed.

    Only the parents named in `children` are touched: a row absent from the file keeps its associations.
    """
    parent_column = table.c[parent]
    stored: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    looked_up = [p for p in children if p in existing_parents]
    for row in await rows_where_in(connection, [parent_column, *(table.c[c] for c in columns)], parent_column,
                                   looked_up):
        stored[row[0]].append(tuple(row[1:]))
    stale: list[Any] = []
    fresh: list[dict[str, Any]] = []
    for key, rows in children.items():
        if key in existing_parents:
            # Rows are unique per parent (their key includes the position where order matters): sets compare them.
            if set(stored.get(key, ())) == set(rows):
                continue
            stale.append(key)
        fresh.extend({parent: key, **dict(zip(columns, row))} for row in rows)
    for batch in chunked(stale):
        await connection.execute(table.delete().where(parent_column.in_(batch)))
    if fresh:
        await insert_rows(connection, table, fresh)
    return set(stale)


_MARKERS = {"qmark": lambda n: "?", "numeric_dollar": lambda n: f"${n}", "numeric": lambda n: f":{n}",
            "format": lambda n: "%s"}


async def insert_rows(connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Straight to the driver (COPY on PostgreSQL, one executemany elsewhere): for 100k rows, SQLAlchemy's per-row
    parameter processing costs more than the database's work. Only for plain values (ints, strings, booleans, None)
    that need no type conversion."""
    names = list(rows[0])
    records = [tuple(row[n] for n in names) for row in rows]
    if connection.dialect.driver == "asyncpg":
        # PostgreSQL's COPY, inside the same transaction: several times faster than an executemany.
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=names)
        return
    marker = _MARKERS.get(connection.dialect.paramstyle)
    if marker is None:  # a driver we did not plan for: the ordinary way
        await connection.execute(table.insert(), list(rows))
        return
    preparer = connection.dialect.identifier_preparer
    sql = (f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(n) for n in names)}) "
           f"VALUES ({', '.join(marker(i) for i in range(1, len(names) + 1))})")
    await connection.exec_driver_sql(sql, records)
