"""Read models: what the bot shows, assembled by storage queries in a fixed, small number of round trips."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.statuses import StageStatus, TicketStatus


@dataclass(frozen=True, slots=True)
class TicketSummary:
    """A line of /meus."""

    id: int
    number: int
    status: TicketStatus
    subject_name: str
    description: str
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class PageCursor:
    """A keyset position in a customer's list, newest first: (created_at, id) of the row next to the page."""

    created_at: datetime
    ticket_id: int
    backwards: bool = False  # True: the page *before* this position


@dataclass(frozen=True, slots=True)
class TicketPage:
    items: tuple[TicketSummary, ...]
    total: int
    page_number: int  # 1-based
    page_count: int
    next_cursor: PageCursor | None
    prev_cursor: PageCursor | None


@dataclass(frozen=True, slots=True)
class NoteView:
    created_at: datetime
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class StageView:
    position: int
    description: str
    status: StageStatus
    created_at: datetime
    completed_at: datetime | None
    due_at: datetime | None
    responsible_id: int | None
    responsible_name: str | None
    notes: tuple[NoteView, ...] = ()


@dataclass(frozen=True, slots=True)
class TicketDetails:
    id: int
    number: int
    status: TicketStatus
    description: str
    created_at: datetime
    closed_at: datetime | None
    cancel_reason: str | None
    customer_id: int
    customer_name: str
    type_name: str
    subject_id: int
    subject_name: str
    subject_enabled: bool
    empreendimento_name: str | None
    obra_name: str | None
    unit_label: str | None
    unit_items: tuple[str, ...]
    origin: str
    stages: tuple[StageView, ...] = ()

    @property
    def is_final(self) -> bool:
        return self.status.is_final

    @property
    def can_be_cancelled(self) -> bool:
        return self.status is TicketStatus.ABERTO and not any(
            s.status is StageStatus.RESOLVIDA for s in self.stages
        )


@dataclass(frozen=True, slots=True)
class PendenciaView:
    """Everything the staff group post of a pendência shows."""

    id: int
    kind: str
    created_at: datetime
    due_at: datetime | None
    ticket_id: int
    ticket_number: int
    ticket_status: TicketStatus
    description: str
    stage_position: int
    stage_description: str
    stage_status: StageStatus
    customer_name: str
    type_name: str
    subject_name: str
    empreendimento_name: str | None
    obra_name: str | None
    unit_label: str | None
    responsible_id: int | None
    responsible_login: str | None
    responsible_name: str | None

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now

    def as_payload(self) -> dict:
        """JSON-safe facts for an outbox row."""
        out = {}
        for name in self.__slots__:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif hasattr(value, "value"):
                value = value.value
            out[name] = value
        return out
