"""Reminders of overdue pendências: one digest a day to the staff group, grouped by responsible, and one private
reminder to each linked responsible.

The day's digest key (`g:digest:<day>`) is the day's mark: the first run at or after the reminder time records the
digest (as a skipped row when nothing is overdue) and the private reminders in one transaction; every later run that
day, in any worker, finds the mark and stops after one indexed lookup. Two workers running at once both try to insert
the digest: the unique key lets one win, and the other rolls back, so nobody is reminded twice on the same day."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from domain.clock import Clock
from domain.notifications import (
    Audience,
    Notification,
    OverdueGroup,
    OverdueItem,
    ReminderDigestNotice,
    ReminderNotice,
)
from domain.ports import UnitOfWorkFactory

NOTHING_OVERDUE = "nada_atrasado"


def digest_key(day: date) -> str:
    return f"g:digest:{day.isoformat()}"


class ReminderService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def remind(self, day: date) -> int:
        """Records today's reminders (`day` is the local date); returns how many notifications will be sent (0 when
        they were recorded already, by this worker or another)."""
        key = digest_key(day)
        async with self.uow_factory() as uow:
            if await uow.outbox.existing_keys([key]):
                return 0
            now = self.clock.now()
            overdue = [p for p in await uow.pendencias.open(limit=5000) if p.is_overdue(now)]
            by_responsible: dict[tuple[str, int | None], list[OverdueItem]] = defaultdict(list)
            for p in overdue:
                item = OverdueItem(p.id, p.ticket_number, p.stage_position, p.stage_description, p.due_at)
                by_responsible[(p.responsible_name or "", p.responsible_id)].append(item)
            groups = sorted(by_responsible.items(), key=lambda kv: kv[0][0].casefold())
            digest = Notification(
                key=key,
                audience=Audience.STAFF_GROUP,
                payload=ReminderDigestNotice(day, tuple(OverdueGroup(name, tuple(items)) for (name, _), items in groups)),
                skip_reason=None if groups else NOTHING_OVERDUE,
            )
            if not await uow.outbox.add(digest):
                return 0  # another worker recorded today's reminders first
            recorded = 1 if groups else 0
            for (_, staff_id), items in groups:
                if staff_id is None:
                    continue
                recorded += await uow.outbox.add(
                    Notification(
                        key=f"u:{staff_id}:reminder:{day.isoformat()}",
                        audience=Audience.STAFF_USER,
                        recipient_id=staff_id,
                        payload=ReminderNotice(day, tuple(items)),
                    )
                )
            await uow.commit()
            return recorded
