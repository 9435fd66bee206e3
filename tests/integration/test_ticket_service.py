"""The use cases that change atendimentos, through the real storage on SQLite and PostgreSQL: what is saved, raised and
recorded to be told."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from domain.errors import (
    CancelAfterResolution,
    ChoiceNotAllowed,
    DomainError,
    FollowingNotOffered,
    InvalidText,
    StaffNotFound,
    StagesStillPending,
    TicketIsFinal,
    TicketNotFound,
)
from domain.notifications import Audience
from domain.pendencias import MessageKind, PendenciaKind
from domain.services.tickets import CreatedStage, NewTicketRequest
from domain.statuses import ServiceMode, StageStatus, TicketOrigin, TicketStatus, Visibility
from domain.tickets import Ticket
from tests.support import sample_catalogue as c
from tests.support.sql_store import service, store  # noqa: F401 - fixtures

LEAK = NewTicketRequest(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.JARDINS.id, c.TORRE_A_101.id,
                        "Mancha de umidade no teto do quarto")
BOLETO = NewTicketRequest(c.SOLICITACAO.id, c.BOLETO.id, c.AGUAS.id, c.CASA_3.id, "Preciso da segunda via de março")
PIPES = NewTicketRequest(c.ASSISTENCIA.id, c.VAZAMENTO.id, c.AGUAS.id, c.CASA_3.id, "Vazamento embaixo da pia")


async def refused(store, error: type[DomainError], call) -> DomainError:
    """The use case raises `error` and the database is exactly as it was."""
    before = await store.snapshot()
    with pytest.raises(error) as caught:
        await call
    assert await store.snapshot() == before
    return caught.value


# --- opening ------------------------------------------------------------------------------------------------------
async def test_ana_opens_an_atendimento_about_a_leak_in_torre_a_101(service, store, clock):
    outcome = await service.open_ticket(c.ANA.id, LEAK)

    due = clock.now() + timedelta(days=3)
    assert outcome.ticket_number == 1 and outcome.ticket_status is TicketStatus.ABERTO
    assert outcome.created_stages == (CreatedStage(1, "Vistoria técnica", c.JOAO.id, due),)
    assert outcome.status_changed_to is None

    ticket = (await store.ticket(1))
    assert (ticket.customer_id, ticket.type_id, ticket.subject_id) == (c.ANA.id, c.ASSISTENCIA.id, c.INFILTRACAO.id)
    assert (ticket.empreendimento_id, ticket.obra_id, ticket.unit_id) == (100, 1001, 5000)
    assert ticket.return_call and ticket.origin == TicketOrigin.BOT
    assert ticket.description == "Mancha de umidade no teto do quarto"
    assert ticket.created_at == clock.now() and ticket.closed_at is None
    [stage] = ticket.stages
    assert (stage.position, stage.template_position, stage.status) == (1, 1, StageStatus.PENDENTE)

    [pendencia] = (await store.pendencias())
    assert pendencia.kind is PendenciaKind.NEW_TICKET
    assert (pendencia.staff_id, pendencia.ticket_id, pendencia.stage_id) == (c.JOAO.id, ticket.id, stage.id)
    assert pendencia.due_at == due

    [message] = (await store.messages())
    assert (message.kind, message.to_staff_id, message.ticket_id) == (MessageKind.PENDENCIA, c.JOAO.id, ticket.id)
    assert message.params == {"pendencia_id": pendencia.id, "ticket_number": 1, "stage_position": 1}

    p = pendencia.id
    assert (await store.states()) == {
        f"c:stage:{stage.id}:new": "skipped",  # the confirmation already told Ana
        f"g:pendencia:{p}": "pending",
        f"u:{c.JOAO.id}:pendencia:{p}": "pending",
        f"e:pendencia:{p}": "pending",
    }
    skipped = (await store.outbox())[f"c:stage:{stage.id}:new"]
    assert skipped.skip_reason == "covered_by_confirmation"
    group = (await store.outbox())[f"g:pendencia:{p}"]
    assert Audience(group.audience) is Audience.STAFF_GROUP
    assert group.payload["ticket_number"] == 1 and group.payload["customer_name"] == "Ana Souza"
    assert group.payload["unit_label"] == "Torre A - Apto 101" and group.payload["responsible_login"] == "joao"
    assert datetime.fromisoformat(group.payload["due_at"]) == due


async def test_numbers_follow_one_another_and_step_over_numbers_written_elsewhere(service, store, clock):
    assert (await service.open_ticket(c.ANA.id, LEAK)).ticket_number == 1
    assert (await service.open_ticket(c.ANA.id, BOLETO)).ticket_number == 2
    await store.write_ticket(Ticket(40, c.BRUNO.id, 1, c.INFILTRACAO.id, "Registrado no balcão", clock.now(),
                                origin=TicketOrigin.COUNTER))
    assert (await service.open_ticket(c.BRUNO.id, LEAK)).ticket_number == 41


async def test_a_subject_without_a_template_still_gets_one_stage_for_its_responsible(service, store):
    outcome = await service.open_ticket(c.ANA.id, BOLETO)
    assert outcome.created_stages == (CreatedStage(1, "Segunda via de boleto", c.MARIA.id, None),)
    assert (await store.ticket(1)).stages[0].template_position is None
    assert not (await store.ticket(1)).return_call


async def test_a_template_naming_nobody_goes_to_the_configured_responsible(service, store):
    outcome = await service.open_ticket(c.ANA.id, PIPES)
    assert outcome.created_stages[0].responsible_id == c.MARIA.id  # Vazamento names nobody: the configuration
    assert (await store.pendencias())[0].staff_id == c.MARIA.id


async def test_a_pendencia_for_nobody_goes_to_the_group_only(service, store):
    await store.set_config(replace(c.CONFIG, responsible_id=None))
    await service.open_ticket(c.ANA.id, PIPES)
    [pendencia] = (await store.pendencias())
    assert pendencia.staff_id is None
    assert set(await store.states("g:")) == {f"g:pendencia:{pendencia.id}"}
    assert (await store.states("u:")) == {} and (await store.states("e:")) == {}


@pytest.mark.parametrize(
    "forged",
    [
        replace(LEAK, type_id=c.INFORMACAO.id),
        replace(LEAK, subject_id=c.RACHADURA.id),  # not enabled for the bot
        replace(LEAK, subject_id=c.PORTAO.id),  # no unit of Ana's there
        replace(LEAK, empreendimento_id=c.AGUAS.id),
        replace(LEAK, unit_id=c.LOTE_7.id),  # Bruno's
        replace(LEAK, unit_id=c.CASA_3.id),  # Ana's, in another empreendimento
    ],
)
async def test_a_forged_choice_saves_nothing(service, store, forged):
    await refused(store, ChoiceNotAllowed, service.open_ticket(c.ANA.id, forged))


async def test_a_description_too_short_saves_nothing(service, store):
    await refused(store, InvalidText, service.open_ticket(c.ANA.id, replace(LEAK, description="ok")))


async def test_two_owners_of_one_unit_each_open_their_own(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await service.open_ticket(c.BRUNO.id, LEAK)
    assert [(await store.ticket(n)).customer_id for n in (1, 2)] == [c.ANA.id, c.BRUNO.id]


# --- staff ----------------------------------------------------------------------------------------------------------
async def test_staff_resolve_the_vistoria_then_the_reparo_and_the_ticket_waits_for_the_return_call(
    service, store, clock
):
    await service.open_ticket(c.ANA.id, LEAK)
    clock.advance(hours=2)
    outcome = await service.resolve_stage(c.JOAO, 1, 1, "Infiltração pela laje")
    assert outcome.created_stages == (CreatedStage(2, "Reparo", c.JOAO.id, clock.now() + timedelta(days=7)),)
    ticket = (await store.ticket(1))
    s1, s2 = ticket.ordered_stages()
    assert s1.status == StageStatus.RESOLVIDA and s1.completed_at == clock.now()
    assert [(n.text, n.author, n.author_staff_id) for n in s1.notes] == [("Infiltração pela laje", "João Silva", 1)]
    first, second = (await store.pendencias())
    assert second.kind is PendenciaKind.STAGE and second.stage_id == s2.id
    assert (await store.states("c:")) == {
        f"c:stage:{s1.id}:new": "skipped",
        f"c:note:{s1.notes[0].id}": "pending",
        f"c:stage:{s1.id}:resolvida": "pending",
        f"c:stage:{s2.id}:new": "pending",
    }
    assert f"g:pendencia:{second.id}" in (await store.states())

    clock.advance(days=1)
    outcome = await service.resolve_stage(c.JOAO, 1, 2)
    assert outcome.status_changed_to is TicketStatus.A_RETORNAR and outcome.created_stages == ()
    ticket = (await store.ticket(1))
    assert ticket.current_status is TicketStatus.A_RETORNAR and ticket.closed_at is None
    assert (await store.states(f"c:ticket:{ticket.id}")) == {f"c:ticket:{ticket.id}:a_retornar": "pending"}

    clock.advance(hours=1)
    outcome = await service.close(c.MARIA, 1, "Cliente confirmou o reparo")
    assert outcome.status_changed_to is TicketStatus.ENCERRADO
    ticket = (await store.ticket(1))
    assert ticket.closed_at == clock.now()
    assert ticket.stage(2).notes[-1].text == "Cliente confirmou o reparo"
    assert f"c:ticket:{ticket.id}:encerrado" in (await store.states())
    assert len((await store.pendencias())) == 2  # nothing new for anyone


async def test_staff_add_a_stage_for_themselves_or_for_someone_else(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    outcome = await service.add_stage(c.MARIA, 1, "Verificar a fachada")
    assert outcome.created_stages == (CreatedStage(2, "Verificar a fachada", c.MARIA.id, None),)
    outcome = await service.add_stage(c.MARIA, 1, "Orçar a pintura", "@joao")
    assert outcome.created_stages[0].responsible_id == c.JOAO.id
    assert [p.kind for p in (await store.pendencias())] == [PendenciaKind.NEW_TICKET, PendenciaKind.STAGE,
                                                      PendenciaKind.STAGE]
    ticket = (await store.ticket(1))
    assert (await store.states(f"c:stage:{ticket.stage(3).id}")) == {f"c:stage:{ticket.stage(3).id}:new": "pending"}


@pytest.mark.parametrize("login", ["@ninguem", "pedro"])  # unknown; no longer active
async def test_a_stage_for_an_unknown_or_inactive_login_is_refused(service, store, login):
    await service.open_ticket(c.ANA.id, LEAK)
    await refused(store, StaffNotFound, service.add_stage(c.MARIA, 1, "Verificar a fachada", login))


async def test_an_observation_is_told_to_the_customer(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await service.add_note(c.JOAO, 1, 1, "Vistoria marcada para sexta")
    note = (await store.ticket(1)).stage(1).notes[0]
    assert (note.text, note.author) == ("Vistoria marcada para sexta", "João Silva")
    notice = (await store.outbox())[f"c:note:{note.id}"]
    assert notice.state == "pending" and notice.payload["text"] == "Vistoria marcada para sexta"


async def test_cancelling_a_stage_and_marking_a_retornar(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await service.cancel_stage(c.JOAO, 1, 1, "Resolvido por telefone")
    ticket = (await store.ticket(1))
    assert ticket.current_status is TicketStatus.ABERTO and len(ticket.stages) == 1  # the template ended
    assert f"c:stage:{ticket.stage(1).id}:cancelada" in (await store.states())
    outcome = await service.mark_a_retornar(c.MARIA, 1)
    assert outcome.status_changed_to is TicketStatus.A_RETORNAR
    assert f"c:ticket:{ticket.id}:a_retornar" in (await store.states())


async def test_closing_with_pending_stages_saves_not_even_the_observation(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await refused(store, StagesStillPending, service.close(c.MARIA, 1, "Encerrando"))
    assert (await store.ticket(1)).stage(1).notes == []


async def test_staff_cancel_an_atendimento_and_the_customer_is_told(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    outcome = await service.cancel(c.MARIA, 1, "Aberto em duplicidade")
    assert outcome.status_changed_to is TicketStatus.CANCELADO
    ticket = (await store.ticket(1))
    assert ticket.cancel_reason == "Aberto em duplicidade" and ticket.closed_at is not None
    assert (await store.states("c:ticket")) == {f"c:ticket:{ticket.id}:cancelado": "pending"}
    assert (await store.states(f"c:stage:{ticket.stage(1).id}:cancelada")) == {
        f"c:stage:{ticket.stage(1).id}:cancelada": "pending"}
    assert (await store.messages())[-1].kind is MessageKind.PENDENCIA  # no message about a cancel by staff


async def test_nothing_changes_a_final_atendimento(service, store):
    await service.open_ticket(c.ANA.id, BOLETO)
    await service.resolve_stage(c.MARIA, 1, 1)
    assert (await store.ticket(1)).current_status is TicketStatus.ENCERRADO
    for call in (
        service.add_stage(c.MARIA, 1, "Mais uma etapa"),
        service.add_note(c.MARIA, 1, 1, "Mais uma observação"),
        service.resolve_stage(c.MARIA, 1, 1),
        service.cancel_stage(c.MARIA, 1, 1, "Motivo qualquer"),
        service.mark_a_retornar(c.MARIA, 1),
        service.close(c.MARIA, 1),
        service.cancel(c.MARIA, 1, "Motivo qualquer"),
    ):
        await refused(store, TicketIsFinal, call)


async def test_staff_acting_on_a_number_that_does_not_exist_get_not_found(service, store):
    for call in (
        service.add_stage(c.MARIA, 99, "Mais uma etapa"),
        service.add_note(c.MARIA, 99, 1, "Observação"),
        service.resolve_stage(c.MARIA, 99, 1),
        service.cancel_stage(c.MARIA, 99, 1, "Motivo qualquer"),
        service.mark_a_retornar(c.MARIA, 99),
        service.close(c.MARIA, 99),
        service.cancel(c.MARIA, 99, "Motivo qualquer"),
    ):
        await refused(store, TicketNotFound, call)


async def test_changes_to_a_ticket_of_a_hidden_subject_are_recorded_but_not_sent(service, store, clock):
    written = await store.write_ticket(Ticket(5, c.ANA.id, 1, c.RACHADURA.id, "Rachadura na parede da sala",
                                          clock.now(), origin=TicketOrigin.PHONE))
    await service.add_stage(c.JOAO, 5, "Vistoria estrutural")
    stage = (await store.ticket(5)).stage(1)
    notice = (await store.outbox())[f"c:stage:{stage.id}:new"]
    assert notice.state == "skipped" and notice.skip_reason == "subject_not_visible"
    assert written.id == (await store.ticket(5)).id


async def test_register_only_records_every_customer_push_as_skipped(service, store):
    await store.set_config(replace(c.CONFIG, mode=ServiceMode.REGISTER_ONLY))
    await service.open_ticket(c.ANA.id, LEAK)
    await service.resolve_stage(c.JOAO, 1, 1)
    customer_rows = [r for r in (await store.outbox()).values() if r.key.startswith("c:")]
    assert len(customer_rows) == 3
    assert {r.skip_reason for r in customer_rows[1:]} == {"register_only"}
    assert all(r.state == "skipped" for r in customer_rows)


# --- the customer cancels ---------------------------------------------------------------------------------------------
async def test_ana_cancels_her_atendimento_and_the_responsible_is_told(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await service.add_stage(c.MARIA, 1, "Verificar a fachada")
    outcome = await service.cancel_by_customer(c.ANA.id, 1, "Resolvi com o síndico")
    assert outcome.ticket_status is TicketStatus.CANCELADO and outcome.status_changed_to is TicketStatus.CANCELADO
    ticket = (await store.ticket(1))
    assert ticket.cancel_reason == "Resolvi com o síndico"
    assert all(s.status == StageStatus.CANCELADA for s in ticket.stages)
    # Ana was answered directly: the rows exist, skipped, so nothing is sent to her later.
    assert (await store.states(f"c:ticket:{ticket.id}")) == {f"c:ticket:{ticket.id}:cancelado": "skipped"}
    assert {(await store.states(f"c:stage:{s.id}:cancelada"))[f"c:stage:{s.id}:cancelada"] for s in ticket.stages} == {
        "skipped"}
    told = [m for m in (await store.messages()) if m.kind is MessageKind.CUSTOMER_CANCELLED]
    assert [m.to_staff_id for m in told] == [c.JOAO.id, c.MARIA.id]  # each responsible of a pending stage
    assert told[0].params == {"ticket_number": 1, "reason": "Resolvi com o síndico"}
    for m in told:
        assert (await store.states(f"u:{m.to_staff_id}:message:{m.id}")) == {f"u:{m.to_staff_id}:message:{m.id}": "pending"}
        assert f"g:message:{m.id}" in (await store.states())


async def test_a_customer_cancel_with_nobody_responsible_tells_the_configured_one(service, store, clock):
    await store.write_ticket(Ticket(3, c.ANA.id, 1, c.INFILTRACAO.id, "Registrado pelo portal", clock.now()))
    await service.cancel_by_customer(c.ANA.id, 3, "Não preciso mais")
    [told] = (await store.messages())
    assert (told.kind, told.to_staff_id) == (MessageKind.CUSTOMER_CANCELLED, c.MARIA.id)


async def test_the_customer_cannot_cancel_once_a_stage_is_resolved(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await service.resolve_stage(c.JOAO, 1, 1)
    await refused(store, CancelAfterResolution, service.cancel_by_customer(c.ANA.id, 1, "Desisti do reparo"))


async def test_another_customers_atendimento_is_not_found(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await refused(store, TicketNotFound, service.cancel_by_customer(c.BRUNO.id, 1, "Não é meu"))
    await refused(store, TicketNotFound, service.cancel_by_customer(c.ANA.id, 2, "Não existe"))


async def test_an_atendimento_of_a_hidden_subject_is_not_found_unless_every_subject_is_visible(
    service, store, clock
):
    await store.write_ticket(Ticket(5, c.ANA.id, 1, c.RACHADURA.id, "Rachadura na parede da sala", clock.now()))
    await refused(store, TicketNotFound, service.cancel_by_customer(c.ANA.id, 5, "Não preciso mais"))
    await store.set_config(replace(c.CONFIG, visibility=Visibility.ALL))
    outcome = await service.cancel_by_customer(c.ANA.id, 5, "Não preciso mais")
    assert outcome.ticket_status is TicketStatus.CANCELADO


async def test_register_only_refuses_a_customer_cancel(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await store.set_config(replace(c.CONFIG, mode=ServiceMode.REGISTER_ONLY))
    await refused(store, FollowingNotOffered, service.cancel_by_customer(c.ANA.id, 1, "Não preciso mais"))


async def test_a_customer_cancel_needs_a_reason(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await refused(store, InvalidText, service.cancel_by_customer(c.ANA.id, 1, "  "))


async def test_a_customer_cannot_cancel_twice(service, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await service.cancel_by_customer(c.ANA.id, 1, "Não preciso mais")
    await refused(store, TicketIsFinal, service.cancel_by_customer(c.ANA.id, 1, "Não preciso mais"))
