"""The database URL people write, and the SQLite file the bot creates on its own: WAL, foreign keys, its directory."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.database import DatabaseUrlError, async_url, connect, default_database_url
from storage.migrate import upgrade


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("sqlite:///data/atendimento.db", "sqlite+aiosqlite:///data/atendimento.db"),
        ("sqlite:////var/lib/atendimento/bot.db", "sqlite+aiosqlite:////var/lib/atendimento/bot.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("  sqlite:///x.db\n", "sqlite+aiosqlite:///x.db"),
        ("postgresql://atendimento@db.construtora.example/atendimento",
         "postgresql+asyncpg://atendimento@db.construtora.example/atendimento"),
        ("postgres://bot:s%40nha@10.0.0.5:5433/atd", "postgresql+asyncpg://bot:s%40nha@10.0.0.5:5433/atd"),
        ("postgresql+psycopg://bot@localhost/atd", "postgresql+asyncpg://bot@localhost/atd"),
        ("postgresql://bot@localhost/atd?sslmode=require", "postgresql+asyncpg://bot@localhost/atd?ssl=require"),
        (None, "sqlite+aiosqlite:///data/atendimento.db"),
        ("", "sqlite+aiosqlite:///data/atendimento.db"),
    ],
)
def test_the_urls_people_write_get_their_async_driver(written, used):
    assert async_url(written).render_as_string(hide_password=False) == used
    assert default_database_url() == "sqlite+aiosqlite:///data/atendimento.db"


@pytest.mark.parametrize("written", ["mysql://bot@localhost/atd", "mssql+pyodbc://bot@dsn", "http://example.com/db",
                                     "atendimento.db", "not a url"])
def test_other_urls_are_refused_with_a_clear_sentence(written):
    with pytest.raises(DatabaseUrlError) as refused:
        async_url(written)
    message = str(refused.value)  # one sentence that says what is wrong and what to write instead
    assert message.startswith("DATABASE_URL ") and message.endswith(
        "use sqlite:///caminho/arquivo.db ou postgresql://usuario@servidor/banco."
    )


async def test_a_new_sqlite_file_is_created_with_its_directory_in_wal_mode_with_foreign_keys(tmp_path):
    path = tmp_path / "nao" / "existe" / "atendimento.db"
    database = connect(f"sqlite:///{path}")
    try:
        await upgrade(database)
        assert path.is_file()
        async with database.engine.connect() as connection:
            pragma = {name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                      for name in ("journal_mode", "foreign_keys", "busy_timeout")}
            assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000}
            with pytest.raises(IntegrityError):  # foreign keys are enforced, not just declared
                await connection.execute(text("INSERT INTO obras (id, empreendimento_id, name) VALUES (1, 999, 'x')"))
    finally:
        await database.dispose()


async def test_the_default_url_is_a_file_under_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    database = connect(None)
    try:
        async with database.engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar_one() == "wal"
        assert (tmp_path / "data" / "atendimento.db").is_file()
    finally:
        await database.dispose()
