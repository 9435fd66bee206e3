"""Filling a test database with a catalogue through the real import (storage.catalogue), on either backend.

    summary = await load_spec_example(db)   # SPEC.md's example (tests/fixtures/catalogues/spec_example.yaml)
    summary = await load_demo(db)            # the shipped demo catalogue, history ending a day before DEMO_NOW
    summary = await load_catalogue(db, {"customers": [...]})   # a dict shaped like the file, or a path
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.catalogue import ImportSummary, import_data, import_file
from storage.database import Database
from storage.secrets import SecretBox

# The tests' ATENDIMENTO_SECRET_KEY (a fixed, valid Fernet key): it seals the SMTP passwords the tests import, and the
# bot under test (tests/support/bot_harness.py) opens them with it.
TEST_SECRET_KEY = "dGVzdHMtb25seS1rZXktMzItYnl0ZXMtbG9uZy4uLi4="
TEST_SECRETS = SecretBox(TEST_SECRET_KEY)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "catalogues"
SPEC_EXAMPLE = FIXTURES / "spec_example.yaml"
# The `clock` fixture's moment: the demo's newest event lies one day before it.
DEMO_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


async def load_catalogue(db: Database, source: str | Path | dict[str, Any], *,
                         demo_mode: bool = False, secrets: SecretBox | None = TEST_SECRETS) -> ImportSummary:
    if isinstance(source, dict):
        return await import_data(db, source, demo_mode=demo_mode, secrets=secrets)
    return await import_file(db, source, source=Path(source).name, demo_mode=demo_mode, secrets=secrets)


async def load_spec_example(db: Database) -> ImportSummary:
    return await load_catalogue(db, SPEC_EXAMPLE)


async def load_demo(db: Database, now: datetime = DEMO_NOW) -> ImportSummary:
    from storage.demo import load_demo as load

    return await load(db, now)


async def snapshot(db: Database) -> dict[str, Any]:
    """Every row of every table (and PostgreSQL's ticket-number sequence): to prove that nothing changed."""
    from sqlalchemy import select, text

    from storage.tables import metadata

    state: dict[str, Any] = {}
    async with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = (await connection.execute(select(table))).all()
            state[table.name] = sorted((tuple(map(repr, row)) for row in rows))
        if db.dialect == "postgresql":
            state["ticket_number_seq"] = tuple(
                (await connection.execute(text("SELECT last_value, is_called FROM ticket_number_seq"))).one()
            )
    return state
