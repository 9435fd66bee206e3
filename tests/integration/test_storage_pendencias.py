"""A pendência is open exactly while its stage is Pendente on a ticket that is not final — whoever wrote the change."""
from __future__ import annotations

from sqlalchemy import text

from domain.pendencias import PendenciaKind
from domain.services.queries import StaffQueries
from domain.services.tickets import TicketService
from domain.statuses import StageStatus, TicketStatus
from tests.support.builders import build_catalogue, staff_user


async def open_pendencias(uow_factory, only_for=None) -> list[tuple[int, int, str, str | None]]:
    """(ticket number, stage position, kind, responsible login) of every open pendência."""
    views = await StaffQueries(uow_factory).open_pendencias(only_for)
    return [(v.ticket_number, v.stage_position, v.kind, v.responsible_login) for v in views]


async def execute(db, statement: str, **params) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text(statement), params)


async def test_pendencias_follow_the_stages_the_services_change(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    joao, maria = await staff_user(db, "joao"), await staff_user(db, "maria")
    leak = (await service.open_ticket(cat.ana, cat.request())).ticket_number
    clock.advance(minutes=5)
    wiring = (await service.open_ticket(cat.ana, cat.request(subject=cat.eletrica))).ticket_number

    assert await open_pendencias(uow_factory) == [
        (leak, 1, PendenciaKind.NEW_TICKET, "joao"),  # due in 3 days comes first
        (wiring, 1, PendenciaKind.NEW_TICKET, "maria"),  # no due date: last
    ]
    assert await open_pendencias(uow_factory, maria) == [(wiring, 1, PendenciaKind.NEW_TICKET, "maria")]

    await service.resolve_stage(joao, leak, 1)
    assert await open_pendencias(uow_factory, joao) == [(leak, 2, PendenciaKind.STAGE, "joao")]

    await service.cancel(maria, wiring, "Aberto por engano.")
    assert await open_pendencias(uow_factory, maria) == []

    await service.resolve_stage(joao, leak, 2)  # → A Retornar, which is not final: a new stage is still worked
    await service.add_stage(joao, leak, "Retorno à cliente", "@maria")
    [view] = await StaffQueries(uow_factory).open_pendencias()
    assert (view.ticket_number, view.ticket_status, view.stage_position, view.stage_status) == (
        leak, TicketStatus.A_RETORNAR, 3, StageStatus.PENDENTE
    )


async def test_pendencias_close_when_another_system_writes_the_tables(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    leak = (await service.open_ticket(cat.ana, cat.request())).ticket_number
    wiring = (await service.open_ticket(cat.ana, cat.request(subject=cat.eletrica))).ticket_number
    assert len(await open_pendencias(uow_factory)) == 2

    # The ERP resolves the vistoria itself: no template stage follows, and the pendência is closed all the same.
    await execute(
        db,
        "UPDATE stages SET status = 'Resolvida', completed_at = CURRENT_TIMESTAMP "
        "WHERE position = 1 AND ticket_id = (SELECT id FROM tickets WHERE number = :number)",
        number=leak,
    )
    assert await open_pendencias(uow_factory) == [(wiring, 1, PendenciaKind.NEW_TICKET, "maria")]

    # The ERP closes the other ticket, leaving its stage Pendente: a final ticket has no open pendência.
    await execute(db, "UPDATE tickets SET status = 'Encerrado', closed_at = CURRENT_TIMESTAMP WHERE number = :number",
                  number=wiring)
    assert await open_pendencias(uow_factory) == []

    # And when the ERP puts the stage back to Pendente on an open ticket, it is open again.
    await execute(
        db,
        "UPDATE stages SET status = 'Pendente', completed_at = NULL "
        "WHERE ticket_id = (SELECT id FROM tickets WHERE number = :number)",
        number=leak,
    )
    assert await open_pendencias(uow_factory) == [(leak, 1, PendenciaKind.NEW_TICKET, "joao")]
