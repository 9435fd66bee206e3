"""Engines: the database URL people write, turned into the async driver we use, with SQLite made safe to share."""
from __future__ import annotations

import os

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

DEFAULT_SQLITE_PATH = Path("data") / "atendimento.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
USE_INSTEAD = "use sqlite:///caminho/arquivo.db ou postgresql://usuario@servidor/banco."


class DatabaseUrlError(ValueError):
    pass


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"


def async_url(raw: str | None) -> URL:
    """`sqlite:///x.db` → `sqlite+aiosqlite:///x.db`; `postgresql://…` or `postgres://…` → `postgresql+asyncpg://…`."""
    raw = (raw or "").strip() or default_database_url()
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw.removeprefix("postgres://")
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseUrlError(f"DATABASE_URL não é uma URL de banco de dados válida: {USE_INSTEAD}") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
        if "sslmode" in url.query:  # libpq's name, common in hosted URLs; asyncpg takes the same values as `ssl`
            url = url.difference_update_query(["sslmode"]).update_query_dict({"ssl": url.query["sslmode"]})
        return url
    raise DatabaseUrlError(f"DATABASE_URL usa '{backend}', que não é suportado: {USE_INSTEAD}")


def _prepare_sqlite(engine: AsyncEngine, url: URL) -> None:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, say when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:
        # Take the write lock up front: a deferred transaction that reads, then writes, fails at once with
        # SQLITE_BUSY when another connection wrote in between; an immediate one waits its turn (busy_timeout).
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def dispose(self) -> None:
        await self.engine.dispose()


def connect(raw_url: str | None, *, echo: bool = False, pool_size: int = 5) -> Database:
    from storage.orm import start_mappers

    start_mappers()
    url = async_url(raw_url)
    if url.get_backend_name() == "sqlite":
        from storage.sqlite_driver import async_creator

        # ATENDIMENTO_SQLITE_ONE_TRIP=0: stock aiosqlite, for bench.p1_wizard to measure what the driver earns.
        one_trip = os.environ.get("ATENDIMENTO_SQLITE_ONE_TRIP", "1") != "0"
        creator = {"async_creator": async_creator(url)} if one_trip else {}
        engine = create_async_engine(url, echo=echo, **creator)
        _prepare_sqlite(engine, url)
    else:
        engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=10, pool_pre_ping=True)
    return Database(engine, async_sessionmaker(engine, expire_on_commit=False))
