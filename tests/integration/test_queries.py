"""What customers and staff may see: /meus, /detalhes, /ver, /pendencias, and the numbers people type — through the
real storage on SQLite and PostgreSQL."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.errors import FollowingNotOffered, TicketNotFound
from domain.services.options import CustomerOptions
from domain.services.queries import PAGE_SIZE, parse_ticket_number
from domain.services.tickets import NewTicketRequest
from domain.statuses import ServiceMode, StageStatus, TicketOrigin, TicketStatus, Visibility
from domain.tickets import Ticket
from tests.support import sample_catalogue as c
from tests.support.sql_store import customer_queries, service, staff_queries, store  # noqa: F401 - fixtures

LEAK = NewTicketRequest(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.JARDINS.id, c.TORRE_A_101.id,
                        "Mancha de umidade no teto do quarto")
BOLETO = NewTicketRequest(c.SOLICITACAO.id, c.BOLETO.id, c.AGUAS.id, c.CASA_3.id, "Preciso da segunda via de março")


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("#12", 12),
        ("007", 7),
        (12, 12),
        ("999999999999999999", 999_999_999_999_999_999),  # 18 digits: still a number
        ("0", None),
        ("00", None),
        ("-1", None),
        ("+1", None),
        ("1.5", None),
        ("1e3", None),
        ("abc", None),
        ("12abc", None),
        ("", None),
        ("#", None),
        ("9" * 19, None),
        ("1" * 40, None),  # 40 digits
        ("１２", None),  # full-width digits
        ("١٢", None),  # Arabic-Indic digits
        ("²", None),
        ("1_000", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_ticket_number(raw, number):
    assert parse_ticket_number(raw) == number


# --- /meus ----------------------------------------------------------------------------------------------------------
async def open_many(service, clock, how_many: int) -> None:
    for _ in range(how_many):
        await service.open_ticket(c.ANA.id, LEAK)
        clock.advance(minutes=10)


async def test_my_tickets_are_newest_first_and_paginated(service, customer_queries, clock):
    await open_many(service, clock, 12)
    page = await customer_queries.my_tickets(c.ANA.id)
    assert [t.number for t in page.items] == [12, 11, 10, 9, 8]
    assert (page.total, page.page_number, page.page_count) == (12, 1, 3)
    assert page.prev_cursor is None and page.next_cursor is not None
    assert page.items[0].subject_name == "Infiltração" and page.items[0].status is TicketStatus.ABERTO

    page2 = await customer_queries.my_tickets(c.ANA.id, page.next_cursor)
    assert [t.number for t in page2.items] == [7, 6, 5, 4, 3] and page2.page_number == 2
    page3 = await customer_queries.my_tickets(c.ANA.id, page2.next_cursor)
    assert [t.number for t in page3.items] == [2, 1] and page3.page_number == 3
    assert page3.next_cursor is None

    back = await customer_queries.my_tickets(c.ANA.id, page3.prev_cursor)
    assert [t.number for t in back.items] == [7, 6, 5, 4, 3] and back.page_number == 2
    first = await customer_queries.my_tickets(c.ANA.id, back.prev_cursor)
    assert [t.number for t in first.items] == [12, 11, 10, 9, 8] and first.prev_cursor is None


async def test_a_customer_without_tickets_has_one_empty_page(customer_queries):
    page = await customer_queries.my_tickets(c.ANA.id)
    assert (page.items, page.total, page.page_number, page.page_count) == ((), 0, 1, 1)
    assert page.next_cursor is None and page.prev_cursor is None


async def test_a_page_shows_data_termino_of_closed_tickets(service, customer_queries, clock):
    await service.open_ticket(c.ANA.id, BOLETO)
    clock.advance(hours=1)
    await service.resolve_stage(c.MARIA, 1, 1)
    [summary] = (await customer_queries.my_tickets(c.ANA.id)).items
    assert summary.status is TicketStatus.ENCERRADO and summary.closed_at == clock.now()
    assert summary.description == "Preciso da segunda via de março"


async def test_each_customer_sees_only_their_own(service, customer_queries, clock):
    await open_many(service, clock, 2)
    await service.open_ticket(c.BRUNO.id, LEAK)
    assert [t.number for t in (await customer_queries.my_tickets(c.BRUNO.id)).items] == [3]
    assert (await customer_queries.my_tickets(c.ANA.id)).total == 2


async def test_visibility_decides_whether_tickets_of_hidden_subjects_are_listed(
    service, customer_queries, store, clock
):
    await service.open_ticket(c.ANA.id, LEAK)
    await store.write_ticket(Ticket(2, c.ANA.id, 1, c.RACHADURA.id, "Rachadura registrada por telefone",
                                clock.now() + timedelta(minutes=1), origin=TicketOrigin.PHONE))
    assert [t.number for t in (await customer_queries.my_tickets(c.ANA.id)).items] == [1]
    await store.set_config(replace(c.CONFIG, visibility=Visibility.ALL))
    assert [t.number for t in (await customer_queries.my_tickets(c.ANA.id)).items] == [2, 1]


async def test_register_only_offers_no_following(service, customer_queries, store):
    await service.open_ticket(c.ANA.id, LEAK)
    await store.set_config(replace(c.CONFIG, mode=ServiceMode.REGISTER_ONLY))
    with pytest.raises(FollowingNotOffered):
        await customer_queries.my_tickets(c.ANA.id)
    with pytest.raises(FollowingNotOffered):
        await customer_queries.ticket_details(c.ANA.id, "1")


# --- /detalhes ------------------------------------------------------------------------------------------------------
async def test_ana_sees_the_details_of_her_atendimento(service, customer_queries, clock):
    opened_at = clock.now()
    await service.open_ticket(c.ANA.id, LEAK)
    clock.advance(hours=3)
    await service.resolve_stage(c.JOAO, 1, 1, "Infiltração pela laje")
    details = await customer_queries.ticket_details(c.ANA.id, "1")
    assert (details.number, details.status, details.created_at, details.closed_at) == (
        1, TicketStatus.ABERTO, opened_at, None)
    assert (details.type_name, details.subject_name, details.customer_name) == (
        "Assistência técnica", "Infiltração", "Ana Souza")
    assert (details.empreendimento_name, details.obra_name, details.unit_label, details.unit_items) == (
        "Residencial Jardins", "Torre A", "Torre A - Apto 101", ("Apartamento 101", "Vaga 12"))
    assert details.can_be_cancelled is False
    s1, s2 = details.stages
    assert (s1.position, s1.status, s1.completed_at, s1.responsible_name) == (
        1, StageStatus.RESOLVIDA, clock.now(), "João Silva")
    assert [(n.author, n.text, n.created_at) for n in s1.notes] == [("João Silva", "Infiltração pela laje",
                                                                      clock.now())]
    assert (s2.position, s2.description, s2.status, s2.completed_at) == (2, "Reparo", StageStatus.PENDENTE, None)


async def test_another_customers_atendimento_is_not_found(service, customer_queries):
    await service.open_ticket(c.ANA.id, LEAK)
    with pytest.raises(TicketNotFound):
        await customer_queries.ticket_details(c.BRUNO.id, "1")


async def test_a_hidden_subject_is_not_found_unless_every_subject_is_visible(customer_queries, store, clock):
    await store.write_ticket(Ticket(4, c.ANA.id, 1, c.RACHADURA.id, "Rachadura registrada no balcão", clock.now(),
                                origin=TicketOrigin.COUNTER))
    with pytest.raises(TicketNotFound):
        await customer_queries.ticket_details(c.ANA.id, "4")
    await store.set_config(replace(c.CONFIG, visibility=Visibility.ALL))
    details = await customer_queries.ticket_details(c.ANA.id, "4")
    assert details.subject_enabled is False and details.origin == "balcao"


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1" * 40, "１", "2", ""])
async def test_a_number_that_is_not_hers_is_not_found_whatever_it_looks_like(service, customer_queries, raw):
    await service.open_ticket(c.ANA.id, LEAK)
    with pytest.raises(TicketNotFound) as caught:
        await customer_queries.ticket_details(c.ANA.id, raw)
    assert len(caught.value.params["number"]) <= 20


# --- staff ----------------------------------------------------------------------------------------------------------
async def test_staff_see_any_atendimento(service, staff_queries):
    await service.open_ticket(c.BRUNO.id, LEAK)
    details = await staff_queries.ticket("#1")
    assert details.customer_name == "Bruno Costa"
    with pytest.raises(TicketNotFound):
        await staff_queries.ticket("2")
    with pytest.raises(TicketNotFound):
        await staff_queries.ticket("abc")


async def test_open_pendencias_are_the_pending_stages_of_tickets_not_final_oldest_due_first(
    service, staff_queries, clock
):
    await service.open_ticket(c.ANA.id, LEAK)  # Vistoria (João), due in 3 days
    await service.open_ticket(c.ANA.id, BOLETO)  # boleto (Maria), no due date
    await service.open_ticket(c.BRUNO.id, replace(LEAK, description="Goteira na varanda do apto"))
    await service.add_stage(c.MARIA, 1, "Medir umidade", "joao")  # no due date
    await service.cancel(c.MARIA, 3, "Aberto em duplicidade")
    clock.advance(days=1)
    await service.open_ticket(
        c.ANA.id, NewTicketRequest(c.ASSISTENCIA.id, c.VAZAMENTO.id, c.AGUAS.id, c.CASA_3.id, "Vazamento na pia"))

    views = await staff_queries.open_pendencias()
    assert [(v.ticket_number, v.stage_position) for v in views] == [(4, 1), (1, 1), (2, 1), (1, 2)]
    assert views[0].responsible_login == "maria" and views[0].subject_name == "Vazamento"
    assert all(v.stage_status is StageStatus.PENDENTE for v in views)
    mine = await staff_queries.open_pendencias(c.JOAO)
    assert [(v.ticket_number, v.stage_position) for v in mine] == [(1, 1), (1, 2)]

    await service.resolve_stage(c.JOAO, 1, 1)
    views = await staff_queries.open_pendencias(c.JOAO)
    assert [(v.ticket_number, v.stage_position, v.kind) for v in views] == [
        (1, 3, "etapa"), (1, 2, "etapa")]  # the Reparo (due in 7 days) before the stage without a due date


async def test_staff_are_found_by_their_telegram_account(staff_queries):
    assert await staff_queries.staff_by_telegram(5001) == c.JOAO
    assert await staff_queries.staff_by_telegram(1) is None


async def test_the_options_of_novo_come_from_the_customers_units(customer_queries):
    options = await customer_queries.options(c.ANA.id)
    assert isinstance(options, CustomerOptions)
    assert [t.id for t in options.types_offered()] == [c.ASSISTENCIA.id, c.SOLICITACAO.id]
    assert [u.id for u in options.units] == [6000, 5000, 5001]  # by label
    assert (await customer_queries.config()) == c.CONFIG


def test_a_page_holds_five():
    assert PAGE_SIZE == 5
