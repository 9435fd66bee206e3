"""The atendimento aggregate: a Ticket with its Stages and their Notes, and every status rule of SPEC.md.

The entities enforce the rules themselves; services only load, call and save. Each change appends a domain event to
`ticket.events`, from which the services decide who must be told.

Rules (SPEC.md, "Statuses and transitions"), with the choices SPEC.md leaves open:
- Ticket: Aberto → A Retornar → Encerrado; Aberto → Encerrado; Aberto → Cancelado while no stage is Resolvida.
  Encerrado and Cancelado are final. `closed_at` (Data Término) is set exactly when the ticket becomes final.
- Stage: Pendente → Resolvida | Cancelada, both final; `completed_at` (Conclusão) set exactly when it leaves Pendente.
- A Retornar and Encerrado need every stage Resolvida or Cancelada.
- Cancelling a ticket cancels its pending stages with it, so a final ticket never has a pending stage.
- Template stages follow one another: the next one is created when the one before it is *resolved* (a cancelled
  template stage ends the template; staff may still add stages by hand).
- When a stage leaves Pendente, no stage is left Pendente, the template has nothing left to create and at least one
  stage was resolved, the ticket moves by itself to A Retornar (subject asks for a return call) or Encerrado.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.catalogue import StageTemplate, Subject
from domain.errors import (
    CancelAfterResolution,
    InvalidTransition,
    StageNotFound,
    StageNotPending,
    StagesStillPending,
    TicketIsFinal,
)
from domain.statuses import StageStatus, TicketOrigin, TicketStatus
from domain.text_rules import checked_note, checked_reason, checked_stage_description


# --- events -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class StageCreated:
    stage: "Stage"


@dataclass(frozen=True, eq=False)
class StageStatusChanged:
    stage: "Stage"
    status: StageStatus


@dataclass(frozen=True, eq=False)
class NoteAdded:
    stage: "Stage"
    note: "Note"


@dataclass(frozen=True, eq=False)
class TicketStatusChanged:
    status: TicketStatus


TicketEvent = StageCreated | StageStatusChanged | NoteAdded | TicketStatusChanged


# --- entities ---------------------------------------------------------------------------------------------------
class Note:
    """Observação: a dated note on a stage (Lançamento = created_at, Quem = author)."""

    def __init__(self, text: str, author: str, created_at: datetime, author_staff_id: int | None = None) -> None:
        self.id: int | None = None
        self.text = text
        self.author = author
        self.author_staff_id = author_staff_id
        self.created_at = created_at


class Stage:
    """Etapa: one stage of the work, numbered 1, 2, 3… within its ticket."""

    def __init__(
        self,
        position: int,
        description: str,
        responsible_id: int | None,
        created_at: datetime,
        due_at: datetime | None = None,
        template_position: int | None = None,
    ) -> None:
        self.id: int | None = None
        self.position = position
        self.description = description
        self.responsible_id = responsible_id
        self.status = StageStatus.PENDENTE
        self.created_at = created_at
        self.completed_at: datetime | None = None
        self.due_at = due_at
        self.template_position = template_position
        self.notes: list[Note] = []

    @property
    def is_pending(self) -> bool:
        return StageStatus(self.status) is StageStatus.PENDENTE

    def _leave_pending(self, status: StageStatus, now: datetime) -> None:
        if not self.is_pending:
            raise StageNotPending(stage=self.position, status=str(self.status))
        self.status = status
        self.completed_at = now

    def is_overdue(self, now: datetime) -> bool:
        return self.is_pending and self.due_at is not None and self.due_at < now


class Ticket:
    """Atendimento."""

    def __init__(
        self,
        number: int,
        customer_id: int,
        type_id: int,
        subject_id: int,
        description: str,
        created_at: datetime,
        *,
        unit_id: int | None = None,
        empreendimento_id: int | None = None,
        obra_id: int | None = None,
        return_call: bool = False,
        origin: TicketOrigin = TicketOrigin.BOT,
    ) -> None:
        self.id: int | None = None
        self.number = number
        self.customer_id = customer_id
        self.type_id = type_id
        self.subject_id = subject_id
        self.description = description
        self.unit_id = unit_id
        self.empreendimento_id = empreendimento_id
        self.obra_id = obra_id
        self.return_call = return_call
        self.origin = origin
        self.status = TicketStatus.ABERTO
        self.created_at = created_at
        self.closed_at: datetime | None = None
        self.cancel_reason: str | None = None
        self.updated_at = created_at
        self.stages: list[Stage] = []
        self.events: list[TicketEvent] = []

    # --- reading ---------------------------------------------------------------------------------------------------
    @property
    def current_status(self) -> TicketStatus:
        return TicketStatus(self.status)

    @property
    def is_final(self) -> bool:
        return self.current_status.is_final

    def stage(self, position: int) -> Stage:
        for stage in self.stages:
            if stage.position == position:
                return stage
        raise StageNotFound(ticket=self.number, stage=position)

    def ordered_stages(self) -> list[Stage]:
        return sorted(self.stages, key=lambda s: s.position)

    @property
    def pending_stages(self) -> list[Stage]:
        return [s for s in self.ordered_stages() if s.is_pending]

    @property
    def has_resolved_stage(self) -> bool:
        return any(StageStatus(s.status) is StageStatus.RESOLVIDA for s in self.stages)

    @property
    def can_be_cancelled(self) -> bool:
        return self.current_status is TicketStatus.ABERTO and not self.has_resolved_stage

    def _last_template_stage(self) -> Stage | None:
        templated = [s for s in self.stages if s.template_position is not None]
        return max(templated, key=lambda s: s.template_position) if templated else None

    def next_template_stage(self, subject: Subject) -> StageTemplate | None:
        """The template stage still to be created once the current one is resolved, if any."""
        last = self._last_template_stage()
        if last is None:
            return subject.template_after(None) if not self.stages else None
        if StageStatus(last.status) is StageStatus.CANCELADA:
            return None  # a cancelled template stage ends the template
        return subject.template_after(last.template_position)

    # --- changing --------------------------------------------------------------------------------------------------
    def _ensure_open(self) -> None:
        if self.is_final:
            raise TicketIsFinal(ticket=self.number, status=str(self.status))

    def _touch(self, now: datetime) -> None:
        # Every change touches the ticket row, so its version column guards the whole aggregate.
        self.updated_at = now

    def _set_status(self, status: TicketStatus, now: datetime) -> None:
        self.status = status
        if status.is_final:
            self.closed_at = now
        self.events.append(TicketStatusChanged(status))
        self._touch(now)

    def add_stage(
        self,
        description: str,
        responsible_id: int | None,
        now: datetime,
        *,
        due_at: datetime | None = None,
        template_position: int | None = None,
        from_catalogue: bool = False,
    ) -> Stage:
        self._ensure_open()
        # What staff type is checked; the catalogue's own words (a template, a subject's name) were checked on import
        # and must never make the work stop.
        text = " ".join(description.split())[:200] if from_catalogue else checked_stage_description(description)
        position = max((s.position for s in self.stages), default=0) + 1
        stage = Stage(position, text, responsible_id, now, due_at=due_at, template_position=template_position)
        self.stages.append(stage)
        self.events.append(StageCreated(stage))
        self._touch(now)
        return stage

    def add_template_stage(
        self, template: StageTemplate, fallback_responsible_id: int | None, now: datetime
    ) -> Stage:
        due_at = now + timedelta(days=template.due_days) if template.due_days is not None else None
        return self.add_stage(
            template.description,
            template.responsible_id or fallback_responsible_id,
            now,
            due_at=due_at,
            template_position=template.position,
            from_catalogue=True,
        )

    def add_note(
        self, position: int, text: str, author: str, now: datetime, *, author_staff_id: int | None = None
    ) -> Note:
        self._ensure_open()
        stage = self.stage(position)
        note = Note(checked_note(text), author, now, author_staff_id)
        stage.notes.append(note)
        self.events.append(NoteAdded(stage, note))
        self._touch(now)
        return note

    def resolve_stage(
        self,
        position: int,
        now: datetime,
        subject: Subject,
        fallback_responsible_id: int | None,
        *,
        note: str | None = None,
        author: str = "",
        author_staff_id: int | None = None,
    ) -> Stage | None:
        """Resolves stage `position`; returns the next template stage it created, if any."""
        self._ensure_open()
        stage = self.stage(position)
        if not stage.is_pending:
            raise StageNotPending(stage=position, status=str(stage.status))
        if note:
            self.add_note(position, note, author, now, author_staff_id=author_staff_id)
        stage._leave_pending(StageStatus.RESOLVIDA, now)
        self.events.append(StageStatusChanged(stage, StageStatus.RESOLVIDA))
        self._touch(now)
        created = None
        if stage.template_position is not None and stage is self._last_template_stage():
            template = subject.template_after(stage.template_position)
            if template is not None:
                created = self.add_template_stage(template, fallback_responsible_id, now)
        self._move_when_work_is_done(subject, now)
        return created

    def cancel_stage(
        self,
        position: int,
        reason: str,
        now: datetime,
        subject: Subject,
        *,
        author: str = "",
        author_staff_id: int | None = None,
    ) -> Stage:
        self._ensure_open()
        stage = self.stage(position)
        if not stage.is_pending:
            raise StageNotPending(stage=position, status=str(stage.status))
        reason = checked_reason(reason)
        self.add_note(position, reason, author, now, author_staff_id=author_staff_id)
        stage._leave_pending(StageStatus.CANCELADA, now)
        self.events.append(StageStatusChanged(stage, StageStatus.CANCELADA))
        self._touch(now)
        self._move_when_work_is_done(subject, now)
        return stage

    def _move_when_work_is_done(self, subject: Subject, now: datetime) -> None:
        if self.current_status is not TicketStatus.ABERTO:
            return
        if self.pending_stages or self.next_template_stage(subject) is not None or not self.has_resolved_stage:
            return
        self._set_status(TicketStatus.A_RETORNAR if self.return_call else TicketStatus.ENCERRADO, now)

    def mark_a_retornar(self, now: datetime) -> None:
        self._ensure_open()
        if self.current_status is not TicketStatus.ABERTO:
            raise InvalidTransition(ticket=self.number, status=str(self.status), to=str(TicketStatus.A_RETORNAR))
        if self.pending_stages:
            raise StagesStillPending(ticket=self.number, stages=[s.position for s in self.pending_stages])
        self._set_status(TicketStatus.A_RETORNAR, now)

    def close(self, now: datetime) -> None:
        self._ensure_open()
        if self.pending_stages:
            raise StagesStillPending(ticket=self.number, stages=[s.position for s in self.pending_stages])
        self._set_status(TicketStatus.ENCERRADO, now)

    def cancel(self, reason: str, now: datetime) -> None:
        """Cancels the ticket (staff, or the customer themself) while no stage is resolved."""
        self._ensure_open()
        if self.current_status is not TicketStatus.ABERTO:
            raise InvalidTransition(ticket=self.number, status=str(self.status), to=str(TicketStatus.CANCELADO))
        if self.has_resolved_stage:
            raise CancelAfterResolution(ticket=self.number)
        self.cancel_reason = checked_reason(reason)
        for stage in self.pending_stages:
            stage._leave_pending(StageStatus.CANCELADA, now)
            self.events.append(StageStatusChanged(stage, StageStatus.CANCELADA))
        self._set_status(TicketStatus.CANCELADO, now)

    def take_events(self) -> list[TicketEvent]:
        events, self.events = list(self.events), []
        return events
