"""Who is told what: deterministic keys, and the rows recorded but never sent."""
from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from domain.catalogue import ServiceConfig, StageTemplate, Subject
from domain.notifications import (
    Audience,
    InternalMessageNotice,
    Kind,
    NoteAddedNotice,
    PendenciaNotice,
    StageCreatedNotice,
    StageStatusNotice,
    TicketStatusNotice,
    customer_key,
    customer_may_follow,
    customer_notification,
    internal_message_notifications,
    pendencia_notifications,
)
from domain.statuses import ServiceMode, StageStatus, TicketStatus, Visibility
from domain.tickets import NoteAdded, StageCreated, StageStatusChanged, Ticket, TicketStatusChanged

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUBJECT = Subject(10, "Infiltração", enabled=True, responsible_id=1, return_call=False,
                  stages=(StageTemplate(1, "Vistoria técnica", 1, 3), StageTemplate(2, "Reparo", None, 7)))
HIDDEN = Subject(12, "Rachadura", enabled=False, responsible_id=1, return_call=False)
FOLLOW = ServiceConfig()


def ticket_with_history() -> tuple[Ticket, list]:
    """Ticket 7 (id 70): stage 1 created and resolved with a note, stage 2 created, then the ticket cancelled…"""
    ticket = Ticket(7, 1, 1, SUBJECT.id, "Mancha no teto do quarto", T0)
    ticket.id = 70
    ticket.add_template_stage(SUBJECT.stages[0], 1, T0)
    ticket.stage(1).id = 700
    ticket.add_note(1, "Vistoria marcada", "João Silva", T0 + timedelta(hours=1))
    ticket.stage(1).notes[0].id = 7000
    ticket.add_stage("Fotos do local", 2, T0 + timedelta(hours=2))
    ticket.stage(2).id = 701
    ticket.cancel("Cliente desistiu", T0 + timedelta(hours=3))
    return ticket, ticket.take_events()


def test_every_change_has_its_own_key():
    ticket, events = ticket_with_history()
    keys = [customer_key(e, ticket) for e in events]
    assert keys == [
        "c:stage:700:new",
        "c:note:7000",
        "c:stage:701:new",
        "c:stage:700:cancelada",
        "c:stage:701:cancelada",
        "c:ticket:70:cancelado",
    ]
    assert all(len(k) <= 120 for k in keys)  # the outbox key column


def test_keys_are_deterministic_whoever_notices_the_change():
    ticket, events = ticket_with_history()
    again, events_again = ticket_with_history()
    assert [customer_key(e, ticket) for e in events] == [customer_key(e, again) for e in events_again]
    copied = copy.deepcopy((ticket, events))
    assert [customer_key(e, copied[0]) for e in copied[1]] == [customer_key(e, ticket) for e in events]


def test_a_stage_resolved_and_a_ticket_status_key_name_the_status():
    ticket = Ticket(8, 1, 1, SUBJECT.id, "Mancha no teto do quarto", T0)
    ticket.id = 80
    stage = ticket.add_stage("Vistoria técnica", 1, T0)
    stage.id = 800
    assert customer_key(StageStatusChanged(stage, StageStatus.RESOLVIDA), ticket) == "c:stage:800:resolvida"
    assert customer_key(TicketStatusChanged(TicketStatus.A_RETORNAR), ticket) == "c:ticket:80:a_retornar"
    assert customer_key(TicketStatusChanged(TicketStatus.ENCERRADO), ticket) == "c:ticket:80:encerrado"
    with pytest.raises(TypeError):
        customer_key(object(), ticket)


def test_payloads_carry_what_the_message_shows():
    ticket, events = ticket_with_history()
    notices = [customer_notification(e, ticket, SUBJECT, FOLLOW) for e in events]
    assert [n.kind for n in notices] == [Kind.STAGE_CREATED, Kind.NOTE_ADDED, Kind.STAGE_CREATED, Kind.STAGE_STATUS,
                                         Kind.STAGE_STATUS, Kind.TICKET_STATUS]
    assert all(n.audience is Audience.CUSTOMER and n.recipient_id == 1 and n.ticket_id == 70 for n in notices)
    assert all(n.skip_reason is None for n in notices)
    assert notices[0].payload == StageCreatedNotice(7, 1, "Vistoria técnica", T0 + timedelta(days=3), T0)
    assert notices[1].payload == NoteAddedNotice(7, 1, "Vistoria técnica", "Vistoria marcada", "João Silva",
                                                 T0 + timedelta(hours=1))
    assert isinstance(notices[3].payload, StageStatusNotice) and notices[3].payload.status == "Cancelada"
    assert notices[-1].payload == TicketStatusNotice(7, "Cancelado", "Cliente desistiu", T0 + timedelta(hours=3))


def test_no_push_for_going_back_to_pendente_or_aberto():
    ticket, _ = ticket_with_history()
    stage = ticket.stage(1)
    assert customer_notification(StageStatusChanged(stage, StageStatus.PENDENTE), ticket, SUBJECT, FOLLOW) is None
    assert customer_notification(TicketStatusChanged(TicketStatus.ABERTO), ticket, SUBJECT, FOLLOW) is None


@pytest.mark.parametrize(
    ("subject", "config", "reason"),
    [
        (SUBJECT, ServiceConfig(), None),
        (HIDDEN, ServiceConfig(), "subject_not_visible"),
        (None, ServiceConfig(), "subject_not_visible"),
        (HIDDEN, ServiceConfig(visibility=Visibility.ALL), None),
        (None, ServiceConfig(visibility=Visibility.ALL), None),
        (SUBJECT, ServiceConfig(mode=ServiceMode.REGISTER_ONLY), "register_only"),
        (HIDDEN, ServiceConfig(visibility=Visibility.ALL, mode=ServiceMode.REGISTER_ONLY), "register_only"),
    ],
)
def test_what_the_customer_may_not_follow_is_recorded_skipped(subject, config, reason):
    ticket, events = ticket_with_history()
    assert customer_may_follow(ticket, subject, config) == reason
    for event in events:
        notice = customer_notification(event, ticket, subject, config)
        assert notice.skip_reason == reason
        assert notice.key == customer_key(event, ticket)  # the row exists, so the change feed never sends it


def test_the_first_stage_is_covered_by_the_confirmation():
    ticket, events = ticket_with_history()
    notice = customer_notification(events[0], ticket, SUBJECT, FOLLOW, covered=True)
    assert notice.skip_reason == "covered_by_confirmation"
    assert notice.key == "c:stage:700:new"


PAYLOAD = PendenciaNotice(5, "novo_atendimento", 7, 1, "Vistoria técnica")


def test_a_pendencia_goes_to_the_group_the_responsible_and_their_email():
    notices = pendencia_notifications(PAYLOAD, 5, 1, 70, ServiceConfig(send_external_email=True))
    assert [(n.key, n.audience, n.recipient_id) for n in notices] == [
        ("g:pendencia:5", Audience.STAFF_GROUP, None),
        ("u:1:pendencia:5", Audience.STAFF_USER, 1),
        ("e:pendencia:5", Audience.EMAIL, 1),
    ]
    assert all(n.kind is Kind.PENDENCIA and n.ticket_id == 70 and n.payload == PAYLOAD for n in notices)
    assert all(n.skip_reason is None for n in notices)


def test_no_email_unless_configured_and_only_the_group_without_a_responsible():
    assert [n.key for n in pendencia_notifications(PAYLOAD, 5, 1, 70, ServiceConfig())] == [
        "g:pendencia:5", "u:1:pendencia:5"]
    assert [n.key for n in pendencia_notifications(PAYLOAD, 5, None, 70, ServiceConfig(send_external_email=True))] == [
        "g:pendencia:5"]


def test_an_internal_message_goes_to_the_group_and_its_addressee():
    notices = internal_message_notifications(9, "email_falhou", {"to": "joao"}, 3, None)
    assert [(n.key, n.audience, n.recipient_id) for n in notices] == [
        ("g:message:9", Audience.STAFF_GROUP, None),
        ("u:3:message:9", Audience.STAFF_USER, 3),
    ]
    assert notices[0].payload == InternalMessageNotice(9, "email_falhou", {"to": "joao"}, 3)
    assert [n.key for n in internal_message_notifications(9, "email_falhou", {}, None, 70)] == ["g:message:9"]


def test_keys_are_the_same_for_the_same_pendencia_and_message():
    config = ServiceConfig(send_external_email=True)
    assert pendencia_notifications(PAYLOAD, 5, 1, 70, config) == pendencia_notifications(PAYLOAD, 5, 1, 70, config)
    assert internal_message_notifications(9, "x", {}, 3, 70) == internal_message_notifications(9, "x", {}, 3, 70)


def test_events_of_a_whole_history_are_all_accounted_for():
    ticket, events = ticket_with_history()
    assert [type(e) for e in events] == [StageCreated, NoteAdded, StageCreated, StageStatusChanged,
                                         StageStatusChanged, TicketStatusChanged]
