"""Two people resolve the same stage at the same moment: the stage changes once, never twice.

PostgreSQL lets both load the ticket; the version column of the ticket row makes the second commit fail with
ConcurrentChange. SQLite takes the write lock when a unit of work begins, so the second waits and then finds the
stage already resolved (StageNotPending).
"""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from domain.errors import ConcurrentChange, StageNotPending
from domain.services.queries import StaffQueries
from domain.services.tickets import TicketService
from domain.statuses import StageStatus
from storage import tables as t
from tests.support.builders import build_catalogue, staff_user


async def assert_resolved_once(db, uow_factory, number: int) -> None:
    details = await StaffQueries(uow_factory).ticket(number)
    assert [(s.position, s.status) for s in details.stages] == [(1, StageStatus.RESOLVIDA), (2, StageStatus.PENDENTE)]
    assert len(details.stages[0].notes) == 1  # one resolution's observation, not two
    async with db.engine.connect() as connection:
        def count(table, *where):
            return connection.execute(select(func.count()).select_from(table).where(*where))

        assert (await count(t.change_log, t.change_log.c.change == "status")).scalar_one() == 1
        assert (await count(t.outbox, t.outbox.c.key.like("c:stage:%:resolvida"))).scalar_one() == 1
        assert (await count(t.pendencias)).scalar_one() == 2  # the first stage's and the Reparo's


async def test_resolving_the_same_stage_twice_at_once_changes_it_once(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    joao, maria = await staff_user(db, "joao"), await staff_user(db, "maria")
    number = (await service.open_ticket(cat.ana, cat.request())).ticket_number

    results = await asyncio.gather(
        service.resolve_stage(joao, number, 1, "Vistoria feita pelo João."),
        service.resolve_stage(maria, number, 1, "Vistoria feita pela Maria."),
        return_exceptions=True,
    )

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1, results
    assert isinstance(failures[0], (ConcurrentChange, StageNotPending)), failures
    await assert_resolved_once(db, uow_factory, number)


@pytest.mark.backends("postgresql")
async def test_postgresql_refuses_the_second_writer_of_the_same_version(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    number = (await service.open_ticket(cat.ana, cat.request())).ticket_number
    joao, maria = await staff_user(db, "joao"), await staff_user(db, "maria")

    async with uow_factory() as first, uow_factory() as second:
        subject = await first.catalogue.subject(cat.infiltracao)
        mine, theirs = await first.tickets.get(number), await second.tickets.get(number)
        mine.resolve_stage(1, clock.now(), subject, None, note="Feita.", author=joao.name)
        theirs.resolve_stage(1, clock.now(), subject, None, note="Também feita.", author=maria.name)
        await first.flush()
        await first.commit()
        with pytest.raises(ConcurrentChange):
            await second.flush()

    # The service on top of it: loaded after the change, it sees the stage resolved.
    with pytest.raises(StageNotPending):
        await service.resolve_stage(maria, number, 1)
    details = await StaffQueries(uow_factory).ticket(number)
    assert [n.text for n in details.stages[0].notes] == ["Feita."]
    assert details.stages[0].status is StageStatus.RESOLVIDA


@pytest.mark.backends("sqlite")
async def test_sqlite_serialises_the_writers(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    joao, maria = await staff_user(db, "joao"), await staff_user(db, "maria")
    number = (await service.open_ticket(cat.ana, cat.request())).ticket_number

    async with uow_factory() as first:
        subject = await first.catalogue.subject(cat.infiltracao)
        mine = await first.tickets.get(number)  # the write lock is taken here, with the first statement
        theirs = asyncio.create_task(service.resolve_stage(maria, number, 1, "Também feita."))
        await asyncio.sleep(0.2)
        assert not theirs.done()  # waiting for the lock, not reading the ticket as it was
        mine.resolve_stage(1, clock.now(), subject, None, note="Feita.", author=joao.name)
        await first.commit()

    with pytest.raises(StageNotPending):
        await theirs
    details = await StaffQueries(uow_factory).ticket(number)
    assert [n.text for n in details.stages[0].notes] == ["Feita."]
