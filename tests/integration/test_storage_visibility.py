"""What a customer may see: the visibility modes, register_only, and nothing of anybody else's."""
from __future__ import annotations

import pytest

from domain.errors import FollowingNotOffered, TicketNotFound
from domain.services.queries import CustomerQueries, StaffQueries
from domain.services.tickets import TicketService
from domain.statuses import ServiceMode, Visibility
from tests.support.builders import build_catalogue, insert_ticket, set_config, set_subject_enabled


async def numbers_listed(uow_factory, customer_id: int) -> list[int]:
    page = await CustomerQueries(uow_factory).my_tickets(customer_id, page_size=50)
    return [item.number for item in page.items]


async def anas_tickets(db, uow_factory, clock, cat) -> dict[str, int]:
    """Ana's atendimentos: two through the bot, one Financeiro and one Infiltração registered at the counter."""
    service = TicketService(uow_factory, clock)
    leak = (await service.open_ticket(cat.ana, cat.request())).ticket_number
    clock.advance(minutes=1)
    wiring = (await service.open_ticket(cat.ana, cat.request(subject=cat.eletrica, unit=cat.bloco_b_12))).ticket_number
    clock.advance(minutes=1)
    await insert_ticket(db, number=100, customer_id=cat.ana, subject_id=cat.financeiro, type_id=cat.solicitacao,
                        created_at=clock.now(), origin="balcao")
    clock.advance(minutes=1)
    await insert_ticket(db, number=101, customer_id=cat.ana, subject_id=cat.infiltracao, type_id=cat.assistencia,
                        created_at=clock.now(), origin="telefone", status="Encerrado")
    return {"leak": leak, "wiring": wiring, "financeiro": 100, "phone": 101}


async def test_web_subjects_shows_only_tickets_of_subjects_enabled_for_the_bot(db, uow_factory, clock):
    cat = await build_catalogue(db, visibility=Visibility.WEB_SUBJECTS)
    ana = await anas_tickets(db, uow_factory, clock, cat)
    queries = CustomerQueries(uow_factory)

    assert await numbers_listed(uow_factory, cat.ana) == [ana["phone"], ana["wiring"], ana["leak"]]
    with pytest.raises(TicketNotFound):
        await queries.ticket_details(cat.ana, ana["financeiro"])
    assert (await queries.ticket_details(cat.ana, ana["phone"])).origin == "telefone"  # any origin, enabled subject

    # Elétrica is taken off the bot: its tickets disappear from Ana's view (staff still see them).
    await set_subject_enabled(db, cat.eletrica, False)
    assert await numbers_listed(uow_factory, cat.ana) == [ana["phone"], ana["leak"]]
    with pytest.raises(TicketNotFound):
        await queries.ticket_details(cat.ana, ana["wiring"])
    with pytest.raises(TicketNotFound):
        await TicketService(uow_factory, clock).cancel_by_customer(cat.ana, ana["wiring"], "Não preciso mais.")
    assert (await StaffQueries(uow_factory).ticket(ana["wiring"])).subject_name == "Elétrica"


async def test_all_shows_every_ticket_of_the_customer_whatever_its_subject_and_origin(db, uow_factory, clock):
    cat = await build_catalogue(db, visibility=Visibility.ALL)
    ana = await anas_tickets(db, uow_factory, clock, cat)
    await set_subject_enabled(db, cat.eletrica, False)

    assert await numbers_listed(uow_factory, cat.ana) == [ana["phone"], ana["financeiro"], ana["wiring"], ana["leak"]]
    details = await CustomerQueries(uow_factory).ticket_details(cat.ana, ana["financeiro"])
    assert (details.subject_name, details.subject_enabled, details.origin) == ("Financeiro", False, "balcao")
    assert await numbers_listed(uow_factory, cat.bruno) == []


async def test_register_only_refuses_following(db, uow_factory, clock):
    cat = await build_catalogue(db, mode=ServiceMode.REGISTER_ONLY)
    number = (await TicketService(uow_factory, clock).open_ticket(cat.ana, cat.request())).ticket_number  # works
    queries = CustomerQueries(uow_factory)

    with pytest.raises(FollowingNotOffered):
        await queries.my_tickets(cat.ana)
    with pytest.raises(FollowingNotOffered):
        await queries.ticket_details(cat.ana, number)
    with pytest.raises(FollowingNotOffered):
        await TicketService(uow_factory, clock).cancel_by_customer(cat.ana, number, "Não preciso mais.")

    await set_config(db, mode=ServiceMode.REGISTER_AND_FOLLOW)
    assert await numbers_listed(uow_factory, cat.ana) == [number]


async def test_anything_but_her_own_ticket_is_not_found(db, uow_factory, clock):
    cat = await build_catalogue(db, visibility=Visibility.ALL)
    service = TicketService(uow_factory, clock)
    anas = (await service.open_ticket(cat.ana, cat.request())).ticket_number
    brunos = (await service.open_ticket(cat.bruno, cat.request(unit=cat.torre_a_102))).ticket_number
    queries = CustomerQueries(uow_factory)

    for asked in (brunos, str(brunos), brunos + 1, 0, -1, "0", "-1", "abc", "1" * 40, 2**63, "１", None, ""):
        with pytest.raises(TicketNotFound):
            await queries.ticket_details(cat.ana, asked)
    for asked in (brunos, brunos + 1, 0, -1, 2**63):
        with pytest.raises(TicketNotFound):
            await service.cancel_by_customer(cat.ana, asked, "Não é meu, mas tento.")
    for asked in (brunos + 1, 0, -1, "abc", "1" * 40):
        with pytest.raises(TicketNotFound):
            await StaffQueries(uow_factory).ticket(asked)

    assert (await queries.ticket_details(cat.ana, str(anas))).number == anas
    assert (await StaffQueries(uow_factory).ticket(brunos)).status == "Aberto"  # untouched by Ana's attempts
