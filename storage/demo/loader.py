"""Loads demo.yaml: the same import as a real catalogue, with its history moved to look recent, in demo mode.

It refuses a database that holds a real catalogue (customers or staff users, demo mode off): fictitious people must
never mix with a construtora's, and a database in demo mode must hold nothing but the demo — importing the real
catalogue later removes all of it (storage/catalogue/go_live.py). On a demo database it is idempotent.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.catalogue import ImportSummary, parse_file, write_catalogue
from storage.catalogue.schema import Catalogue, HistoryNote, HistoryStage, Ticket
from storage.database import Database

DEMO_FILE = Path(__file__).with_name("demo.yaml")
# The newest event of the demo's history lies this long before the moment the demo is loaded.
NEWEST_EVENT_AGE = timedelta(days=1)


class RealCatalogueFound(Exception):
    """The database holds a real catalogue; the demo is not loaded over it."""


async def load_demo(database: Database, now: datetime | None = None) -> ImportSummary:
    """Raises RealCatalogueFound over a real catalogue; `now` (default: the present) dates the history."""
    now = now or datetime.now(UTC)
    catalogue, lines, source = parse_file(DEMO_FILE, source=DEMO_FILE.name)
    catalogue = shift_history(catalogue, (now - NEWEST_EVENT_AGE).replace(second=0, microsecond=0))
    return await write_catalogue(database, catalogue, source=source, lines=lines, demo_mode=True,
                                 before_write=_refuse_real_catalogue)


async def _refuse_real_catalogue(connection: AsyncConnection) -> None:
    has_real = (await connection.execute(select(
        exists().where(t.customers.c.id.is_not(None)) | exists().where(t.staff_users.c.id.is_not(None))
    ))).scalar()
    demo_mode = (await connection.execute(
        select(t.service_config.c.demo_mode).where(t.service_config.c.id == 1)
    )).scalar()
    if has_real and not demo_mode:
        raise RealCatalogueFound()


def _moments(ticket: Ticket) -> list[datetime]:
    found = [ticket.created_at, ticket.closed_at]
    for stage in ticket.stages:
        found += [stage.created_at, stage.completed_at, *(n.created_at for n in stage.notes)]
    return [m for m in found if m is not None]


def shift_history(catalogue: Catalogue, newest: datetime) -> Catalogue:
    """Moves every date of the history by one amount, so that its newest event (an opening, a conclusion, a note,
    a closing) falls on `newest`; order and intervals are kept, due dates included."""
    moments = [m for ticket in catalogue.tickets for m in _moments(ticket)]
    if not moments:
        return catalogue
    delta = newest - max(moments)

    def move(value: datetime | None) -> datetime | None:
        return None if value is None else value + delta

    def note(n: HistoryNote) -> HistoryNote:
        return n.model_copy(update={"created_at": move(n.created_at)})

    def stage(s: HistoryStage) -> HistoryStage:
        return s.model_copy(update={
            "created_at": move(s.created_at), "completed_at": move(s.completed_at), "due_at": move(s.due_at),
            "notes": [note(n) for n in s.notes],
        })

    tickets = [
        x.model_copy(update={"created_at": move(x.created_at), "closed_at": move(x.closed_at),
                             "stages": [stage(s) for s in x.stages]})
        for x in catalogue.tickets
    ]
    return catalogue.model_copy(update={"tickets": tickets})
