"""The service tests' database: domain objects written straight into the tables of a real, migrated database (SQLite
or PostgreSQL), and what the services committed read back — so the services are tested through the real storage,
its foreign keys, triggers and numbering, instead of an in-memory imitation of them.

    store = Store(db, uow_factory)
    await store.add_customer(ANA, units=[5000])
    await service.open_ticket(ANA.id, LEAK)
    assert (await store.outbox())["c:stage:1:new"].state == "skipped"
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from domain.catalogue import Customer, Empreendimento, ServiceConfig, StaffUser, Subject, TicketType, Unit
from domain.changes import Change
from domain.pendencias import MessageKind, PendenciaKind
from domain.services.queries import CustomerQueries, StaffQueries
from domain.services.tickets import TicketService
from domain.tickets import Ticket
from storage import tables as t
from storage.database import Database
from tests.support.catalogue import snapshot


@dataclass(frozen=True)
class PendenciaRow:
    id: int
    kind: PendenciaKind
    staff_id: int | None
    ticket_id: int
    stage_id: int
    due_at: Any


@dataclass(frozen=True)
class MessageRow:
    id: int
    kind: MessageKind
    to_staff_id: int | None
    ticket_id: int | None
    params: dict


@dataclass(frozen=True)
class OutboxRow:
    key: str
    state: str
    audience: str
    payload: dict
    skip_reason: str | None


class Store:
    def __init__(self, db: Database, uow_factory) -> None:
        self.db = db
        self.uow_factory = uow_factory

    async def _insert(self, table, rows: list[dict]) -> None:
        if rows:
            async with self.db.engine.begin() as connection:
                await connection.execute(insert(table), rows)

    # --- writing the catalogue ----------------------------------------------------------------------------------
    async def add_staff(self, *staff: StaffUser) -> None:
        await self._insert(t.staff_users, [
            {"id": s.id, "login": s.login, "name": s.name, "telegram_user_id": s.telegram_user_id, "email": s.email,
             "active": s.active} for s in staff])

    async def add_ticket_types(self, *types: TicketType) -> None:
        await self._insert(t.ticket_types, [{"id": x.id, "name": x.name} for x in types])

    async def add_empreendimentos(self, *empreendimentos: Empreendimento) -> None:
        await self._insert(t.empreendimentos, [{"id": e.id, "name": e.name} for e in empreendimentos])
        await self._insert(t.obras, [{"id": o.id, "empreendimento_id": e.id, "name": o.name}
                                     for e in empreendimentos for o in e.obras])

    async def add_units(self, *units: Unit) -> None:
        await self._insert(t.units, [{"id": u.id, "empreendimento_id": u.empreendimento_id, "obra_id": u.obra_id,
                                      "label": u.label} for u in units])
        await self._insert(t.unit_items, [{"unit_id": u.id, "position": i + 1, "name": item}
                                          for u in units for i, item in enumerate(u.items)])

    async def add_subjects(self, *subjects: Subject) -> None:
        await self._insert(t.subjects, [{"id": s.id, "name": s.name, "enabled": s.enabled,
                                         "responsible_id": s.responsible_id, "return_call": s.return_call}
                                        for s in subjects])
        await self._insert(t.subject_types, [{"subject_id": s.id, "type_id": x}
                                             for s in subjects for x in sorted(s.type_ids)])
        await self._insert(t.subject_empreendimentos, [{"subject_id": s.id, "empreendimento_id": e}
                                                       for s in subjects for e in sorted(s.empreendimento_ids)])
        await self._insert(t.subject_stages, [{"subject_id": s.id, "position": x.position,
                                               "description": x.description, "responsible_id": x.responsible_id,
                                               "due_days": x.due_days} for s in subjects for x in s.stages])

    async def add_customer(self, customer: Customer, *, phones=(), units=()) -> None:
        await self._insert(t.customers, [{"id": customer.id, "name": customer.name, "document": customer.document,
                                          "email": customer.email, "telegram_user_id": customer.telegram_user_id}])
        await self._insert(t.customer_phones, [{"customer_id": customer.id, "phone": p} for p in phones])
        await self._insert(t.customer_units, [{"customer_id": customer.id, "unit_id": u} for u in units])

    async def set_config(self, config: ServiceConfig) -> None:
        values = {f.name: getattr(getattr(config, f.name), "value", getattr(config, f.name)) for f in fields(config)}
        async with self.db.engine.begin() as connection:
            await connection.execute(update(t.service_config).where(t.service_config.c.id == 1).values(**values))

    async def write_ticket(self, ticket: Ticket) -> Ticket:
        """A ticket written as another system would (the ERP, the counter): committed at once, journalled by the
        triggers like any other change."""
        async with self.uow_factory() as uow:
            uow.tickets.add(ticket)
            await uow.commit()
        return await self.ticket(ticket.number)

    # --- reading what was committed -----------------------------------------------------------------------------
    async def ticket(self, number: int) -> Ticket | None:
        async with self.uow_factory() as uow:
            ticket = await uow.tickets.get(number)
            uow.session.expunge_all()  # detached as loaded: the unit of work's rollback must not expire it
            return ticket

    async def _rows(self, query) -> list:
        async with self.db.engine.connect() as connection:
            return list(await connection.execute(query))

    async def pendencias(self) -> list[PendenciaRow]:
        p = t.pendencias
        rows = await self._rows(select(p.c.id, p.c.kind, p.c.staff_id, p.c.ticket_id, p.c.stage_id, p.c.due_at)
                                .order_by(p.c.id))
        return [PendenciaRow(r.id, PendenciaKind(r.kind), r.staff_id, r.ticket_id, r.stage_id, r.due_at)
                for r in rows]

    async def messages(self) -> list[MessageRow]:
        m = t.internal_messages
        rows = await self._rows(select(m.c.id, m.c.kind, m.c.to_staff_id, m.c.ticket_id, m.c.params)
                                .order_by(m.c.id))
        return [MessageRow(r.id, MessageKind(r.kind), r.to_staff_id, r.ticket_id, r.params) for r in rows]

    async def outbox(self, prefix: str = "") -> dict[str, OutboxRow]:
        """Outbox rows by key (those whose key starts with `prefix`), in the order they were recorded."""
        o = t.outbox
        rows = await self._rows(select(o.c.key, o.c.state, o.c.audience, o.c.payload, o.c.last_error)
                                .order_by(o.c.id))
        return {r.key: OutboxRow(r.key, r.state, r.audience, r.payload,
                                 r.last_error if r.state == "skipped" else None)
                for r in rows if r.key.startswith(prefix)}

    async def states(self, prefix: str = "") -> dict[str, str]:
        """Outbox keys (starting with `prefix`) → state."""
        return {key: row.state for key, row in (await self.outbox(prefix)).items()}

    async def journalled_customer_keys(self) -> set[str]:
        """The customer notifications the triggers' change journal calls for."""
        c = t.change_log
        rows = await self._rows(select(c.c.id, c.c.entity, c.c.row_id, c.c.ticket_id, c.c.change, c.c.status))
        return {key for r in rows for key in Change(*r).customer_keys()}

    async def snapshot(self, tables: tuple[str, ...] | None = None) -> dict:
        """Every row of every table (or of `tables`): equal snapshots mean nothing changed."""
        if tables is None:
            return await snapshot(self.db)
        state = {}
        async with self.db.engine.connect() as connection:
            for name in tables:
                rows = (await connection.execute(select(t.metadata.tables[name]))).all()
                state[name] = sorted(tuple(map(repr, row)) for row in rows)
        return state


# --- fixtures for the service tests (import them into the test module) ------------------------------------------------
@pytest.fixture
async def store(db, uow_factory) -> Store:
    """The sample construtora (tests/support/sample_catalogue.py) in a fresh database of each backend."""
    from tests.support.sample_catalogue import seed

    return await seed(Store(db, uow_factory))


@pytest.fixture
def service(store, uow_factory, clock) -> TicketService:
    return TicketService(uow_factory, clock)


@pytest.fixture
def customer_queries(store, uow_factory) -> CustomerQueries:
    return CustomerQueries(uow_factory)


@pytest.fixture
def staff_queries(store, uow_factory) -> StaffQueries:
    return StaffQueries(uow_factory)
