"""aiosqlite with one trip to the connection's thread per statement.

aiosqlite runs each sqlite3 call on the connection's own thread, and SQLAlchemy's adapter makes four such calls per
statement (open a cursor, execute, fetch the rows, close). Each trip hands the GIL over and wakes the event loop, and
costs some fifty times what SQLite itself spends on one of our indexed lookups: it was the largest single cost of a
wizard step (bench/p1_wizard.py). This cursor opens, executes and fetches in one trip; what SQLAlchemy asks afterwards
(description, rowcount, the rows) is already at hand.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL


class PrefetchingCursor:
    """The aiosqlite cursor interface SQLAlchemy uses, each statement and its rows fetched in one trip."""

    __slots__ = ("_connection", "_cursor", "_rows")

    def __init__(self, connection: "OneTripConnection") -> None:
        self._connection = connection
        self._cursor: sqlite3.Cursor | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> "PrefetchingCursor":
        return self  # the sqlite3 cursor is made in the statement's own trip

    async def __aexit__(self, *exc: object) -> None:
        self._rows = []

    def _run(self, many: bool, sql: str, parameters: Any) -> tuple[sqlite3.Cursor, list[Any]]:
        cursor = self._connection._conn.cursor()
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        return cursor, cursor.fetchall() if cursor.description else []

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> "PrefetchingCursor":
        self._cursor, self._rows = await self._connection._execute(self._run, False, sql,
                                                                   () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> "PrefetchingCursor":
        self._cursor, self._rows = await self._connection._execute(self._run, True, sql, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or 1
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def close(self) -> None:
        self._rows = []

    @property
    def description(self):
        return self._cursor.description if self._cursor is not None else None

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount if self._cursor is not None else -1

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid if self._cursor is not None else None

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> PrefetchingCursor:  # type: ignore[override]
        return PrefetchingCursor(self)


def async_creator(url: URL) -> Callable[[], Any]:
    """For `create_async_engine(url, async_creator=…)`: connects as SQLAlchemy's aiosqlite dialect would (the same
    sqlite3.connect arguments), with the one-trip cursor."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)

    async def connect() -> OneTripConnection:
        connection = OneTripConnection(lambda: sqlite3.connect(*args, **kwargs), iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does: a forgotten connection never holds up exit
        return await connection

    return connect
