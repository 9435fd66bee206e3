"""Recording notifications: one row per key, a repeat changes nothing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import Clock
from domain.notifications import Notification, OutboxState
from storage import tables as t
from storage.notification_payloads import encode_payload


def back_in_line(now: datetime) -> dict:
    """The values that return a parked row to its queue, to be tried at once as if new."""
    return {"state": OutboxState.PENDING, "available_at": now, "last_error": None, "attempts": 0, "refused": False}


class SqlOutbox:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def _insert(self):
        dialect = self.session.bind.dialect.name
        return (postgresql if dialect == "postgresql" else sqlite).insert(t.outbox)

    async def add(self, notification: Notification, *, available_at: datetime | None = None) -> bool:
        now = self.clock.now()
        skipped = notification.skip_reason is not None
        statement = (
            self._insert()
            .values(
                key=notification.key,
                audience=notification.audience.value,
                kind=notification.kind.value,
                recipient_id=notification.recipient_id,
                queue=notification.queue,
                ticket_id=notification.ticket_id,
                payload=encode_payload(notification.payload),
                state=OutboxState.SKIPPED if skipped else OutboxState.PENDING,
                created_at=now,
                available_at=available_at or now,
                last_error=notification.skip_reason,
            )
            .on_conflict_do_nothing(index_elements=["key"])
        )
        result = await self.session.execute(statement)
        return result.rowcount == 1

    async def existing_keys(self, keys: list[str]) -> list[str]:
        found: list[str] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            found.extend((await self.session.execute(select(t.outbox.c.key).where(t.outbox.c.key.in_(chunk)))).scalars())
        return found

    async def requeue_refused(self, queue: str) -> int:
        o = t.outbox
        result = await self.session.execute(
            update(o)
            .where(o.c.queue == queue, o.c.state == OutboxState.PARKED, o.c.refused)
            .values(**back_in_line(self.clock.now()))
        )
        return result.rowcount
