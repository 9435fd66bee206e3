"""Shared fixtures. `database_url` (and `db`, `uow_factory`) run each test once on SQLite and once on PostgreSQL."""
from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from tests.support.databases import (
    BACKENDS,
    PostgresTemplate,
    SqliteTemplate,
    postgres_problem,
    require_postgres,
)

# Tests must never reach the internet or need a real token.
os.environ.setdefault("TELEGRAM_BOT_TOKEN", "")
os.environ.pop("DATABASE_URL", None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def _postgres_problem() -> str | None:
    return postgres_problem()


@pytest.fixture(scope="session")
def postgres_template(_postgres_problem):
    require_postgres(_postgres_problem)
    template = PostgresTemplate()
    yield template
    template.close()


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "backends(*names): run a database test only on these backends (default: sqlite and postgresql)"
    )


def pytest_generate_tests(metafunc) -> None:
    # Every test that uses a database runs once per backend; a test about one backend's own behaviour says so with
    # @pytest.mark.backends(...) instead of skipping on the other (CI must see no skipped database test).
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        names = marker.args if marker else BACKENDS
        metafunc.parametrize("backend", names, ids=list(names))


@pytest.fixture
def database_url(backend, request, tmp_path):
    """A freshly migrated, empty database of the parametrised backend."""
    if backend == "sqlite":
        yield request.getfixturevalue("sqlite_template").fresh(tmp_path)
        return
    template: PostgresTemplate = request.getfixturevalue("postgres_template")
    name, url = template.fresh()
    yield url
    template.drop(name)


@pytest.fixture
def clock():
    from domain.clock import FrozenClock

    return FrozenClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))


@pytest.fixture
async def db(database_url):
    from storage.database import connect

    database = connect(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def uow_factory(db, clock):
    from storage.uow import SqlUnitOfWorkFactory

    return SqlUnitOfWorkFactory(db, clock)
