"""A change journalled by the database triggers (stage inserted or status changed, note inserted, ticket status
changed), whoever wrote it: this bot, the command line, or another system writing the tables directly."""
from __future__ import annotations

from dataclasses import dataclass

from domain.statuses import StageStatus, TicketStatus


@dataclass(frozen=True, slots=True)
class Change:
    id: int
    entity: str  # stage | note | ticket
    row_id: int
    ticket_id: int | None
    change: str  # insert | status
    status: str | None

    def customer_keys(self) -> list[str]:
        """The keys of the customer notifications this change calls for (see domain.notifications.customer_key)."""
        if self.entity == "stage":
            keys = [f"c:stage:{self.row_id}:new"] if self.change == "insert" else []
            status = _stage_status(self.status)
            if status is not None and status is not StageStatus.PENDENTE:
                keys.append(f"c:stage:{self.row_id}:{status.name.lower()}")
            return keys
        if self.entity == "note":
            return [f"c:note:{self.row_id}"]
        if self.entity == "ticket":
            status = _ticket_status(self.status)
            if status is not None and status is not TicketStatus.ABERTO:
                return [f"c:ticket:{self.row_id}:{status.name.lower()}"]
        return []


def _stage_status(value: str | None) -> StageStatus | None:
    try:
        return StageStatus(value) if value is not None else None
    except ValueError:
        return None


def _ticket_status(value: str | None) -> TicketStatus | None:
    try:
        return TicketStatus(value) if value is not None else None
    except ValueError:
        return None
