"""`atendimento demo`: the shipped demo catalogue is realistic, complete, silent about its history, and idempotent."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.brazil import normalise_document, normalise_phone
from domain.statuses import StageStatus, TicketStatus, Visibility
from storage import tables as t
from storage.demo import RealCatalogueFound
from tests.support.catalogue import DEMO_NOW, load_demo, load_spec_example, snapshot


async def rows(db, query) -> list:
    async with db.engine.connect() as connection:
        return (await connection.execute(query)).all()


async def test_the_demo_catalogue_has_what_a_demonstration_needs(db, uow_factory):
    summary = await load_demo(db)

    assert summary.tickets_inserted == 30
    async with uow_factory() as uow:
        config = await uow.catalogue.config()
        staff = list(await uow.catalogue.all_staff())
        types = list(await uow.catalogue.ticket_types())
        subjects = list(await uow.catalogue.subjects())
        empreendimentos = list(await uow.catalogue.empreendimentos())
    assert config.demo_mode and not config.send_external_email and config.visibility is Visibility.WEB_SUBJECTS
    assert config.responsible_id is not None and config.config_user_id is not None
    assert len(staff) == 4 and all(s.telegram_user_id is None and s.smtp is None for s in staff)
    assert len(types) == 3
    assert len(subjects) == 8
    assert sum(not s.enabled for s in subjects) == 1
    assert sum(1 for s in subjects if 2 <= len(s.stages) <= 3 and s.return_call) >= 3
    assert sum(1 for s in subjects if not s.empreendimento_ids) == 1
    assert len(empreendimentos) >= 3 and all(1 <= len(e.obras) <= 3 for e in empreendimentos)

    items = await rows(db, select(t.unit_items.c.unit_id, t.unit_items.c.name))
    units = await rows(db, select(t.units.c.id))
    assert len(units) >= 40 and {u.id for u in units} == {i.unit_id for i in items}
    kinds = {name.split()[0] for _, name in items}
    assert {"Apartamento", "Vaga", "Depósito"} <= kinds

    customers = await rows(db, select(t.customers))
    owners = await rows(db, select(t.customer_units))
    phones = await rows(db, select(t.customer_phones.c.phone))
    assert len(customers) >= 15
    assert all(normalise_document(c.document) == c.document for c in customers)
    assert sum(len(c.document) == 14 for c in customers) == 1  # the company, by CNPJ
    assert all(c.email.endswith("example.com") for c in customers)
    assert all(normalise_phone(p.phone) == p.phone and p.phone.startswith("+55119000") for p in phones)
    assert max(Counter(o.customer_id for o in owners).values()) >= 2  # someone owns several units
    assert max(Counter(o.unit_id for o in owners).values()) == 2  # a unit with two owners


async def test_the_demo_history_covers_every_status_and_looks_recent(db, uow_factory):
    await load_demo(db)

    async with uow_factory() as uow:
        tickets = [await uow.tickets.details(n) for n in range(1, 31)]
        open_pendencias = list(await uow.pendencias.open())
        next_number = await uow.tickets.next_number()
    assert {x.status for x in tickets} == set(TicketStatus)
    stages = [s for x in tickets for s in x.stages]
    assert {s.status for s in stages} == set(StageStatus)
    assert sum(len(s.notes) for s in stages) >= 30
    assert {x.origin for x in tickets} >= {"bot", "portal", "telefone", "balcao"}
    moments = [m for x in tickets for m in (x.created_at, x.closed_at) if m] + [
        m for s in stages for m in (s.created_at, s.completed_at, *(n.created_at for n in s.notes)) if m]
    assert max(moments) == (DEMO_NOW - timedelta(days=1)).replace(second=0, microsecond=0)
    # Every pending stage of an open atendimento is somebody's pendência; history is never news.
    pending = [(x.number, s.position) for x in tickets if not x.status.is_final for s in x.stages
               if s.status is StageStatus.PENDENTE]
    assert sorted((p.ticket_number, p.stage_position) for p in open_pendencias) == sorted(pending)
    assert (await rows(db, select(func.count()).select_from(t.change_log)))[0][0] == 0
    assert (await rows(db, select(func.count()).select_from(t.outbox)))[0][0] == 0
    assert next_number == 31


async def test_the_demo_loads_again_without_changing_anything(db):
    await load_demo(db)
    before = await snapshot(db)

    summary = await load_demo(db)

    assert (summary.tickets_inserted, summary.tickets_existing) == (0, 30)
    assert await snapshot(db) == before


async def test_the_demo_refuses_a_database_with_a_real_catalogue(db):
    await load_spec_example(db)
    before = await snapshot(db)

    with pytest.raises(RealCatalogueFound):
        await load_demo(db)

    assert await snapshot(db) == before
