"""Each section present in the file is the whole truth for that section (issue 10, point 2), on SQLite and PostgreSQL:
staff missing from `staff:` are deactivated, customers missing from `customers:` lose units, phones, unused invitations
and their Telegram link (atendimentos stay), `active: false` deactivates, absent sections are left alone, and the
summary names each one."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select, update

from bot.texts import operator
from storage import tables as t
from tests.support.catalogue import load_catalogue, load_spec_example, snapshot

BRUNO = {"id": 2, "name": "Bruno Lima", "cpf": "529.982.247-25", "phones": ["+55 21 98888-0002"], "units": [5000]}
ANA = {"id": 1, "name": "Ana Souza", "cpf": "123.456.789-09", "phones": ["+55 11 99999-0001"], "units": [5000]}
HISTORY = {"tickets": [{"number": 40, "customer": 2, "type": 1, "subject": 10, "status": "Aberto",
                        "description": "Vazamento na pia.", "created_at": "2025-03-14T09:30:00-03:00"}]}


async def count(db, table, *where) -> int:
    async with db.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def test_staff_missing_from_a_present_staff_section_are_deactivated_and_named(db, uow_factory):
    await load_spec_example(db)

    summary = await load_catalogue(db, {"staff": [{"login": "admin", "name": "Administrador do Atendimento"},
                                                  {"login": "maria", "name": "Maria", "active": False}]})

    assert summary.staff_deactivated_missing == [("joao", "João Silva")]
    assert summary.staff_deactivated_explicitly == []  # maria was never active
    async with uow_factory() as uow:
        joao, admin = await uow.catalogue.staff_by_login("joao"), await uow.catalogue.staff_by_login("admin")
    assert not joao.active and joao.telegram_user_id == 5001 and admin.active
    assert "Usuários desativados (fora da seção staff): joao (João Silva)." in operator.import_report(summary)

    summary = await load_catalogue(db, {"staff": [{"login": "admin", "name": "Administrador do Atendimento",
                                                   "active": False}, {"login": "joao", "name": "João Silva"}]})
    assert summary.staff_deactivated_explicitly == [("admin", "Administrador do Atendimento")]
    assert "Usuários desativados (active: false): admin (Administrador do Atendimento)." in \
        operator.import_report(summary)


async def test_customers_missing_from_a_present_customers_section_lose_units_phones_and_link(db, clock):
    await load_spec_example(db)
    await load_catalogue(db, {"customers": [ANA, BRUNO], **HISTORY})
    now = clock.now()
    async with db.engine.begin() as connection:
        await connection.execute(update(t.customers).where(t.customers.c.id == 2)
                                 .values(telegram_user_id=424242, linked_at=now))
        await connection.execute(insert(t.invitations).values(code_hash="b" * 64, customer_id=2, created_at=now,
                                                              expires_at=now + timedelta(days=1)))

    summary = await load_catalogue(db, {"customers": [ANA]})

    assert summary.customers_unlinked == [(2, "Bruno Lima")]
    assert await count(db, t.customer_units, t.customer_units.c.customer_id == 2) == 0
    assert await count(db, t.customer_phones, t.customer_phones.c.customer_id == 2) == 0
    assert await count(db, t.invitations, t.invitations.c.customer_id == 2) == 0
    assert await count(db, t.customers, t.customers.c.id == 2, t.customers.c.telegram_user_id.is_(None)) == 1
    assert await count(db, t.tickets, t.tickets.c.number == 40) == 1  # the atendimento stays
    assert await count(db, t.customer_units, t.customer_units.c.customer_id == 1) == 1  # Ana keeps hers
    assert any(line.startswith("Clientes fora da seção customers") and "2 (Bruno Lima)" in line
               for line in operator.import_report(summary))

    again = await load_catalogue(db, {"customers": [ANA]})
    assert again.customers_unlinked == []  # named once: nothing left to lose


async def test_sections_absent_from_the_file_are_left_alone(db):
    await load_spec_example(db)
    before = await snapshot(db)

    summary = await load_catalogue(db, {"ticket_types": [{"id": 1, "name": "Assistência técnica"},
                                                         {"id": 2, "name": "Solicitação"}]})

    assert (summary.staff_deactivated_missing, summary.customers_unlinked) == ([], [])
    assert await snapshot(db) == before
