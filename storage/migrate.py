"""`atendimento migrate`: upgrade the database to the newest schema."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from storage.database import Database, connect

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    def _upgrade(connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def upgrade_url(url: str) -> None:
    """The database at `url` brought to the newest schema, with an engine of its own (for tools and test set-up)."""
    database = connect(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


async def current_revision(database: Database) -> str | None:
    def _current(connection) -> str | None:
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(_current)


async def is_empty(database: Database) -> bool:
    async with database.engine.connect() as connection:
        return not await connection.run_sync(lambda c: inspect(c).get_table_names())


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
