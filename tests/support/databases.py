"""Test databases: every database test runs on SQLite and on PostgreSQL.

Migrations run once per session into a template (an SQLite file; a PostgreSQL template database); each test gets a
fresh copy, so a test costs a file copy or a `CREATE DATABASE … TEMPLATE`, never a migration.

PostgreSQL: `TEST_DATABASE_URL` (an admin connection, default the local server). When it cannot be reached the
PostgreSQL cases skip — except in CI (`CI=true`), where they fail.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from storage.migrate import upgrade_url

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
BACKENDS = ("sqlite", "postgresql")


def run_sync(coro):
    """Runs a coroutine to completion from sync code, whether or not an event loop is running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _admin_dsn() -> str:
    url = make_url(PG_ADMIN_URL)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def url_for_database(name: str) -> str:
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False)


async def _admin(*statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_admin_dsn(), timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def postgres_problem() -> str | None:
    try:
        run_sync(_admin("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        return f"PostgreSQL indisponível em {make_url(PG_ADMIN_URL).render_as_string()}: {exc}"
    return None


def require_postgres(problem: str | None) -> None:
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"CI=true exige PostgreSQL: {problem}")
    pytest.skip(problem)




class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"
        run_sync(upgrade_url(f"sqlite:///{self.path}"))

    def fresh(self, directory: Path) -> str:
        target = directory / f"test-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


class PostgresTemplate:
    def __init__(self) -> None:
        self.name = f"atd_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        run_sync(_admin(f'CREATE DATABASE "{self.name}"'))
        run_sync(upgrade_url(url_for_database(self.name)))

    def fresh(self) -> tuple[str, str]:
        name = f"atd_t_{uuid.uuid4().hex[:12]}"
        run_sync(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        return name, url_for_database(name)

    @staticmethod
    def drop(name: str) -> None:
        run_sync(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        self.drop(self.name)
