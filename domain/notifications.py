"""What must be told to whom: notifications the services record and the outbox delivers.

Every notification has a deterministic `key`: the same change always yields the same key, whoever noticed it (a
service in the same transaction, or the change feed that watches what other systems write straight into the tables),
so the outbox's unique index makes a repeat harmless and each change is told once.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, ClassVar

from domain.catalogue import ServiceConfig, Subject
from domain.statuses import StageStatus, TicketStatus, Visibility
from domain.tickets import NoteAdded, StageCreated, StageStatusChanged, Ticket, TicketEvent, TicketStatusChanged
from domain.views import PendenciaView


class Audience(StrEnum):
    CUSTOMER = "customer"  # recipient_id: customer id; chat resolved at delivery (they may have unlinked)
    STAFF_GROUP = "staff_group"  # the configured group, resolved at delivery (it may have migrated)
    STAFF_USER = "staff_user"  # recipient_id: staff id; their private chat, when linked
    EMAIL = "email"  # recipient_id: staff id; through that user's SMTP settings


class Kind(StrEnum):
    STAGE_CREATED = "stage_created"
    STAGE_STATUS = "stage_status"
    NOTE_ADDED = "note_added"
    TICKET_STATUS = "ticket_status"
    PENDENCIA = "pendencia"
    INTERNAL_MESSAGE = "internal_message"
    CUSTOMER_UNREACHABLE = "customer_unreachable"
    REMINDER_DIGEST = "reminder_digest"
    REMINDER = "reminder"


class OutboxState(StrEnum):
    """Where an outbox row is: waiting (`PENDING`, also between retries), in one worker's hands (`CLAIMED`), or done —
    sent (`DELIVERED`), kept for the operator (`PARKED`) or recorded only (`SKIPPED`)."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DELIVERED = "delivered"
    PARKED = "parked"
    SKIPPED = "skipped"


OPEN_STATES = (OutboxState.PENDING, OutboxState.CLAIMED)


# --- queues: made and read here only --------------------------------------------------------------------------------
_QUEUE_PREFIX = {Audience.CUSTOMER: "c", Audience.STAFF_USER: "u", Audience.EMAIL: "e"}
_PREFIX_AUDIENCE = {prefix: audience for audience, prefix in _QUEUE_PREFIX.items()}
STAFF_GROUP_QUEUE = "g"


def queue_of(audience: Audience | str, recipient_id: int | None) -> str:
    """The delivery queue of a notification: one per chat (or mailbox), delivered strictly in order."""
    audience = Audience(audience)
    if audience is Audience.STAFF_GROUP:
        return STAFF_GROUP_QUEUE
    return f"{_QUEUE_PREFIX[audience]}:{recipient_id}"


def parse_queue(queue: str) -> tuple[Audience, int | None] | None:
    """The audience and recipient a queue name stands for (None: not a queue name `queue_of` makes)."""
    if queue == STAFF_GROUP_QUEUE:
        return Audience.STAFF_GROUP, None
    prefix, _, number = queue.partition(":")
    audience = _PREFIX_AUDIENCE.get(prefix)
    if audience is None or not number.isdigit():
        return None
    return audience, int(number)


# --- payloads: one frozen dataclass per kind ------------------------------------------------------------------------
# Stored as JSON in outbox.payload with their VERSION under "v" (storage.notification_payloads). A row without "v" was
# written before payloads were typed (version 0): same field names as version 1, read as such. A later change of
# shape bumps VERSION and adds the step from the previous version to `upgrade`, so rows already queued stay readable.
@dataclass(frozen=True, slots=True)
class StageCreatedNotice:
    KIND: ClassVar[Kind] = Kind.STAGE_CREATED
    VERSION: ClassVar[int] = 1
    ticket_number: int
    stage_position: int
    stage_description: str
    due_at: datetime | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StageStatusNotice:
    KIND: ClassVar[Kind] = Kind.STAGE_STATUS
    VERSION: ClassVar[int] = 1
    ticket_number: int
    stage_position: int
    stage_description: str
    status: str  # StageStatus value
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NoteAddedNotice:
    KIND: ClassVar[Kind] = Kind.NOTE_ADDED
    VERSION: ClassVar[int] = 1
    ticket_number: int
    stage_position: int
    stage_description: str
    text: str
    author: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TicketStatusNotice:
    KIND: ClassVar[Kind] = Kind.TICKET_STATUS
    VERSION: ClassVar[int] = 1
    ticket_number: int
    status: str  # TicketStatus value
    reason: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PendenciaNotice:
    """A new pendência as the staff group, the responsible and their e-mail see it (domain.views.PendenciaView)."""

    KIND: ClassVar[Kind] = Kind.PENDENCIA
    VERSION: ClassVar[int] = 1
    id: int
    kind: str  # PendenciaKind value: "novo_atendimento" or a new stage
    ticket_number: int
    stage_position: int
    stage_description: str
    created_at: datetime | None = None
    due_at: datetime | None = None
    ticket_id: int | None = None
    ticket_status: str | None = None
    description: str | None = None
    stage_status: str | None = None
    customer_name: str | None = None
    type_name: str | None = None
    subject_name: str | None = None
    empreendimento_name: str | None = None
    obra_name: str | None = None
    unit_label: str | None = None
    responsible_id: int | None = None
    responsible_login: str | None = None
    responsible_name: str | None = None

    @classmethod
    def of(cls, view: PendenciaView) -> PendenciaNotice:
        values = {f.name: getattr(view, f.name) for f in fields(cls)}
        return cls(**{name: v.value if isinstance(v, Enum) else v for name, v in values.items()})


@dataclass(frozen=True, slots=True)
class InternalMessageNotice:
    KIND: ClassVar[Kind] = Kind.INTERNAL_MESSAGE
    VERSION: ClassVar[int] = 1
    message_id: int
    message_kind: str  # MessageKind value; `params` are that kind's facts
    params: dict[str, Any] = field(default_factory=dict)
    to_staff_id: int | None = None


@dataclass(frozen=True, slots=True)
class CustomerUnreachableNotice:
    KIND: ClassVar[Kind] = Kind.CUSTOMER_UNREACHABLE
    VERSION: ClassVar[int] = 1
    customer_id: int
    customer_name: str


@dataclass(frozen=True, slots=True)
class OverdueItem:
    pendencia_id: int
    ticket_number: int
    stage_position: int
    stage_description: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class OverdueGroup:
    responsible: str  # the responsible's name ("" when nobody is)
    items: tuple[OverdueItem, ...]


@dataclass(frozen=True, slots=True)
class ReminderDigestNotice:
    KIND: ClassVar[Kind] = Kind.REMINDER_DIGEST
    VERSION: ClassVar[int] = 1
    day: date
    groups: tuple[OverdueGroup, ...]


@dataclass(frozen=True, slots=True)
class ReminderNotice:
    KIND: ClassVar[Kind] = Kind.REMINDER
    VERSION: ClassVar[int] = 1
    day: date
    items: tuple[OverdueItem, ...]


Payload = (
    StageCreatedNotice | StageStatusNotice | NoteAddedNotice | TicketStatusNotice | PendenciaNotice
    | InternalMessageNotice | CustomerUnreachableNotice | ReminderDigestNotice | ReminderNotice
)
PAYLOAD_TYPES: dict[Kind, type] = {
    cls.KIND: cls
    for cls in (StageCreatedNotice, StageStatusNotice, NoteAddedNotice, TicketStatusNotice, PendenciaNotice,
                InternalMessageNotice, CustomerUnreachableNotice, ReminderDigestNotice, ReminderNotice)
}


class PayloadError(ValueError):
    """A stored payload this code cannot read (an unknown kind, or a version newer than it knows)."""


def upgrade(kind: Kind, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """A stored payload of `version` in the shape of its kind's current VERSION."""
    current = PAYLOAD_TYPES[kind].VERSION
    if version > current:
        raise PayloadError(f"{kind.value} payload version {version} is newer than this program ({current})")
    if version == 0 and kind is Kind.REMINDER_DIGEST:
        # Version 0 wrote each group as a [name, items] pair.
        data = data | {"groups": [
            {"responsible": g[0], "items": g[1]} if isinstance(g, list | tuple) else g for g in data.get("groups", [])
        ]}
    return data


@dataclass(frozen=True, slots=True)
class Notification:
    key: str
    audience: Audience
    payload: Payload
    recipient_id: int | None = None
    ticket_id: int | None = None
    # Recorded but not to be sent (e.g. the first stage, already announced in the confirmation): the row exists
    # so the change feed does not send it later.
    skip_reason: str | None = None

    @property
    def kind(self) -> Kind:
        return self.payload.KIND

    @property
    def queue(self) -> str:
        return queue_of(self.audience, self.recipient_id)


# --- customer -----------------------------------------------------------------------------------------------------
def customer_key(event: TicketEvent, ticket: Ticket) -> str:
    match event:
        case StageCreated(stage=stage):
            return f"c:stage:{stage.id}:new"
        case StageStatusChanged(stage=stage, status=status):
            return f"c:stage:{stage.id}:{StageStatus(status).name.lower()}"
        case NoteAdded(note=note):
            return f"c:note:{note.id}"
        case TicketStatusChanged(status=status):
            return f"c:ticket:{ticket.id}:{TicketStatus(status).name.lower()}"
    raise TypeError(event)


def customer_payload(event: TicketEvent, ticket: Ticket) -> Payload:
    match event:
        case StageCreated(stage=stage):
            return StageCreatedNotice(ticket.number, stage.position, stage.description, stage.due_at, stage.created_at)
        case StageStatusChanged(stage=stage, status=status):
            return StageStatusNotice(ticket.number, stage.position, stage.description, StageStatus(status).value,
                                     stage.completed_at)
        case NoteAdded(stage=stage, note=note):
            return NoteAddedNotice(ticket.number, stage.position, stage.description, note.text, note.author,
                                   note.created_at)
        case TicketStatusChanged(status=status):
            return TicketStatusNotice(ticket.number, TicketStatus(status).value, ticket.cancel_reason,
                                      ticket.closed_at or ticket.updated_at)
    raise TypeError(event)


def customer_may_follow(ticket: Ticket, subject: Subject | None, config: ServiceConfig) -> str | None:
    """Why the customer is not told about this ticket (None: they are)."""
    if not config.follows:
        return "register_only"
    if config.visibility is Visibility.WEB_SUBJECTS and (subject is None or not subject.enabled):
        return "subject_not_visible"
    return None


def customer_notification(
    event: TicketEvent, ticket: Ticket, subject: Subject | None, config: ServiceConfig, *, covered: bool = False
) -> Notification | None:
    """The push to the customer for one ticket event (the rule is the same for every writer of the change)."""
    if isinstance(event, StageStatusChanged) and StageStatus(event.status) is StageStatus.PENDENTE:
        return None
    if isinstance(event, TicketStatusChanged) and TicketStatus(event.status) is TicketStatus.ABERTO:
        return None
    skip = "covered_by_confirmation" if covered else customer_may_follow(ticket, subject, config)
    return Notification(
        key=customer_key(event, ticket),
        audience=Audience.CUSTOMER,
        recipient_id=ticket.customer_id,
        ticket_id=ticket.id,
        payload=customer_payload(event, ticket),
        skip_reason=skip,
    )


# --- staff --------------------------------------------------------------------------------------------------------
def pendencia_notifications(
    payload: PendenciaNotice, pendencia_id: int, responsible_id: int | None, ticket_id: int, config: ServiceConfig
) -> list[Notification]:
    """A new pendência: a post to the staff group, one to the responsible's private chat, and an e-mail."""
    out = [
        Notification(
            key=f"g:pendencia:{pendencia_id}",
            audience=Audience.STAFF_GROUP,
            ticket_id=ticket_id,
            payload=payload,
        )
    ]
    if responsible_id is not None:
        out.append(
            Notification(
                key=f"u:{responsible_id}:pendencia:{pendencia_id}",
                audience=Audience.STAFF_USER,
                    recipient_id=responsible_id,
                ticket_id=ticket_id,
                payload=payload,
            )
        )
        if config.send_external_email:
            out.append(
                Notification(
                    key=f"e:pendencia:{pendencia_id}",
                    audience=Audience.EMAIL,
                            recipient_id=responsible_id,
                    ticket_id=ticket_id,
                    payload=payload,
                )
            )
    return out


def internal_message_notifications(
    message_id: int, kind: str, params: dict[str, Any], to_staff_id: int | None, ticket_id: int | None
) -> list[Notification]:
    """An internal message goes to the staff group and, when linked, to the addressee's private chat."""
    payload = InternalMessageNotice(message_id, kind, params, to_staff_id)
    out = [
        Notification(
            key=f"g:message:{message_id}",
            audience=Audience.STAFF_GROUP,
            ticket_id=ticket_id,
            payload=payload,
        )
    ]
    if to_staff_id is not None:
        out.append(
            Notification(
                key=f"u:{to_staff_id}:message:{message_id}",
                audience=Audience.STAFF_USER,
                    recipient_id=to_staff_id,
                ticket_id=ticket_id,
                payload=payload,
            )
        )
    return out
