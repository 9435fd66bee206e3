"""The audit log: appended to in the same transaction as the change it records; read by `atendimento audit`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import ActorKind, AuditAction, AuditEntry
from storage import tables as t


class SqlAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, entry: AuditEntry) -> None:
        await self.session.execute(t.audit_log.insert().values(
            at=entry.at, actor_kind=entry.actor_kind.value, actor=entry.actor, action=entry.action.value,
            chat_id=entry.chat_id, ticket_number=entry.ticket_number, details=dict(entry.details),
        ))

    async def entries(self, ticket_number: int | None = None, actor: str | None = None,
                      since: datetime | None = None, limit: int = 1000) -> list[AuditEntry]:
        query = select(t.audit_log).order_by(t.audit_log.c.id).limit(limit)
        if ticket_number is not None:
            query = query.where(t.audit_log.c.ticket_number == ticket_number)
        if actor is not None:
            query = query.where(t.audit_log.c.actor == actor)
        if since is not None:
            query = query.where(t.audit_log.c.at >= since)
        return [
            AuditEntry(at=row.at, actor_kind=ActorKind(row.actor_kind), actor=row.actor,
                       action=_action(row.action), chat_id=row.chat_id, ticket_number=row.ticket_number,
                       details=row.details or {}, id=row.id)
            for row in (await self.session.execute(query)).all()
        ]


def _action(value: str) -> AuditAction | str:
    try:
        return AuditAction(value)
    except ValueError:  # an action of a newer version, or written by another system: shown as stored
        return value
