"""Who may use the staff commands, demo mode's adoption of a group and its staff made on the fly, and the staff
desk's reads (open pendências with their count, the responsibles /diag checks) — on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update

from domain.errors import NotAuthorised
from domain.services.staff_access import StaffAccess
from domain.services.staff_desk import StaffDesk
from domain.services.tickets import TicketService
from storage import tables as t
from tests.support.builders import build_catalogue, set_config, staff_user

STAFF_GROUP = -1001234567890
OTHER_GROUP = -1009999999999


def refused(error: NotAuthorised) -> tuple:
    return error.value.params["place"], error.value.params["staff"]


async def test_staff_are_accepted_in_the_staff_group_and_their_own_private_chat_only(db, uow_factory, clock):
    await build_catalogue(db)
    access = StaffAccess(uow_factory, clock)
    assert (await access.authorise(5001, STAFF_GROUP, private=False)).login == "joao"
    assert (await access.authorise(5002, 5002, private=True)).login == "maria"
    with pytest.raises(NotAuthorised) as error:
        await access.authorise(5001, OTHER_GROUP, private=False)
    assert refused(error) == ("other_group", True)
    with pytest.raises(NotAuthorised) as error:
        await access.authorise(777, STAFF_GROUP, private=False, name="Zé")
    assert refused(error) == ("staff_group", False)
    with pytest.raises(NotAuthorised) as error:
        await access.authorise(777, 777, private=True)
    assert refused(error) == ("private", False)
    with pytest.raises(NotAuthorised):  # the private chat must be the person's own
        await access.authorise(5001, 5002, private=True)

    async with db.engine.begin() as connection:
        await connection.execute(update(t.staff_users).where(t.staff_users.c.login == "maria").values(active=False))
    with pytest.raises(NotAuthorised):
        await access.authorise(5002, STAFF_GROUP, private=False)
    with pytest.raises(NotAuthorised):
        await access.authorise(5002, 5002, private=True)

    await set_config(db, staff_chat_id=None)
    with pytest.raises(NotAuthorised) as error:
        await access.authorise(5001, STAFF_GROUP, private=False)
    assert refused(error) == ("other_group", True)


async def test_demo_mode_adopts_one_group_and_makes_its_members_staff(db, uow_factory, clock):
    await build_catalogue(db, staff_chat_id=None, demo_mode=True)
    access = StaffAccess(uow_factory, clock, demo_allowed=True)
    adopted = await asyncio.gather(access.adopt_demo_group(-100111), access.adopt_demo_group(-100222))
    assert sorted(adopted) == [False, True]
    group = -100111 if adopted[0] else -100222
    assert not await access.adopt_demo_group(-100333)

    visitor = await access.authorise(8888, group, private=False, name="  Lia   Visitante ")
    assert (visitor.login, visitor.name, visitor.telegram_user_id) == ("demo8888", "Lia Visitante", 8888)
    assert (await access.authorise(8888, 8888, private=True)).id == visitor.id  # staff everywhere from now on
    assert (await access.authorise(8888, group, private=False)).id == visitor.id  # created once
    with pytest.raises(NotAuthorised):
        await access.authorise(9999, -100333, private=False, name="Bia")

    # The catalogue's staff user who was made inactive is not brought back by demo mode.
    async with db.engine.begin() as connection:
        await connection.execute(update(t.staff_users).where(t.staff_users.c.login == "maria").values(active=False))
    with pytest.raises(NotAuthorised):
        await access.authorise(5002, group, private=False, name="Maria")


@pytest.mark.parametrize("setting, column", [(False, True), (True, False)])
async def test_without_both_switches_demo_mode_does_nothing(db, uow_factory, clock, setting, column):
    await build_catalogue(db, staff_chat_id=None, demo_mode=column)
    access = StaffAccess(uow_factory, clock, demo_allowed=setting)
    assert not await access.adopt_demo_group(-100111)
    await set_config(db, staff_chat_id=-100111)
    with pytest.raises(NotAuthorised):
        await access.authorise(8888, -100111, private=False, name="Lia")
    async with uow_factory() as uow:
        assert await uow.catalogue.staff_by_telegram(8888) is None


async def test_the_desk_counts_open_pendencias_beyond_those_it_shows(db, uow_factory, clock):
    cat = await build_catalogue(db)
    tickets = TicketService(uow_factory, clock)
    joao = await staff_user(db, "joao")
    numbers = [(await tickets.open_ticket(cat.ana, cat.request())).ticket_number for _ in range(4)]
    await tickets.open_ticket(cat.ana, cat.request(subject=cat.eletrica))  # Maria's (the configured responsible)
    await tickets.resolve_stage(joao, numbers[0], 1)  # the Reparo goes to João (Infiltração's responsible)
    await tickets.cancel(joao, numbers[1], "Aberto em duplicidade")

    desk = StaffDesk(uow_factory)
    everything = await desk.open_pendencias(shown=2)
    assert everything.total == 4 and len(everything.items) == 2
    mine = await desk.open_pendencias(joao, shown=10)
    assert mine.total == 3 and {p.ticket_number for p in mine.items} == {numbers[0], numbers[2], numbers[3]}
    assert [p.stage_description for p in mine.items if p.ticket_number == numbers[0]] == ["Reparo"]


async def test_the_desk_names_every_responsible_for_diag(db, uow_factory, clock):
    cat = await build_catalogue(db, send_external_email=True)
    setup = await StaffDesk(uow_factory).email_setup()
    assert setup.send_external_email
    # Maria: the configured responsible (and Financeiro's); João: Infiltração's and its Vistoria's. Not the admin.
    assert [s.login for s in setup.responsibles] == ["joao", "maria"]
    assert cat.staff["admin"] not in {s.id for s in setup.responsibles}
