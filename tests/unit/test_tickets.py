"""The atendimento aggregate: every transition and every refusal of SPEC.md "Statuses and transitions"."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.catalogue import StageTemplate, Subject
from domain.errors import (
    CancelAfterResolution,
    DomainError,
    InvalidText,
    InvalidTransition,
    StageNotFound,
    StageNotPending,
    StagesStillPending,
    TicketIsFinal,
)
from domain.statuses import StageStatus, TicketStatus
from domain.tickets import NoteAdded, StageCreated, StageStatusChanged, Ticket, TicketStatusChanged
from tests.support.pictures import row_state

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
JOAO, MARIA, FALLBACK = 1, 2, 99


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def subject(*templates: tuple[str, int | None, int | None], return_call: bool = False) -> Subject:
    return Subject(
        10, "Infiltração", enabled=True, responsible_id=JOAO, return_call=return_call,
        stages=tuple(StageTemplate(i, d, r, days) for i, (d, r, days) in enumerate(templates, start=1)),
    )


LEAK = subject(("Vistoria técnica", JOAO, 3), ("Reparo", None, 7), return_call=True)
PLAIN = subject(("Vistoria técnica", JOAO, 3))
NO_TEMPLATE = subject()


def opened(subj: Subject = LEAK) -> Ticket:
    """A ticket as the service opens it: its first template stage (or one stage by hand) created with it."""
    ticket = Ticket(7, 1, 1, subj.id, "Mancha de umidade no teto do quarto", T0, return_call=subj.return_call)
    first = subj.template_after(None)
    if first is not None:
        ticket.add_template_stage(first, FALLBACK, T0)
    else:
        ticket.add_stage(subj.name, FALLBACK, T0)
    ticket.take_events()
    return ticket


def refused(ticket: Ticket, error: type[DomainError], action) -> DomainError:
    """The action raises `error` and leaves the ticket exactly as it was, with no event recorded."""
    before = row_state(ticket)
    with pytest.raises(error) as caught:
        action()
    assert row_state(ticket) == before
    assert ticket.events == []
    return caught.value


# --- opening ------------------------------------------------------------------------------------------------------
def test_a_new_ticket_is_open_with_its_first_template_stage():
    ticket = opened()
    assert ticket.current_status is TicketStatus.ABERTO
    assert ticket.closed_at is None
    [stage] = ticket.stages
    assert (stage.position, stage.description, stage.template_position) == (1, "Vistoria técnica", 1)
    assert stage.status is StageStatus.PENDENTE and stage.completed_at is None
    assert stage.responsible_id == JOAO
    assert stage.due_at == T0 + timedelta(days=3)
    assert ticket.next_template_stage(LEAK).description == "Reparo"  # created once this one is resolved
    assert len(ticket.stages) == 1


def test_a_template_stage_naming_nobody_goes_to_the_fallback_responsible():
    ticket = opened()
    ticket.resolve_stage(1, at(5), LEAK, FALLBACK)
    assert ticket.stage(2).responsible_id == FALLBACK


def test_a_template_stage_without_due_days_has_no_due_date():
    subj = subject(("Orçamento", None, None))
    assert opened(subj).stage(1).due_at is None


# --- template stages in order -------------------------------------------------------------------------------------
def test_resolving_a_template_stage_creates_the_next_one_and_the_last_moves_the_ticket_to_a_retornar():
    ticket = opened(LEAK)
    created = ticket.resolve_stage(1, at(10), LEAK, FALLBACK)
    assert created is ticket.stage(2)
    assert (created.description, created.template_position, created.created_at) == ("Reparo", 2, at(10))
    assert created.due_at == at(10) + timedelta(days=7)
    stage1 = ticket.stage(1)
    assert stage1.status is StageStatus.RESOLVIDA and stage1.completed_at == at(10)
    events = ticket.take_events()
    assert [type(e) for e in events] == [StageStatusChanged, StageCreated]
    assert ticket.current_status is TicketStatus.ABERTO

    assert ticket.resolve_stage(2, at(20), LEAK, FALLBACK) is None
    assert ticket.current_status is TicketStatus.A_RETORNAR
    assert ticket.closed_at is None  # not final yet
    assert [type(e) for e in ticket.take_events()] == [StageStatusChanged, TicketStatusChanged]

    ticket.close(at(30))
    assert ticket.current_status is TicketStatus.ENCERRADO
    assert ticket.closed_at == at(30)
    assert [e.status for e in ticket.take_events()] == [TicketStatus.ENCERRADO]


def test_without_a_return_call_the_last_resolved_stage_closes_the_ticket():
    ticket = opened(PLAIN)
    ticket.resolve_stage(1, at(10), PLAIN, FALLBACK)
    assert ticket.current_status is TicketStatus.ENCERRADO
    assert ticket.closed_at == at(10)
    assert [type(e) for e in ticket.take_events()] == [StageStatusChanged, TicketStatusChanged]


def test_three_template_stages_come_one_after_another():
    subj = subject(("Diagnóstico", None, 1), ("Troca de tubulação", MARIA, 5), ("Teste final", None, None))
    ticket = opened(subj)
    for step, expected in enumerate(["Troca de tubulação", "Teste final"], start=1):
        created = ticket.resolve_stage(step, at(step), subj, FALLBACK)
        assert created.description == expected and created.template_position == step + 1
        assert [s.template_position for s in ticket.ordered_stages()] == list(range(1, step + 2))
    ticket.resolve_stage(3, at(9), subj, FALLBACK)
    assert ticket.current_status is TicketStatus.ENCERRADO
    assert [s.position for s in ticket.stages] == [1, 2, 3]


def test_a_hand_stage_keeps_the_ticket_open_until_it_is_done_too():
    ticket = opened(PLAIN)
    ticket.add_stage("Trocar rejunte", MARIA, at(1))
    ticket.resolve_stage(1, at(2), PLAIN, FALLBACK)
    assert ticket.current_status is TicketStatus.ABERTO
    ticket.resolve_stage(2, at(3), PLAIN, FALLBACK)
    assert ticket.current_status is TicketStatus.ENCERRADO
    assert ticket.closed_at == at(3)


def test_a_hand_stage_between_template_stages_does_not_break_the_template():
    ticket = opened(LEAK)
    hand = ticket.add_stage("Fotos do local", MARIA, at(1))
    assert (hand.position, hand.template_position) == (2, None)
    created = ticket.resolve_stage(1, at(2), LEAK, FALLBACK)
    assert (created.position, created.template_position) == (3, 2)
    assert ticket.resolve_stage(2, at(3), LEAK, FALLBACK) is None  # a hand stage creates nothing
    ticket.resolve_stage(3, at(4), LEAK, FALLBACK)
    assert ticket.current_status is TicketStatus.A_RETORNAR


def test_a_cancelled_template_stage_ends_the_template_and_with_nothing_resolved_the_ticket_stays_open():
    ticket = opened(LEAK)
    ticket.cancel_stage(1, "Cliente não estava em casa", at(5), LEAK, author="João Silva")
    stage = ticket.stage(1)
    assert stage.status is StageStatus.CANCELADA and stage.completed_at == at(5)
    assert [n.text for n in stage.notes] == ["Cliente não estava em casa"]
    assert len(ticket.stages) == 1
    assert ticket.next_template_stage(LEAK) is None
    assert ticket.current_status is TicketStatus.ABERTO  # nothing was resolved: staff decide
    assert [type(e) for e in ticket.take_events()] == [NoteAdded, StageStatusChanged]


def test_cancelling_the_last_pending_stage_after_a_resolution_moves_the_ticket():
    ticket = opened(LEAK)
    ticket.resolve_stage(1, at(1), LEAK, FALLBACK)
    ticket.cancel_stage(2, "Reparo feito pelo condomínio", at(2), LEAK)
    assert ticket.current_status is TicketStatus.A_RETORNAR
    assert ticket.closed_at is None


def test_a_ticket_opened_without_a_template_gets_one_stage_by_hand():
    ticket = opened(NO_TEMPLATE)
    [stage] = ticket.stages
    assert stage.template_position is None and stage.description == "Infiltração"
    ticket.resolve_stage(1, at(1), NO_TEMPLATE, FALLBACK)
    assert ticket.current_status is TicketStatus.ENCERRADO


# --- stage refusals -----------------------------------------------------------------------------------------------
def test_a_stage_is_resolved_once():
    ticket = opened(LEAK)
    ticket.resolve_stage(1, at(1), LEAK, FALLBACK)
    ticket.take_events()
    refused(ticket, StageNotPending, lambda: ticket.resolve_stage(1, at(2), LEAK, FALLBACK))
    refused(ticket, StageNotPending, lambda: ticket.cancel_stage(1, "Engano meu", at(2), LEAK))
    assert ticket.stage(1).completed_at == at(1)
    assert len(ticket.stages) == 2  # the second template stage was not created twice


def test_a_cancelled_stage_cannot_be_resolved_or_cancelled_again():
    ticket = opened(LEAK)
    ticket.cancel_stage(1, "Duplicado", at(1), LEAK)
    ticket.take_events()
    refused(ticket, StageNotPending, lambda: ticket.resolve_stage(1, at(2), LEAK, FALLBACK))
    refused(ticket, StageNotPending, lambda: ticket.cancel_stage(1, "Duplicado", at(2), LEAK))


@pytest.mark.parametrize("position", [0, -1, 2, 99])
def test_a_stage_that_does_not_exist_is_not_found(position):
    ticket = opened(LEAK)
    refused(ticket, StageNotFound, lambda: ticket.resolve_stage(position, at(1), LEAK, FALLBACK))
    refused(ticket, StageNotFound, lambda: ticket.cancel_stage(position, "Motivo qualquer", at(1), LEAK))
    refused(ticket, StageNotFound, lambda: ticket.add_note(position, "Observação", "João", at(1)))


def test_an_invalid_text_changes_nothing():
    ticket = opened(LEAK)
    refused(ticket, InvalidText, lambda: ticket.resolve_stage(1, at(1), LEAK, FALLBACK, note="   \x00 "))
    refused(ticket, InvalidText, lambda: ticket.cancel_stage(1, "no", at(1), LEAK))
    refused(ticket, InvalidText, lambda: ticket.add_note(1, "", "João", at(1)))
    refused(ticket, InvalidText, lambda: ticket.add_stage("ab", JOAO, at(1)))
    refused(ticket, InvalidText, lambda: ticket.cancel("", at(1)))


def test_resolving_with_an_observation_records_it_on_the_stage_first():
    ticket = opened(PLAIN)
    ticket.resolve_stage(1, at(1), PLAIN, FALLBACK, note="Trocada a manta", author="João Silva", author_staff_id=JOAO)
    [note] = ticket.stage(1).notes
    assert (note.text, note.author, note.author_staff_id, note.created_at) == ("Trocada a manta", "João Silva", JOAO,
                                                                               at(1))
    assert [type(e) for e in ticket.take_events()] == [NoteAdded, StageStatusChanged, TicketStatusChanged]


def test_observations_may_be_added_to_a_resolved_stage_while_the_ticket_is_not_final():
    ticket = opened(LEAK)
    ticket.resolve_stage(1, at(1), LEAK, FALLBACK)
    ticket.add_note(1, "Laudo anexado", "João Silva", at(2))
    assert [n.text for n in ticket.stage(1).notes] == ["Laudo anexado"]
    ticket.resolve_stage(2, at(3), LEAK, FALLBACK)
    assert ticket.current_status is TicketStatus.A_RETORNAR
    ticket.add_note(2, "Cliente avisado por telefone", "Maria", at(4))  # A Retornar is not final


def test_stage_positions_count_up_from_one():
    ticket = opened(NO_TEMPLATE)
    for i in range(2, 6):
        assert ticket.add_stage(f"Etapa número {i}", None, at(i)).position == i
    assert [s.position for s in ticket.ordered_stages()] == [1, 2, 3, 4, 5]


def test_an_overdue_stage_is_a_pending_one_past_its_due_date():
    ticket = opened(LEAK)
    stage = ticket.stage(1)
    assert not stage.is_overdue(T0 + timedelta(days=3))
    assert stage.is_overdue(T0 + timedelta(days=3, seconds=1))
    ticket.resolve_stage(1, T0 + timedelta(days=4), LEAK, FALLBACK)
    assert not stage.is_overdue(T0 + timedelta(days=5))


# --- ticket transitions and refusals ------------------------------------------------------------------------------
def test_a_retornar_and_encerrado_need_every_stage_done():
    ticket = opened(LEAK)
    err = refused(ticket, StagesStillPending, lambda: ticket.mark_a_retornar(at(1)))
    assert err.params["stages"] == [1]
    refused(ticket, StagesStillPending, lambda: ticket.close(at(1)))


def test_staff_may_mark_a_retornar_then_close():
    ticket = opened(LEAK)
    ticket.cancel_stage(1, "Resolvido por telefone", at(1), LEAK)
    ticket.take_events()
    ticket.mark_a_retornar(at(2))
    assert ticket.current_status is TicketStatus.A_RETORNAR and ticket.closed_at is None
    ticket.take_events()
    refused(ticket, InvalidTransition, lambda: ticket.mark_a_retornar(at(3)))
    ticket.close(at(4))
    assert ticket.current_status is TicketStatus.ENCERRADO and ticket.closed_at == at(4)


def test_staff_may_close_an_open_ticket_whose_stages_are_done():
    ticket = opened(LEAK)
    ticket.cancel_stage(1, "Aberto por engano", at(1), LEAK)
    ticket.close(at(2))
    assert ticket.current_status is TicketStatus.ENCERRADO and ticket.closed_at == at(2)


def test_cancelling_an_open_ticket_cancels_its_pending_stages():
    ticket = opened(LEAK)
    ticket.add_stage("Fotos do local", MARIA, at(1))
    ticket.take_events()
    ticket.cancel("Cliente desistiu", at(2))
    assert ticket.current_status is TicketStatus.CANCELADO
    assert ticket.closed_at == at(2) and ticket.cancel_reason == "Cliente desistiu"
    assert all(s.status is StageStatus.CANCELADA and s.completed_at == at(2) for s in ticket.stages)
    events = ticket.take_events()
    assert [(type(e), getattr(e, "stage", None) and e.stage.position) for e in events] == [
        (StageStatusChanged, 1), (StageStatusChanged, 2), (TicketStatusChanged, None)]
    assert events[-1].status is TicketStatus.CANCELADO


def test_a_ticket_whose_stages_were_only_cancelled_may_still_be_cancelled():
    ticket = opened(LEAK)
    ticket.cancel_stage(1, "Sem acesso", at(1), LEAK)
    ticket.cancel("Cliente mudou-se", at(2))
    assert ticket.current_status is TicketStatus.CANCELADO
    assert ticket.stage(1).completed_at == at(1)  # Conclusão is kept from when it left Pendente


def test_cancel_is_refused_once_a_stage_is_resolved():
    ticket = opened(LEAK)
    ticket.resolve_stage(1, at(1), LEAK, FALLBACK)
    ticket.take_events()
    refused(ticket, CancelAfterResolution, lambda: ticket.cancel("Desisti do reparo", at(2)))
    assert not ticket.can_be_cancelled


def test_cancel_is_refused_from_a_retornar():
    ticket = opened(LEAK)
    ticket.resolve_stage(1, at(1), LEAK, FALLBACK)
    ticket.resolve_stage(2, at(2), LEAK, FALLBACK)
    ticket.take_events()
    refused(ticket, InvalidTransition, lambda: ticket.cancel("Desisti", at(3)))


def test_the_customer_may_cancel_while_nothing_is_resolved():
    ticket = opened(LEAK)
    assert ticket.can_be_cancelled
    ticket.cancel("Resolvi por conta própria", at(1))
    assert ticket.current_status is TicketStatus.CANCELADO
    assert not ticket.can_be_cancelled


def final_tickets() -> list[Ticket]:
    closed = opened(PLAIN)
    closed.resolve_stage(1, at(1), PLAIN, FALLBACK)
    cancelled = opened(LEAK)
    cancelled.cancel("Cliente desistiu", at(1))
    closed_by_hand = opened(LEAK)
    closed_by_hand.resolve_stage(1, at(1), LEAK, FALLBACK)
    closed_by_hand.resolve_stage(2, at(2), LEAK, FALLBACK)
    closed_by_hand.close(at(3))
    for ticket in (closed, cancelled, closed_by_hand):
        ticket.take_events()
    return [closed, cancelled, closed_by_hand]


@pytest.mark.parametrize("ticket", final_tickets(), ids=["encerrado", "cancelado", "encerrado-a-mao"])
def test_nothing_changes_a_final_ticket(ticket):
    assert ticket.is_final and ticket.closed_at is not None
    assert ticket.pending_stages == []
    later = at(100)
    for action in (
        lambda: ticket.add_stage("Nova vistoria", JOAO, later),
        lambda: ticket.add_note(1, "Mais uma observação", "João", later),
        lambda: ticket.resolve_stage(1, later, LEAK, FALLBACK),
        lambda: ticket.cancel_stage(1, "Motivo qualquer", later, LEAK),
        lambda: ticket.mark_a_retornar(later),
        lambda: ticket.close(later),
        lambda: ticket.cancel("Motivo qualquer", later),
    ):
        refused(ticket, TicketIsFinal, action)


def test_a_ticket_with_no_stage_may_be_closed_or_marked():
    # Written by another system without stages: staff can still finish it.
    ticket = Ticket(8, 1, 1, 10, "Pedido pelo balcão", T0)
    ticket.mark_a_retornar(at(1))
    ticket.close(at(2))
    assert ticket.current_status is TicketStatus.ENCERRADO


def test_statuses_read_from_storage_as_plain_strings_still_follow_the_rules():
    ticket = opened(LEAK)
    ticket.status = "Aberto"
    ticket.stage(1).status = "Resolvida"
    assert ticket.has_resolved_stage and not ticket.can_be_cancelled
    ticket.status = "Encerrado"
    assert ticket.is_final
