from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.changes import Change
from storage import tables as t


class SqlChangeJournal:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, limit: int) -> list[Change]:
        """The oldest journalled changes; on PostgreSQL rows another worker is consuming are skipped, not awaited."""
        query = select(t.change_log).order_by(t.change_log.c.id).limit(limit)
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = await self.session.execute(query)
        return [Change(r.id, r.entity, r.row_id, r.ticket_id, r.change, r.status) for r in rows]

    async def delete(self, ids: list[int]) -> None:
        if ids:
            await self.session.execute(delete(t.change_log).where(t.change_log.c.id.in_(ids)))
