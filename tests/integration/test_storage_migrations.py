"""The Alembic migrations build exactly the schema storage/tables.py describes, and can be undone and redone."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from storage.migrate import alembic_config, current_revision, upgrade
from storage.tables import metadata, ticket_number_seq

# Server defaults as well as types: a default that differs between the model and the migration would make rows
# written by other systems (which rely on the defaults) differ from ours.
COMPARE = {"compare_type": True, "compare_server_default": True}


def _differences(connection) -> list:
    return compare_metadata(MigrationContext.configure(connection, opts=COMPARE), metadata)


async def differences(db) -> list:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_differences)


async def downgrade(db, revision: str = "base") -> None:
    def _downgrade(connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(_downgrade)


async def schema_objects(db) -> tuple[set[str], set[str], int]:
    """Tables, sequences and change-capture triggers present in the database."""
    async with db.engine.connect() as connection:
        tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
        if db.dialect == "postgresql":
            sequences = set(await connection.run_sync(lambda c: inspect(c).get_sequence_names()))
            triggers = (await connection.execute(text("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")))
        else:
            sequences = set()
            triggers = await connection.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"))
        return tables, sequences, triggers.scalar_one()


async def test_a_migrated_database_matches_the_models(db):
    assert await differences(db) == []
    tables, sequences, triggers = await schema_objects(db)
    assert set(metadata.tables) <= tables
    if db.dialect == "postgresql":
        assert ticket_number_seq.name in sequences
    assert triggers >= 3  # stage insert/status, note insert, ticket status (SQLite: one per event)


async def test_downgrade_to_base_and_upgrade_again(db):
    before = await schema_objects(db)

    await downgrade(db)
    tables, sequences, triggers = await schema_objects(db)
    assert tables <= {"alembic_version"}
    assert sequences == set()
    assert triggers == 0
    assert await current_revision(db) is None

    await upgrade(db)
    assert await schema_objects(db) == before
    assert await differences(db) == []
    async with db.engine.connect() as connection:
        config_rows = (await connection.execute(text("SELECT id, visibility, mode FROM service_config"))).all()
    assert [tuple(r) for r in config_rows] == [(1, "web_subjects", "register_and_follow")]
