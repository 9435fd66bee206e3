"""Use cases that change atendimentos: opening one, and everything staff (or the customer) do to it afterwards.

Each use case runs in one unit of work: load, let the entities apply the rules, record who must be told (outbox rows
in the same transaction), commit. Nothing here sends anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.audit import ActorKind, AuditAction, AuditEntry, customer_actor
from domain.catalogue import ServiceConfig, StaffUser, Subject
from domain.clock import Clock
from domain.errors import FollowingNotOffered, StaffNotFound, TicketNotFound
from domain.notifications import (
    PendenciaNotice,
    customer_notification,
    internal_message_notifications,
    pendencia_notifications,
)
from domain.pendencias import InternalMessage, MessageKind, Pendencia, PendenciaKind
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.services.options import CustomerOptions
from domain.statuses import TicketOrigin, TicketStatus, Visibility
from domain.text_rules import checked_description, checked_reason
from domain.tickets import StageCreated, StageStatusChanged, Ticket, TicketStatusChanged


@dataclass(frozen=True, slots=True)
class NewTicketRequest:
    """What the customer chose in /novo."""

    type_id: int
    subject_id: int
    empreendimento_id: int
    unit_id: int
    description: str


@dataclass(frozen=True, slots=True)
class CreatedStage:
    position: int
    description: str
    responsible_id: int | None
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a change did, for the answer to whoever asked for it."""

    ticket_number: int
    ticket_status: TicketStatus
    created_stages: tuple[CreatedStage, ...] = ()
    status_changed_to: TicketStatus | None = None


def _placeholder_subject(subject_id: int) -> Subject:
    # A ticket written by another system may name a subject the catalogue does not hold: no template, not visible.
    return Subject(id=subject_id, name=f"#{subject_id}", enabled=False, responsible_id=None, return_call=False)


def fallback_responsible(subject: Subject, config: ServiceConfig) -> int | None:
    """Who gets a template stage that names nobody: the subject's responsible, else the configured one."""
    return subject.responsible_id or config.responsible_id


async def customer_options(uow: UnitOfWork, customer_id: int) -> CustomerOptions:
    units = await uow.catalogue.units_of_customer(customer_id)
    return CustomerOptions.build(
        await uow.catalogue.ticket_types(),
        await uow.catalogue.subjects(),
        units,
        await uow.catalogue.empreendimentos(sorted({u.empreendimento_id for u in units})),
    )


class TicketService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    # --- customer -----------------------------------------------------------------------------------------------
    async def open_ticket(self, customer_id: int, request: NewTicketRequest) -> Outcome:
        """Saves the atendimento with its number and first template stage, raises the pendência, records pushes."""
        async with self.uow_factory() as uow:
            outcome = await self.open_in(uow, customer_id, request)
            await uow.commit()
            return outcome

    async def open_in(self, uow: UnitOfWork, customer_id: int, request: NewTicketRequest, *,
                      chat_id: int | None = None) -> Outcome:
        """`open_ticket` inside the caller's unit of work (the wizard consumes its draft in the same transaction, so a
        restart can neither lose the atendimento nor send it twice); the caller commits."""
        description = checked_description(request.description)
        options = await customer_options(uow, customer_id)
        subject = options.subject(request.type_id, request.subject_id)
        options.empreendimento(request.type_id, request.subject_id, request.empreendimento_id)
        unit = options.unit(request.type_id, request.subject_id, request.empreendimento_id, request.unit_id)
        config = await uow.catalogue.config()
        now = self.clock.now()
        ticket = Ticket(
            await uow.tickets.next_number(),
            customer_id,
            request.type_id,
            subject.id,
            description,
            now,
            unit_id=unit.id,
            empreendimento_id=unit.empreendimento_id,
            obra_id=unit.obra_id,
            return_call=subject.return_call,
            origin=TicketOrigin.BOT,
        )
        first = subject.template_after(None)
        if first is not None:
            ticket.add_template_stage(first, fallback_responsible(subject, config), now)
        else:
            # A subject without a stage template still gets one stage, so somebody is responsible for it.
            ticket.add_stage(subject.name, fallback_responsible(subject, config), now, from_catalogue=True)
        uow.tickets.add(ticket)
        outcome = await self._record(uow, ticket, subject, config, now, opened=True)
        await self._audit(uow, customer_id, AuditAction.OPEN_TICKET, ticket.number, chat_id)
        return outcome

    async def cancel_by_customer(self, customer_id: int, number: int, reason: str) -> Outcome:
        async with self.uow_factory() as uow:
            outcome = await self.cancel_by_customer_in(uow, customer_id, number, reason)
            await uow.commit()
            return outcome

    async def cancel_by_customer_in(self, uow: UnitOfWork, customer_id: int, number: int, reason: str, *,
                                    chat_id: int | None = None) -> Outcome:
        """`cancel_by_customer` inside the caller's unit of work (the customer's conversation ends in the same
        transaction); the caller commits."""
        reason = checked_reason(reason)
        config = await uow.catalogue.config()
        if not config.follows:
            raise FollowingNotOffered()
        ticket = await uow.tickets.get(number)
        subject = await self._subject(uow, ticket)
        if ticket is None or ticket.customer_id != customer_id or (
            config.visibility is Visibility.WEB_SUBJECTS and not subject.enabled
        ):
            raise TicketNotFound(number=number)
        now = self.clock.now()
        responsibles = {s.responsible_id for s in ticket.pending_stages if s.responsible_id is not None}
        ticket.cancel(reason, now)
        outcome = await self._record(uow, ticket, subject, config, now, by_customer=True)
        for staff_id in sorted(responsibles) or [config.responsible_id]:
            await self._message(
                uow,
                MessageKind.CUSTOMER_CANCELLED,
                staff_id,
                {"ticket_number": ticket.number, "reason": reason},
                now,
                ticket.id,
            )
        await self._audit(uow, customer_id, AuditAction.CUSTOMER_CANCEL, ticket.number, chat_id)
        return outcome

    # --- staff --------------------------------------------------------------------------------------------------
    async def add_stage(
        self, actor: StaffUser, number: int, description: str, responsible_login: str | None = None,
        *, chat_id: int | None = None,
    ) -> Outcome:
        async with self.uow_factory() as uow:
            ticket, subject, config = await self._load(uow, number)
            responsible = actor
            if responsible_login is not None:
                responsible = await uow.catalogue.staff_by_login(responsible_login.lstrip("@"))
                if responsible is None or not responsible.active:
                    raise StaffNotFound(login=responsible_login)
            now = self.clock.now()
            ticket.add_stage(description, responsible.id, now)
            outcome = await self._record(uow, ticket, subject, config, now)
            await self._audit(uow, actor, AuditAction.ADD_STAGE, number, chat_id,
                              {"etapa": outcome.created_stages[-1].position})
            await uow.commit()
            return outcome

    async def add_note(self, actor: StaffUser, number: int, position: int, text: str,
        *, chat_id: int | None = None,
    ) -> Outcome:
        async with self.uow_factory() as uow:
            ticket, subject, config = await self._load(uow, number)
            now = self.clock.now()
            ticket.add_note(position, text, actor.name, now, author_staff_id=actor.id)
            outcome = await self._record(uow, ticket, subject, config, now)
            await self._audit(uow, actor, AuditAction.ADD_NOTE, number, chat_id, {"etapa": position})
            await uow.commit()
            return outcome

    async def resolve_stage(self, actor: StaffUser, number: int, position: int, note: str | None = None,
        *, chat_id: int | None = None,
    ) -> Outcome:
        async with self.uow_factory() as uow:
            ticket, subject, config = await self._load(uow, number)
            now = self.clock.now()
            ticket.resolve_stage(
                position,
                now,
                subject,
                fallback_responsible(subject, config),
                note=note,
                author=actor.name,
                author_staff_id=actor.id,
            )
            outcome = await self._record(uow, ticket, subject, config, now)
            await self._audit(uow, actor, AuditAction.RESOLVE_STAGE, number, chat_id, {"etapa": position})
            await uow.commit()
            return outcome

    async def cancel_stage(self, actor: StaffUser, number: int, position: int, reason: str,
        *, chat_id: int | None = None,
    ) -> Outcome:
        async with self.uow_factory() as uow:
            ticket, subject, config = await self._load(uow, number)
            now = self.clock.now()
            ticket.cancel_stage(position, reason, now, subject, author=actor.name, author_staff_id=actor.id)
            outcome = await self._record(uow, ticket, subject, config, now)
            await self._audit(uow, actor, AuditAction.CANCEL_STAGE, number, chat_id, {"etapa": position})
            await uow.commit()
            return outcome

    async def mark_a_retornar(self, actor: StaffUser, number: int, *, chat_id: int | None = None) -> Outcome:
        async with self.uow_factory() as uow:
            ticket, subject, config = await self._load(uow, number)
            now = self.clock.now()
            ticket.mark_a_retornar(now)
            outcome = await self._record(uow, ticket, subject, config, now)
            await self._audit(uow, actor, AuditAction.RETURN_CALL, number, chat_id, {})
            await uow.commit()
            return outcome

    async def close(self, actor: StaffUser, number: int, note: str | None = None,
        *, chat_id: int | None = None,
    ) -> Outcome:
        async with self.uow_factory() as uow:
            ticket, subject, config = await self._load(uow, number)
            now = self.clock.now()
            if note:
                stages = ticket.ordered_stages()
                if stages:  # the closing observation goes on the last stage, before the ticket becomes final
                    ticket.add_note(stages[-1].position, note, actor.name, now, author_staff_id=actor.id)
            ticket.close(now)
            outcome = await self._record(uow, ticket, subject, config, now)
            await self._audit(uow, actor, AuditAction.CLOSE, number, chat_id, {})
            await uow.commit()
            return outcome

    async def cancel(self, actor: StaffUser, number: int, reason: str, *, chat_id: int | None = None) -> Outcome:
        async with self.uow_factory() as uow:
            ticket, subject, config = await self._load(uow, number)
            now = self.clock.now()
            ticket.cancel(reason, now)
            outcome = await self._record(uow, ticket, subject, config, now)
            await self._audit(uow, actor, AuditAction.CANCEL_TICKET, number, chat_id, {})
            await uow.commit()
            return outcome

    # --- shared -------------------------------------------------------------------------------------------------
    async def _audit(self, uow: UnitOfWork, actor: StaffUser | int, action: AuditAction, number: int,
                     chat_id: int | None, details: dict | None = None) -> None:
        """Who did it (a staff login, or a customer's record id), from which chat: in the change's transaction. Not in
        demo mode: going live restarts the ticket numbers, and the append-only log would tie the demo's actions to
        real atendimentos."""
        if (await uow.catalogue.config()).demo_mode:
            return
        kind, who = ((ActorKind.STAFF, actor.login) if isinstance(actor, StaffUser)
                     else (ActorKind.CUSTOMER, customer_actor(actor)))
        await uow.audit.append(AuditEntry(self.clock.now(), kind, who, action, chat_id, number, details or {}))

    @staticmethod
    async def _subject(uow: UnitOfWork, ticket: Ticket | None) -> Subject:
        if ticket is None:
            return _placeholder_subject(0)
        return await uow.catalogue.subject(ticket.subject_id) or _placeholder_subject(ticket.subject_id)

    async def _load(self, uow: UnitOfWork, number: int) -> tuple[Ticket, Subject, ServiceConfig]:
        ticket = await uow.tickets.get(number)
        if ticket is None:
            raise TicketNotFound(number=number)
        return ticket, await self._subject(uow, ticket), await uow.catalogue.config()

    async def _message(
        self,
        uow: UnitOfWork,
        kind: MessageKind,
        to_staff_id: int | None,
        params: dict,
        now: datetime,
        ticket_id: int | None,
    ) -> InternalMessage:
        message = InternalMessage(kind, to_staff_id, params, now, ticket_id)
        uow.messages.add(message)
        await uow.flush()
        if kind is not MessageKind.PENDENCIA:  # a pendência is posted as itself, with its buttons
            for n in internal_message_notifications(message.id, kind.value, params, to_staff_id, ticket_id):
                await uow.outbox.add(n)
        return message

    async def _record(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        subject: Subject,
        config: ServiceConfig,
        now: datetime,
        *,
        opened: bool = False,
        by_customer: bool = False,
    ) -> Outcome:
        """Turns the ticket's events into pendências, internal messages and outbox rows."""
        await uow.flush()
        created: list[CreatedStage] = []
        status_changed: TicketStatus | None = None
        for event in ticket.take_events():
            # The customer is answered directly about what they did themselves; the row is kept, marked skipped,
            # so that the change feed never sends it later.
            covered = (opened and isinstance(event, StageCreated)) or (
                by_customer and isinstance(event, (TicketStatusChanged, StageStatusChanged))
            )
            notice = customer_notification(event, ticket, subject, config, covered=covered)
            if notice is not None:
                await uow.outbox.add(notice)
            if isinstance(event, StageCreated):
                stage = event.stage
                created.append(CreatedStage(stage.position, stage.description, stage.responsible_id, stage.due_at))
                kind = PendenciaKind.NEW_TICKET if opened else PendenciaKind.STAGE
                pendencia = Pendencia(kind, stage.responsible_id, ticket.id, stage.id, now, stage.due_at)
                uow.pendencias.add(pendencia)
                await uow.flush()
                view = await uow.pendencias.view(pendencia.id)
                if view is None:  # just written in this transaction: only a broken join could hide it
                    raise LookupError(f"pendência {pendencia.id} has no view")
                payload = PendenciaNotice.of(view)
                await self._message(
                    uow,
                    MessageKind.PENDENCIA,
                    stage.responsible_id,
                    {"pendencia_id": pendencia.id, "ticket_number": ticket.number, "stage_position": stage.position},
                    now,
                    ticket.id,
                )
                for n in pendencia_notifications(payload, pendencia.id, stage.responsible_id, ticket.id, config):
                    await uow.outbox.add(n)
            elif isinstance(event, TicketStatusChanged):
                status_changed = TicketStatus(event.status)
        return Outcome(ticket.number, ticket.current_status, tuple(created), status_changed)
