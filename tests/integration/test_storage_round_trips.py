"""Ana opens an atendimento and staff work it: what the services write reads back the same, from a new session."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.services.queries import CustomerQueries, StaffQueries
from domain.services.tickets import TicketService
from domain.statuses import StageStatus, TicketStatus
from tests.support.builders import LEAK, build_catalogue, staff_user

SAO_PAULO = timezone(timedelta(hours=-3))


def assert_utc(*moments: datetime | None) -> None:
    for moment in moments:
        if moment is not None:
            assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0), moment


async def test_an_opened_ticket_reads_back_with_every_name_resolved(db, uow_factory, clock):
    cat = await build_catalogue(db)
    # Written as an aware local time with microseconds: read back as the same instant, in UTC, to the microsecond.
    clock.at = datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=SAO_PAULO)

    outcome = await TicketService(uow_factory, clock).open_ticket(cat.ana, cat.request())

    assert outcome.ticket_number == 1
    assert outcome.ticket_status is TicketStatus.ABERTO
    details = await CustomerQueries(uow_factory).ticket_details(cat.ana, outcome.ticket_number)
    assert details == await StaffQueries(uow_factory).ticket(str(outcome.ticket_number))
    assert (details.number, details.status, details.description, details.origin) == (
        1, TicketStatus.ABERTO, LEAK, "bot"
    )
    assert details.customer_id == cat.ana and details.customer_name == "Ana Souza"
    assert (details.type_name, details.subject_name, details.subject_enabled) == (
        "Assistência técnica", "Infiltração", True
    )
    assert (details.empreendimento_name, details.obra_name, details.unit_label, details.unit_items) == (
        "Residencial Jardins", "Torre A", "Torre A - Apto 101", ("Apartamento 101", "Vaga 12")
    )
    assert details.created_at == datetime(2026, 11, 27, 12, 30, 15, 123456, tzinfo=UTC)
    assert details.closed_at is None and details.cancel_reason is None
    [stage] = details.stages
    assert (stage.position, stage.description, stage.status) == (1, "Vistoria técnica", StageStatus.PENDENTE)
    assert (stage.responsible_id, stage.responsible_name) == (cat.staff["joao"], "João Silva")
    assert stage.created_at == details.created_at
    assert stage.due_at == details.created_at + timedelta(days=3)
    assert stage.completed_at is None and stage.notes == ()
    assert_utc(details.created_at, stage.created_at, stage.due_at)


async def test_every_staff_operation_persists(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    joao, maria = await staff_user(db, "joao"), await staff_user(db, "maria")
    opened_at = clock.now()
    number = (await service.open_ticket(cat.ana, cat.request())).ticket_number

    clock.advance(hours=1)
    resolved_at = clock.now()
    outcome = await service.resolve_stage(joao, number, 1, "Vistoria feita, a calha está entupida.")
    assert [s.description for s in outcome.created_stages] == ["Reparo"]  # the next template stage
    clock.advance(minutes=10)
    await service.add_note(maria, number, 2, "Material comprado.")
    clock.advance(minutes=10)
    await service.add_stage(joao, number, "Pintura da parede", "@maria")
    clock.advance(minutes=10)
    await service.cancel_stage(maria, number, 3, "Não será necessária.")
    clock.advance(days=2)
    done_at = clock.now()
    outcome = await service.resolve_stage(joao, number, 2)
    assert outcome.status_changed_to is TicketStatus.A_RETORNAR  # Infiltração asks for a return call
    clock.advance(hours=3)
    closed_at = clock.now()
    await service.close(maria, number, "Cliente satisfeita com o reparo.")

    details = await StaffQueries(uow_factory).ticket(number)
    assert details.status is TicketStatus.ENCERRADO and details.closed_at == closed_at
    assert [(s.position, s.description, s.status, s.responsible_name) for s in details.stages] == [
        (1, "Vistoria técnica", StageStatus.RESOLVIDA, "João Silva"),
        (2, "Reparo", StageStatus.RESOLVIDA, "João Silva"),  # nobody in the template: the subject's responsible
        (3, "Pintura da parede", StageStatus.CANCELADA, "Maria Oliveira"),
    ]
    first, second, third = details.stages
    assert (first.created_at, first.completed_at) == (opened_at, resolved_at)
    assert (second.created_at, second.completed_at, second.due_at) == (
        resolved_at, done_at, resolved_at + timedelta(days=7)
    )
    assert third.due_at is None and third.completed_at == resolved_at + timedelta(minutes=30)
    assert [(n.author, n.text) for n in first.notes] == [("João Silva", "Vistoria feita, a calha está entupida.")]
    assert [(n.created_at, n.author, n.text) for n in second.notes] == [
        (resolved_at + timedelta(minutes=10), "Maria Oliveira", "Material comprado.")
    ]
    assert [(n.created_at, n.author, n.text) for n in third.notes] == [
        (resolved_at + timedelta(minutes=30), "Maria Oliveira", "Não será necessária."),
        (closed_at, "Maria Oliveira", "Cliente satisfeita com o reparo."),  # the closing note goes on the last stage
    ]
    for stage in details.stages:
        assert_utc(stage.created_at, stage.completed_at, stage.due_at, *(n.created_at for n in stage.notes))
    assert_utc(details.created_at, details.closed_at)
    [line] = (await CustomerQueries(uow_factory).my_tickets(cat.ana)).items  # and the line of /meus agrees
    assert (line.number, line.status, line.created_at, line.closed_at) == (
        number, TicketStatus.ENCERRADO, opened_at, closed_at
    )
    assert_utc(line.created_at, line.closed_at)


async def test_mark_a_retornar_then_close_persist(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    maria = await staff_user(db, "maria")
    number = (await service.open_ticket(cat.ana, cat.request(subject=cat.eletrica))).ticket_number
    details = await StaffQueries(uow_factory).ticket(number)
    assert details.stages[0].responsible_name == "Maria Oliveira"  # nobody named: the configured responsible

    clock.advance(hours=1)
    await service.cancel_stage(maria, number, 1, "Cliente resolveu sozinha.")
    assert (await StaffQueries(uow_factory).ticket(number)).status is TicketStatus.ABERTO  # nothing was resolved
    clock.advance(hours=1)
    await service.mark_a_retornar(maria, number)
    assert (await StaffQueries(uow_factory).ticket(number)).status is TicketStatus.A_RETORNAR
    clock.advance(hours=1)
    await service.close(maria, number)

    details = await StaffQueries(uow_factory).ticket(number)
    assert (details.status, details.closed_at) == (TicketStatus.ENCERRADO, clock.now())


@pytest.mark.parametrize("by", ["staff", "customer"])
async def test_a_cancelled_ticket_persists_with_its_reason(db, uow_factory, clock, by):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    number = (await service.open_ticket(cat.ana, cat.request())).ticket_number

    clock.advance(hours=2)
    if by == "staff":
        await service.cancel(await staff_user(db, "joao"), number, "Aberto em duplicidade.")
    else:
        await service.cancel_by_customer(cat.ana, number, "Aberto em duplicidade.")

    details = await CustomerQueries(uow_factory).ticket_details(cat.ana, number)
    assert (details.status, details.closed_at, details.cancel_reason) == (
        TicketStatus.CANCELADO, clock.now(), "Aberto em duplicidade."
    )
    [stage] = details.stages
    assert (stage.status, stage.completed_at) == (StageStatus.CANCELADA, clock.now())
    assert not details.can_be_cancelled
