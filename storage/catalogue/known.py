"""What the database already holds that a catalogue file refers to: ids it references without defining, the
documents and Telegram ids it claims, the ticket numbers it brings. A file may lean on rows imported earlier (a
re-import of only customers names units that are already there)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.catalogue.schema import Catalogue

CHUNK = 5_000  # bound parameters per statement: well under SQLite's and asyncpg's limits


def chunked(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def rows_where_in(connection: AsyncConnection, columns: list, key, values: Iterable[Any]) -> list:
    """`SELECT columns WHERE key IN values` for any number of values, in one statement where the database allows
    (an array on PostgreSQL, a JSON array on SQLite): a catalogue of 100k customers must not mean 20 statements of
    5,000 expanded parameters each. Plain columns only (no type conversion: booleans may come back as 0/1)."""
    wanted = sorted(set(values))
    if not wanted:
        return []
    preparer = connection.dialect.identifier_preparer
    table = preparer.format_table(key.table)
    names = ", ".join(preparer.quote(c.name) for c in columns)
    if connection.dialect.name == "postgresql":
        sql = f"SELECT {names} FROM {table} WHERE {preparer.quote(key.name)} = ANY($1)"
        return list((await connection.exec_driver_sql(sql, (wanted,))).all())
    if connection.dialect.name == "sqlite":
        sql = f"SELECT {names} FROM {table} WHERE {preparer.quote(key.name)} IN (SELECT value FROM json_each(?))"
        return list((await connection.exec_driver_sql(sql, (json.dumps(wanted),))).all())
    rows: list = []
    for batch in chunked(wanted):
        rows.extend((await connection.execute(select(*columns).where(key.in_(batch)))).all())
    return rows


@dataclass
class StaffRow:
    id: int
    telegram_user_id: int | None
    name: str = ""
    active: bool = True
    smtp_password: str | None = None  # as stored (encrypted)


@dataclass
class Known:
    staff: dict[str, StaffRow] = field(default_factory=dict)  # every staff user, by login
    ticket_types: set[int] = field(default_factory=set)
    empreendimentos: set[int] = field(default_factory=set)
    obras: dict[int, int] = field(default_factory=dict)  # obra → its empreendimento
    units: dict[int, tuple[int, int | None]] = field(default_factory=dict)  # unit → (empreendimento, obra)
    subjects: dict[int, bool] = field(default_factory=dict)  # subject → return_call
    customers: set[int] = field(default_factory=set)
    document_owners: dict[str, int] = field(default_factory=dict)  # a file's document → the customer holding it
    ticket_numbers: set[int] = field(default_factory=set)  # the file's ticket numbers already in the database


async def load_known(connection: AsyncConnection, catalogue: Catalogue) -> Known:
    c = catalogue
    known = Known()
    for row in await connection.execute(select(t.staff_users.c.login, t.staff_users.c.id,
                                               t.staff_users.c.telegram_user_id, t.staff_users.c.name,
                                               t.staff_users.c.active, t.staff_users.c.smtp_password)):
        known.staff[row.login] = StaffRow(row.id, row.telegram_user_id, row.name, bool(row.active),
                                          row.smtp_password)

    type_ids = {x.id for x in c.ticket_types}
    wanted = {i for s in c.subjects for i in s.types} | {x.type for x in c.tickets}
    known.ticket_types = {r.id for r in await rows_where_in(
        connection, [t.ticket_types.c.id], t.ticket_types.c.id, wanted - type_ids)}

    emp_ids = {x.id for x in c.empreendimentos}
    wanted = {i for s in c.subjects for i in s.empreendimentos} | {u.empreendimento for u in c.units}
    known.empreendimentos = {r.id for r in await rows_where_in(
        connection, [t.empreendimentos.c.id], t.empreendimentos.c.id, wanted - emp_ids)}

    obra_ids = {o.id for e in c.empreendimentos for o in e.obras}
    wanted = {u.obra for u in c.units if u.obra is not None}
    known.obras = {r.id: r.empreendimento_id for r in await rows_where_in(
        connection, [t.obras.c.id, t.obras.c.empreendimento_id], t.obras.c.id, wanted - obra_ids)}

    unit_ids = {u.id for u in c.units}
    wanted = {i for x in c.customers for i in x.units} | {x.unit for x in c.tickets if x.unit is not None}
    known.units = {r.id: (r.empreendimento_id, r.obra_id) for r in await rows_where_in(
        connection, [t.units.c.id, t.units.c.empreendimento_id, t.units.c.obra_id], t.units.c.id,
        wanted - unit_ids)}

    subject_ids = {s.id for s in c.subjects}
    known.subjects = {r.id: bool(r.return_call) for r in await rows_where_in(
        connection, [t.subjects.c.id, t.subjects.c.return_call], t.subjects.c.id,
        {x.subject for x in c.tickets} - subject_ids)}

    customer_ids = {x.id for x in c.customers}
    known.customers = {r.id for r in await rows_where_in(
        connection, [t.customers.c.id], t.customers.c.id, {x.customer for x in c.tickets} - customer_ids)}
    known.document_owners = {r.document: r.id for r in await rows_where_in(
        connection, [t.customers.c.document, t.customers.c.id], t.customers.c.document,
        {x.cpf for x in c.customers})}

    known.ticket_numbers = {r.number for r in await rows_where_in(
        connection, [t.tickets.c.number], t.tickets.c.number, {x.number for x in c.tickets})}
    return known
