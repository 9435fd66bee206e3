"""Ticket numbers stay unique when two processes open atendimentos at once, and step over numbers written by others."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from domain.clock import SystemClock
from domain.services.tickets import TicketService
from storage import tables as t
from storage.database import connect
from storage.uow import SqlUnitOfWorkFactory
from tests.support.builders import build_catalogue, insert_ticket
from tests.support.databases import run_sync

ROOT = Path(__file__).resolve().parents[2]
PER_PROCESS = 40


async def run_processes(database_url: str, customer_id: int, request, processes: int = 2) -> list[list[int]]:
    """Starts the processes, lets them connect, then tells them all to go at once; returns each one's numbers."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    args = [database_url, str(PER_PROCESS), str(customer_id), json.dumps(dataclasses.asdict(request))]
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.support.open_tickets", *args, cwd=ROOT, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    try:
        for child in children:
            line = await asyncio.wait_for(child.stdout.readline(), 60)
            if line.strip() != b"ready":
                raise AssertionError(line + await child.stderr.read())
        for child in children:
            child.stdin.write(b"go\n")
            await child.stdin.drain()
        results = [await asyncio.wait_for(child.communicate(), 120) for child in children]
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
    for child, (out, err) in zip(children, results):
        assert child.returncode == 0, err.decode()
    return [json.loads(out) for out, _ in results]


async def ticket_numbers(db) -> list[int]:
    async with db.engine.connect() as connection:
        return list((await connection.execute(select(t.tickets.c.number).order_by(t.tickets.c.id))).scalars())


async def test_two_processes_opening_tickets_at_once_get_unique_numbers(db, database_url, clock):
    cat = await build_catalogue(db)
    # Written by the ERP just before: both processes must step over it at the same moment, too.
    await insert_ticket(db, number=300, customer_id=cat.bruno, subject_id=cat.infiltracao,
                        type_id=cat.assistencia, created_at=clock.now())

    first, second = await run_processes(database_url, cat.ana, cat.request())

    for numbers in (first, second):
        assert len(numbers) == PER_PROCESS
        assert numbers == sorted(numbers) and len(set(numbers)) == PER_PROCESS  # only increasing, per process
        assert min(numbers) > 300
    assert len(set(first) | set(second)) == 2 * PER_PROCESS
    assert sorted(await ticket_numbers(db)) == sorted([300, *first, *second])
    async with db.engine.connect() as connection:  # every ticket is whole: its first stage and its pendência
        for table in (t.stages, t.pendencias):
            assert (await connection.execute(select(func.count()).select_from(table))).scalar_one() == 2 * PER_PROCESS


async def test_a_number_written_by_another_system_is_stepped_over(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    assert (await service.open_ticket(cat.ana, cat.request())).ticket_number == 1

    await insert_ticket(db, number=1000, customer_id=cat.bruno, subject_id=cat.infiltracao,
                        type_id=cat.assistencia, created_at=clock.now())
    assert (await service.open_ticket(cat.ana, cat.request())).ticket_number == 1001
    assert (await service.open_ticket(cat.ana, cat.request())).ticket_number == 1002

    # A number far ahead (an ERP with its own long history) is stepped over in one go, too.
    await insert_ticket(db, number=5_000_000_000, customer_id=cat.bruno, subject_id=cat.infiltracao,
                        type_id=cat.assistencia, created_at=clock.now())
    assert (await service.open_ticket(cat.ana, cat.request())).ticket_number == 5_000_000_001
    assert await ticket_numbers(db) == [1, 1000, 1001, 1002, 5_000_000_000, 5_000_000_001]


@pytest.mark.backends("postgresql")  # SQLite creators take the write lock first and never interleave
@pytest.mark.parametrize("written", [1000, 5_000_000_000])
async def test_two_creators_stepping_over_the_same_written_number_get_different_numbers(
    db, database_url, uow_factory, clock, written
):
    """The moment that matters, made to happen: process A has seen that another system wrote `written` and is about
    to move the ticket sequence past it, when process B opens an atendimento from start to commit."""
    cat = await build_catalogue(db)
    await insert_ticket(db, number=written, customer_id=cat.bruno, subject_id=cat.infiltracao,
                        type_id=cat.assistencia, created_at=clock.now())
    b_numbers: list[int] = []
    seen = 0

    def b_opens_one_when_a_corrects(_conn, _cursor, statement, *_args) -> None:
        nonlocal seen
        if seen == 0 and "ticket_number_seq" in statement:
            seen = 1  # A's first look at the sequence: it will see `written` and correct with its next statement
        elif seen == 1:
            seen = 2
            # B gets its own engine, thread and event loop; should it wait for A (a lock), it fails instead of hanging.
            b_numbers.append(run_sync(asyncio.wait_for(open_one(database_url, cat), 20)))

    event.listen(db.engine.sync_engine, "before_cursor_execute", b_opens_one_when_a_corrects)
    try:
        a_number = (await TicketService(uow_factory, clock).open_ticket(cat.ana, cat.request())).ticket_number
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", b_opens_one_when_a_corrects)

    assert seen == 2 and len(b_numbers) == 1  # B did run in between
    assert b_numbers[0] > written and a_number > written and a_number != b_numbers[0]
    assert sorted(await ticket_numbers(db)) == sorted([written, a_number, b_numbers[0]])


async def open_one(database_url: str, cat) -> int:
    database = connect(database_url)
    try:
        service = TicketService(SqlUnitOfWorkFactory(database), SystemClock())
        return (await service.open_ticket(cat.bruno, cat.request(unit=cat.torre_a_102))).ticket_number
    finally:
        await database.dispose()
