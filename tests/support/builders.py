"""A small catalogue written straight into the tables, for storage and service tests.

It does not go through `atendimento import` on purpose: the tests of the importer are elsewhere, and a test of the
storage must not fail because of it. The story it tells is SPEC.md's example, a little larger:

- staff: João (responsible of Infiltração), Maria (the configured responsible), Admin (told about failures);
- ticket types: Assistência técnica, Solicitação;
- empreendimentos: Residencial Jardins (Torre A) and Parque das Águas (Bloco B);
- subjects: Infiltração (two template stages, return call, only in Residencial Jardins), Elétrica (one stage that
  names nobody, every empreendimento), Financeiro (not enabled for the bot);
- customers: Ana Souza (Torre A 101 with its parking space; Bloco B 12) and Bruno Lima (Torre A 102).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update

from domain.catalogue import StaffUser
from domain.services.tickets import NewTicketRequest
from storage import tables as t
from storage.database import Database
from storage.repositories.catalogue import SqlCatalogueRepository

LEAK = "Há uma infiltração na parede do quarto desde a última chuva."


@dataclass(frozen=True)
class Catalogue:
    """The ids a test needs; `request()` builds what /novo would send."""

    staff: dict[str, int]  # login → id
    assistencia: int  # ticket type of Infiltração and Elétrica
    solicitacao: int  # ticket type of Financeiro
    infiltracao: int  # enabled, two template stages (João, then the subject's responsible), return call
    eletrica: int  # enabled, one template stage naming nobody, no responsible: Maria (config) gets it
    financeiro: int  # not enabled for the bot
    jardins: int
    torre_a: int
    parque: int
    bloco_b: int
    torre_a_101: int  # Ana's, with items
    torre_a_102: int  # Bruno's
    bloco_b_12: int  # Ana's
    ana: int
    bruno: int

    def request(
        self, *, subject: int | None = None, unit: int | None = None, description: str = LEAK
    ) -> NewTicketRequest:
        """Ana's leak in Torre A 101 unless told otherwise."""
        subject = self.infiltracao if subject is None else subject
        unit = self.torre_a_101 if unit is None else unit
        empreendimento = self.parque if unit == self.bloco_b_12 else self.jardins
        type_id = self.solicitacao if subject == self.financeiro else self.assistencia
        return NewTicketRequest(type_id, subject, empreendimento, unit, description)


async def build_catalogue(db: Database, **config: Any) -> Catalogue:
    """Writes the catalogue above; keyword arguments override columns of service_config (see `set_config`)."""
    async with db.engine.begin() as c:

        async def staff(login: str, name: str, telegram_user_id: int) -> int:
            return (
                await c.execute(
                    insert(t.staff_users)
                    .values(login=login, name=name, telegram_user_id=telegram_user_id,
                            email=f"{login}@construtora.example")
                    .returning(t.staff_users.c.id)
                )
            ).scalar_one()

        staff_ids = {
            "joao": await staff("joao", "João Silva", 5001),
            "maria": await staff("maria", "Maria Oliveira", 5002),
            "admin": await staff("admin", "Admin da Construtora", 5003),
        }
        await c.execute(insert(t.ticket_types), [{"id": 1, "name": "Assistência técnica"},
                                                  {"id": 2, "name": "Solicitação"}])
        await c.execute(insert(t.empreendimentos), [{"id": 100, "name": "Residencial Jardins"},
                                                     {"id": 200, "name": "Parque das Águas"}])
        await c.execute(insert(t.obras), [{"id": 1001, "empreendimento_id": 100, "name": "Torre A"},
                                          {"id": 2001, "empreendimento_id": 200, "name": "Bloco B"}])
        await c.execute(insert(t.units), [
            {"id": 5000, "empreendimento_id": 100, "obra_id": 1001, "label": "Torre A - Apto 101"},
            {"id": 5001, "empreendimento_id": 100, "obra_id": 1001, "label": "Torre A - Apto 102"},
            {"id": 6000, "empreendimento_id": 200, "obra_id": 2001, "label": "Bloco B - Apto 12"},
        ])
        await c.execute(insert(t.unit_items), [
            {"unit_id": 5000, "position": 1, "name": "Apartamento 101"},
            {"unit_id": 5000, "position": 2, "name": "Vaga 12"},
            {"unit_id": 5001, "position": 1, "name": "Apartamento 102"},
            {"unit_id": 6000, "position": 1, "name": "Apartamento 12"},
        ])
        await c.execute(insert(t.subjects), [
            {"id": 10, "name": "Infiltração", "enabled": True, "responsible_id": staff_ids["joao"],
             "return_call": True},
            {"id": 11, "name": "Elétrica", "enabled": True, "responsible_id": None, "return_call": False},
            {"id": 12, "name": "Financeiro", "enabled": False, "responsible_id": staff_ids["maria"],
             "return_call": False},
        ])
        await c.execute(insert(t.subject_types), [{"subject_id": 10, "type_id": 1}, {"subject_id": 11, "type_id": 1},
                                                  {"subject_id": 12, "type_id": 2}])
        await c.execute(insert(t.subject_empreendimentos), [{"subject_id": 10, "empreendimento_id": 100},
                                                            {"subject_id": 12, "empreendimento_id": 100}])
        await c.execute(insert(t.subject_stages), [
            {"subject_id": 10, "position": 1, "description": "Vistoria técnica",
             "responsible_id": staff_ids["joao"], "due_days": 3},
            {"subject_id": 10, "position": 2, "description": "Reparo", "responsible_id": None, "due_days": 7},
            {"subject_id": 11, "position": 1, "description": "Avaliação elétrica", "responsible_id": None,
             "due_days": None},
        ])
        await c.execute(insert(t.customers), [
            {"id": 1, "name": "Ana Souza", "document": "12345678909", "email": "ana@example.com"},
            {"id": 2, "name": "Bruno Lima", "document": "11144477735", "email": None},
        ])
        await c.execute(insert(t.customer_phones), [{"customer_id": 1, "phone": "+5511999990001"},
                                                    {"customer_id": 2, "phone": "+5511988880002"}])
        await c.execute(insert(t.customer_units), [{"customer_id": 1, "unit_id": 5000},
                                                   {"customer_id": 1, "unit_id": 6000},
                                                   {"customer_id": 2, "unit_id": 5001}])
    await set_config(db, **({"responsible_id": staff_ids["maria"], "config_user_id": staff_ids["admin"],
                             "staff_chat_id": -1001234567890} | config))
    return Catalogue(
        staff=staff_ids, assistencia=1, solicitacao=2, infiltracao=10, eletrica=11, financeiro=12,
        jardins=100, torre_a=1001, parque=200, bloco_b=2001, torre_a_101=5000, torre_a_102=5001, bloco_b_12=6000,
        ana=1, bruno=2,
    )


async def set_config(db: Database, **columns: Any) -> None:
    """`set_config(db, visibility=Visibility.ALL, mode="register_only")`: any column of service_config."""
    values = {name: getattr(value, "value", value) for name, value in columns.items()}
    async with db.engine.begin() as c:
        await c.execute(update(t.service_config).where(t.service_config.c.id == 1).values(**values))


async def set_subject_enabled(db: Database, subject_id: int, enabled: bool) -> None:
    async with db.engine.begin() as c:
        await c.execute(update(t.subjects).where(t.subjects.c.id == subject_id).values(enabled=enabled))


async def insert_ticket(
    db: Database,
    *,
    number: int,
    customer_id: int,
    subject_id: int,
    type_id: int,
    created_at: datetime,
    origin: str = "balcao",
    status: str = "Aberto",
    description: str = "Registrado no balcão da construtora.",
) -> int:
    """A ticket written by another system (the ERP, the counter) straight into the table; returns its id."""
    async with db.engine.begin() as c:
        return (
            await c.execute(
                insert(t.tickets)
                .values(number=number, customer_id=customer_id, type_id=type_id, subject_id=subject_id,
                        description=description, status=status, origin=origin, created_at=created_at,
                        updated_at=created_at)
                .returning(t.tickets.c.id)
            )
        ).scalar_one()


async def staff_user(db: Database, login: str) -> StaffUser:
    """The staff user as the services see them (the actor of a staff command)."""
    async with db.sessions() as session:
        found = await SqlCatalogueRepository(session).staff_by_login(login)
    assert found is not None, login
    return found
