"""`atendimento import`: read → validate → check against the database → write, all in one transaction.

A refused file raises CatalogueRefused with every problem found, and the database is left exactly as it was.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.catalogue.checks import check
from storage.catalogue.known import load_known
from storage.catalogue.lines import NO_LINES, LineMap
from storage.catalogue.problems import CatalogueRefused, Problem
from storage.catalogue.reader import MAX_BYTES, read_file
from storage.catalogue.schema import Catalogue
from storage.catalogue.validation import validate
from storage.catalogue.writer import ImportSummary, write
from storage.database import Database

BeforeWrite = Callable[[AsyncConnection], Awaitable[None]]


def parse_file(path: str | Path, *, source: str | None = None,
               max_bytes: int = MAX_BYTES) -> tuple[Catalogue, LineMap, str]:
    """The file, read and validated (no database yet): the catalogue, where each value sits, and the file's name."""
    parsed = read_file(path, source=source, max_bytes=max_bytes)
    return validate(parsed.data, parsed.source, parsed.lines), parsed.lines, parsed.source


async def import_file(database: Database, path: str | Path, *, source: str | None = None, demo_mode: bool = False,
                      max_bytes: int = MAX_BYTES) -> ImportSummary:
    catalogue, lines, source = parse_file(path, source=source, max_bytes=max_bytes)
    return await write_catalogue(database, catalogue, source=source, lines=lines, demo_mode=demo_mode)


async def import_data(database: Database, data: Any, *, source: str = "<dados>",
                      demo_mode: bool = False) -> ImportSummary:
    """The same import from data already in memory (a dict shaped like the file): for tests and other tools."""
    catalogue = validate(data, source, NO_LINES)
    return await write_catalogue(database, catalogue, source=source, lines=NO_LINES, demo_mode=demo_mode)


async def write_catalogue(database: Database, catalogue: Catalogue, *, source: str, lines: LineMap = NO_LINES,
                          demo_mode: bool = False, before_write: BeforeWrite | None = None) -> ImportSummary:
    summary = ImportSummary(source)
    try:
        async with database.engine.begin() as connection:
            if before_write is not None:
                await before_write(connection)
            known = await load_known(connection, catalogue)
            problems = check(catalogue, known, lines)
            if problems:
                raise CatalogueRefused(source, problems)
            await write(connection, catalogue, known, summary, demo_mode=demo_mode)
    except IntegrityError as exc:
        # What the checks cannot foresee (another process writing the same rows meanwhile): still all or nothing.
        raise CatalogueRefused(source, [Problem("database_refused", params={"detail": _first_line(exc)})]) from exc
    except DBAPIError as exc:
        raise CatalogueRefused(source, [Problem("database_refused", params={"detail": _first_line(exc)})]) from exc
    return summary


def _first_line(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0][:300] if str(original).strip() else type(original).__name__
