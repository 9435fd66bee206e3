"""Reminders of overdue pendências: one digest a day to the staff group, grouped by responsible, and one private
reminder to each linked responsible. The notification keys carry the day, so however many workers run this, and
however often, nobody is reminded twice of the same pendência on the same day."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from domain.clock import Clock
from domain.notifications import Audience, Kind, Notification
from domain.ports import UnitOfWorkFactory


class ReminderService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def remind(self, day: date) -> int:
        """Records today's reminders (`day` is the local date); returns how many new notifications it recorded."""
        async with self.uow_factory() as uow:
            now = self.clock.now()
            overdue = [p for p in await uow.pendencias.open(limit=5000) if p.is_overdue(now)]
            if not overdue:
                return 0
            by_responsible: dict[tuple[str, int | None], list[dict]] = defaultdict(list)
            for p in overdue:
                item = {
                    "pendencia_id": p.id,
                    "ticket_number": p.ticket_number,
                    "stage_position": p.stage_position,
                    "stage_description": p.stage_description,
                    "due_at": p.due_at.isoformat(),
                }
                by_responsible[(p.responsible_name or "", p.responsible_id)].append(item)
            groups = sorted(by_responsible.items(), key=lambda kv: kv[0][0].casefold())
            recorded = 0
            digest = Notification(
                key=f"g:digest:{day.isoformat()}",
                audience=Audience.STAFF_GROUP,
                kind=Kind.REMINDER_DIGEST,
                payload={"day": day.isoformat(), "groups": [[name, items] for (name, _), items in groups]},
            )
            recorded += await uow.outbox.add(digest)
            for (_, staff_id), items in groups:
                if staff_id is None:
                    continue
                recorded += await uow.outbox.add(
                    Notification(
                        key=f"u:{staff_id}:reminder:{day.isoformat()}",
                        audience=Audience.STAFF_USER,
                        kind=Kind.REMINDER,
                        recipient_id=staff_id,
                        payload={"day": day.isoformat(), "items": items},
                    )
                )
            await uow.commit()
            return recorded
