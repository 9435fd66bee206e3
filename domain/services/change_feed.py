"""The change feed: tells customers about changes no service recorded (another system wrote the tables directly).

The triggers journal every change; a change whose notification key is already in the outbox was recorded by a
service in the same transaction as the change and is simply consumed. The rest become notifications through the same
rule a service uses (`domain.notifications.customer_notification`), so the customer is told once, whatever wrote it.
The cost of a run grows with the number of changes journalled since the last one, never with the size of the tables.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from domain.changes import Change
from domain.clock import Clock
from domain.notifications import customer_notification
from domain.ports import UnitOfWorkFactory
from domain.services.tickets import _placeholder_subject
from domain.statuses import StageStatus, TicketStatus
from domain.tickets import NoteAdded, StageCreated, StageStatusChanged, Ticket, TicketEvent, TicketStatusChanged


def _events(change: Change, ticket: Ticket, missing: set[str]) -> list[TicketEvent]:
    events: list[TicketEvent] = []
    if change.entity == "ticket":
        if f"c:ticket:{change.row_id}:{TicketStatus(change.status).name.lower()}" in missing:
            events.append(TicketStatusChanged(TicketStatus(change.status)))
        return events
    for stage in ticket.stages:
        if change.entity == "stage" and stage.id == change.row_id:
            if change.change == "insert" and f"c:stage:{stage.id}:new" in missing:
                events.append(StageCreated(stage))
            status = StageStatus(change.status) if change.status else None
            if status is not None and status is not StageStatus.PENDENTE:
                if f"c:stage:{stage.id}:{status.name.lower()}" in missing:
                    events.append(StageStatusChanged(stage, status))
        if change.entity == "note":
            for note in stage.notes:
                if note.id == change.row_id and f"c:note:{note.id}" in missing:
                    events.append(NoteAdded(stage, note))
    return events


@dataclass(frozen=True, slots=True)
class FeedRun:
    consumed: int  # journalled changes looked at (and deleted from the journal)
    recorded: int  # notifications they called for that no service had recorded


class ChangeFeed:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def run_once(self, limit: int = 500) -> int:
        """Consumes up to `limit` journalled changes; returns how many notifications it recorded."""
        return (await self.feed(limit)).recorded

    async def feed(self, limit: int = 500) -> FeedRun:
        """Consumes up to `limit` journalled changes. A caller draining the journal goes on while `consumed` is
        `limit`: most changes are covered by a service already and record nothing."""
        async with self.uow_factory() as uow:
            changes = await uow.changes.claim(limit)
            if not changes:
                return FeedRun(0, 0)
            wanted = {key for change in changes for key in change.customer_keys()}
            missing = wanted - set(await uow.outbox.existing_keys(sorted(wanted))) if wanted else set()
            by_ticket: dict[int, list[Change]] = defaultdict(list)
            for change in changes:
                if change.ticket_id is not None and missing.intersection(change.customer_keys()):
                    by_ticket[change.ticket_id].append(change)
            recorded = 0
            if by_ticket:
                config = await uow.catalogue.config()
                for ticket_id, ticket_changes in by_ticket.items():
                    ticket = await uow.tickets.get_by_id(ticket_id)
                    if ticket is None:
                        continue
                    subject = await uow.catalogue.subject(ticket.subject_id) or _placeholder_subject(ticket.subject_id)
                    for change in sorted(ticket_changes, key=lambda c: c.id):
                        for event in _events(change, ticket, missing):
                            notice = customer_notification(event, ticket, subject, config)
                            if notice is not None and await uow.outbox.add(notice):
                                recorded += 1
                                missing.discard(notice.key)
            await uow.changes.delete([c.id for c in changes])
            await uow.commit()
            return FeedRun(len(changes), recorded)
