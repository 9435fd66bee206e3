"""`atendimento import`: read → validate → check against the database → write, all in one transaction.

A refused file raises CatalogueRefused with every problem found, and the database is left exactly as it was.
A real catalogue imported over the demo removes the demo first, in the same transaction (go_live.py).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.catalogue.checks import check
from storage.catalogue.go_live import holds_demo, remove_demo
from storage.catalogue.known import load_known
from storage.catalogue.lines import NO_LINES, LineMap
from storage.catalogue.problems import CatalogueRefused, Problem
from storage.catalogue.reader import MAX_BYTES, read_file
from storage.catalogue.schema import Catalogue
from storage.catalogue.validation import validate
from storage.catalogue.writer import ImportSummary, write
from storage.database import Database
from storage.secrets import SecretBox

BeforeWrite = Callable[[AsyncConnection], Awaitable[None]]


def parse_file(path: str | Path, *, source: str | None = None,
               max_bytes: int = MAX_BYTES) -> tuple[Catalogue, LineMap, str]:
    """The file, read and validated (no database yet): the catalogue, where each value sits, and the file's name."""
    parsed = read_file(path, source=source, max_bytes=max_bytes)
    return validate(parsed.data, parsed.source, parsed.lines), parsed.lines, parsed.source


async def import_file(database: Database, path: str | Path, *, source: str | None = None, demo_mode: bool = False,
                      max_bytes: int = MAX_BYTES, secrets: SecretBox | None = None) -> ImportSummary:
    """`secrets` seals SMTP passwords; without it a file with passwords is refused (problem `secret_key_missing`)."""
    catalogue, lines, source = parse_file(path, source=source, max_bytes=max_bytes)
    return await write_catalogue(database, catalogue, source=source, lines=lines, demo_mode=demo_mode,
                                 secrets=secrets)


async def import_data(database: Database, data: Any, *, source: str = "<dados>",
                      demo_mode: bool = False, secrets: SecretBox | None = None) -> ImportSummary:
    """The same import from data already in memory (a dict shaped like the file): for tests and other tools."""
    catalogue = validate(data, source, NO_LINES)
    return await write_catalogue(database, catalogue, source=source, lines=NO_LINES, demo_mode=demo_mode,
                                 secrets=secrets)


def _passwords_without_key(catalogue: Catalogue, lines: LineMap) -> list[Problem]:
    return [
        Problem("secret_key_missing", loc, lines.line_of(loc))
        for i, s in enumerate(catalogue.staff) if s.smtp is not None and s.smtp.password is not None
        for loc in [("staff", i, "smtp", "password")]
    ]


async def write_catalogue(database: Database, catalogue: Catalogue, *, source: str, lines: LineMap = NO_LINES,
                          demo_mode: bool = False, before_write: BeforeWrite | None = None,
                          secrets: SecretBox | None = None) -> ImportSummary:
    summary = ImportSummary(source)
    if secrets is None and (problems := _passwords_without_key(catalogue, lines)):
        raise CatalogueRefused(source, problems)
    try:
        async with database.engine.begin() as connection:
            if before_write is not None:
                await before_write(connection)
            if not demo_mode and await holds_demo(connection):
                # Going live: the demo goes first, so that the real file's ids and numbers are free and every
                # check below sees the real catalogue only.
                summary.demo_removed = await remove_demo(connection)
                summary.was_demo = True
            known = await load_known(connection, catalogue)
            problems = check(catalogue, known, lines)
            if problems:
                raise CatalogueRefused(source, problems)
            await write(connection, catalogue, known, summary, demo_mode=demo_mode, secrets=secrets)
    except IntegrityError as exc:
        # What the checks cannot foresee (another process writing the same rows meanwhile): still all or nothing.
        raise CatalogueRefused(source, [Problem("database_refused", params={"detail": _first_line(exc)})]) from exc
    except DBAPIError as exc:
        raise CatalogueRefused(source, [Problem("database_refused", params={"detail": _first_line(exc)})]) from exc
    return summary


def _first_line(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0][:300] if str(original).strip() else type(original).__name__
