"""The triggers journal every change the customer must hear about into change_log, whoever writes it."""
from __future__ import annotations

from sqlalchemy import delete, select, text

from domain.services.tickets import TicketService
from storage import tables as t
from tests.support.builders import build_catalogue, staff_user


async def journal(db) -> list[tuple]:
    """(entity, row_id, ticket_id, change, status) of each change_log row, oldest first; then empties it."""
    async with db.engine.begin() as connection:
        rows = await connection.execute(
            select(t.change_log.c.entity, t.change_log.c.row_id, t.change_log.c.ticket_id, t.change_log.c.change,
                   t.change_log.c.status).order_by(t.change_log.c.id)
        )
        found = [tuple(r) for r in rows]
        await connection.execute(delete(t.change_log))
    return found


async def execute(db, statement: str, **params) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text(statement), params)


async def ids(db, table) -> list[int]:
    async with db.engine.connect() as connection:
        return list((await connection.execute(select(table.c.id).order_by(table.c.id))).scalars())


async def test_changes_written_by_the_services_are_journaled(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    joao = await staff_user(db, "joao")
    number = (await service.open_ticket(cat.ana, cat.request())).ticket_number
    [ticket] = await ids(db, t.tickets)
    [first] = await ids(db, t.stages)
    assert await journal(db) == [("stage", first, ticket, "insert", "Pendente")]

    await service.resolve_stage(joao, number, 1, "Vistoria feita.")
    second = (await ids(db, t.stages))[-1]
    [note] = await ids(db, t.notes)
    assert sorted(await journal(db)) == sorted([
        ("note", note, ticket, "insert", None),
        ("stage", first, ticket, "status", "Resolvida"),
        ("stage", second, ticket, "insert", "Pendente"),
    ])

    await service.resolve_stage(joao, number, 2)
    assert sorted(await journal(db)) == sorted([
        ("stage", second, ticket, "status", "Resolvida"),
        ("ticket", ticket, ticket, "status", "A Retornar"),
    ])
    await service.close(joao, number)
    assert await journal(db) == [("ticket", ticket, ticket, "status", "Encerrado")]


async def test_changes_written_straight_into_the_tables_are_journaled(db, uow_factory, clock):
    cat = await build_catalogue(db)
    await TicketService(uow_factory, clock).open_ticket(cat.ana, cat.request())
    [ticket] = await ids(db, t.tickets)
    [stage] = await ids(db, t.stages)
    await journal(db)

    # The ERP writes an observation, resolves the stage and closes the atendimento, in plain SQL.
    await execute(db, "INSERT INTO notes (stage_id, created_at, author, text) "
                      "VALUES (:stage, CURRENT_TIMESTAMP, 'Portal', 'Técnico agendado para segunda-feira.')",
                  stage=stage)
    [note] = await ids(db, t.notes)
    await execute(db, "UPDATE stages SET status = 'Resolvida', completed_at = CURRENT_TIMESTAMP WHERE id = :id",
                  id=stage)
    await execute(db, "UPDATE tickets SET status = 'Encerrado', closed_at = CURRENT_TIMESTAMP WHERE id = :id",
                  id=ticket)
    await execute(db, "INSERT INTO stages (ticket_id, position, description, status, created_at) "
                      "VALUES (:ticket, 2, 'Garantia', 'Pendente', CURRENT_TIMESTAMP)", ticket=ticket)
    added = (await ids(db, t.stages))[-1]

    assert await journal(db) == [
        ("note", note, ticket, "insert", None),
        ("stage", stage, ticket, "status", "Resolvida"),
        ("ticket", ticket, ticket, "status", "Encerrado"),
        ("stage", added, ticket, "insert", "Pendente"),
    ]


async def test_an_update_that_keeps_the_status_journals_nothing(db, uow_factory, clock):
    cat = await build_catalogue(db)
    await TicketService(uow_factory, clock).open_ticket(cat.ana, cat.request())
    await journal(db)

    await execute(db, "UPDATE stages SET status = 'Pendente', description = 'Vistoria técnica (reagendada)'")
    await execute(db, "UPDATE stages SET due_at = CURRENT_TIMESTAMP")
    await execute(db, "UPDATE tickets SET status = 'Aberto', description = 'Infiltração no quarto e na sala.'")
    await execute(db, "UPDATE tickets SET updated_at = CURRENT_TIMESTAMP, version = version + 1")
    await execute(db, "UPDATE notes SET text = 'nada' WHERE 1 = 0")

    assert await journal(db) == []
