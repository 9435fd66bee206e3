from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.pendencias import InternalMessage, Pendencia
from domain.statuses import StageStatus, TicketStatus
from domain.views import PendenciaView
from storage import tables as t


def _view_query() -> Select:
    return (
        select(
            t.pendencias.c.id,
            t.pendencias.c.kind,
            t.pendencias.c.created_at,
            t.stages.c.due_at,
            t.tickets.c.id.label("ticket_id"),
            t.tickets.c.number.label("ticket_number"),
            t.tickets.c.status.label("ticket_status"),
            t.tickets.c.description,
            t.stages.c.position.label("stage_position"),
            t.stages.c.description.label("stage_description"),
            t.stages.c.status.label("stage_status"),
            t.customers.c.name.label("customer_name"),
            t.ticket_types.c.name.label("type_name"),
            t.subjects.c.name.label("subject_name"),
            t.empreendimentos.c.name.label("empreendimento_name"),
            t.obras.c.name.label("obra_name"),
            t.units.c.label.label("unit_label"),
            t.stages.c.responsible_id,
            t.staff_users.c.login.label("responsible_login"),
            t.staff_users.c.name.label("responsible_name"),
        )
        .join(t.stages, t.stages.c.id == t.pendencias.c.stage_id)
        .join(t.tickets, t.tickets.c.id == t.stages.c.ticket_id)
        .join(t.customers, t.customers.c.id == t.tickets.c.customer_id)
        .outerjoin(t.ticket_types, t.ticket_types.c.id == t.tickets.c.type_id)
        .outerjoin(t.subjects, t.subjects.c.id == t.tickets.c.subject_id)
        .outerjoin(t.empreendimentos, t.empreendimentos.c.id == t.tickets.c.empreendimento_id)
        .outerjoin(t.obras, t.obras.c.id == t.tickets.c.obra_id)
        .outerjoin(t.units, t.units.c.id == t.tickets.c.unit_id)
        .outerjoin(t.staff_users, t.staff_users.c.id == t.stages.c.responsible_id)
    )


def _view(row) -> PendenciaView:
    return PendenciaView(
        id=row.id,
        kind=row.kind,
        created_at=row.created_at,
        due_at=row.due_at,
        ticket_id=row.ticket_id,
        ticket_number=row.ticket_number,
        ticket_status=TicketStatus(row.ticket_status),
        description=row.description,
        stage_position=row.stage_position,
        stage_description=row.stage_description,
        stage_status=StageStatus(row.stage_status),
        customer_name=row.customer_name,
        type_name=row.type_name or "",
        subject_name=row.subject_name or "",
        empreendimento_name=row.empreendimento_name,
        obra_name=row.obra_name,
        unit_label=row.unit_label,
        responsible_id=row.responsible_id,
        responsible_login=row.responsible_login,
        responsible_name=row.responsible_name,
    )


def open_condition():
    # Decided from the stage and the ticket themselves, so changes other systems write close pendências too.
    return (
        t.stages.c.status == StageStatus.PENDENTE.value,
        t.tickets.c.status.in_([TicketStatus.ABERTO.value, TicketStatus.A_RETORNAR.value]),
    )


class SqlPendenciaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, pendencia: Pendencia) -> None:
        self.session.add(pendencia)

    async def view(self, pendencia_id: int) -> PendenciaView | None:
        row = (await self.session.execute(_view_query().where(t.pendencias.c.id == pendencia_id))).one_or_none()
        return _view(row) if row is not None else None

    async def open(self, staff_id: int | None = None, limit: int = 200) -> Sequence[PendenciaView]:
        query = _view_query().where(*open_condition())
        if staff_id is not None:
            query = query.where(t.stages.c.responsible_id == staff_id)
        query = query.order_by(t.stages.c.due_at.is_(None), t.stages.c.due_at, t.pendencias.c.id).limit(limit)
        return [_view(r) for r in await self.session.execute(query)]

    async def count_open(self, staff_id: int | None = None) -> int:
        query = (
            select(func.count())
            .select_from(t.pendencias)
            .join(t.stages, t.stages.c.id == t.pendencias.c.stage_id)
            .join(t.tickets, t.tickets.c.id == t.stages.c.ticket_id)
            .join(t.customers, t.customers.c.id == t.tickets.c.customer_id)
            .where(*open_condition())
        )
        if staff_id is not None:
            query = query.where(t.stages.c.responsible_id == staff_id)
        return (await self.session.execute(query)).scalar_one()


class SqlMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, message: InternalMessage) -> None:
        self.session.add(message)
