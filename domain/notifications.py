"""What must be told to whom: notifications the services record and the outbox delivers.

Every notification has a deterministic `key`: the same change always yields the same key, whoever noticed it (a
service in the same transaction, or the change feed that watches what other systems write straight into the tables),
so the outbox's unique index makes a repeat harmless and each change is told once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.catalogue import ServiceConfig, Subject
from domain.statuses import StageStatus, TicketStatus, Visibility
from domain.tickets import NoteAdded, StageCreated, StageStatusChanged, Ticket, TicketEvent, TicketStatusChanged


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


def queue_of(audience: Audience | str, recipient_id: int | None) -> str:
    """The delivery queue of a notification: one per chat (or mailbox), delivered strictly in order."""
    audience = Audience(audience)
    if audience is Audience.STAFF_GROUP:
        return "g"
    prefix = {Audience.CUSTOMER: "c", Audience.STAFF_USER: "u", Audience.EMAIL: "e"}[audience]
    return f"{prefix}:{recipient_id}"


@dataclass(frozen=True, slots=True)
class Notification:
    key: str
    audience: Audience
    kind: Kind
    recipient_id: int | None = None
    ticket_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    # Recorded but not to be sent (e.g. the first stage, already announced in the confirmation): the row exists
    # so the change feed does not send it later.
    skip_reason: str | None = None

    @property
    def queue(self) -> str:
        return queue_of(self.audience, self.recipient_id)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


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


def customer_payload(event: TicketEvent, ticket: Ticket) -> tuple[Kind, dict[str, Any]]:
    base: dict[str, Any] = {"ticket_number": ticket.number}
    match event:
        case StageCreated(stage=stage):
            return Kind.STAGE_CREATED, base | {
                "stage_position": stage.position,
                "stage_description": stage.description,
                "due_at": _iso(stage.due_at),
                "at": _iso(stage.created_at),
            }
        case StageStatusChanged(stage=stage, status=status):
            return Kind.STAGE_STATUS, base | {
                "stage_position": stage.position,
                "stage_description": stage.description,
                "status": StageStatus(status).value,
                "at": _iso(stage.completed_at),
            }
        case NoteAdded(stage=stage, note=note):
            return Kind.NOTE_ADDED, base | {
                "stage_position": stage.position,
                "stage_description": stage.description,
                "author": note.author,
                "text": note.text,
                "at": _iso(note.created_at),
            }
        case TicketStatusChanged(status=status):
            return Kind.TICKET_STATUS, base | {
                "status": TicketStatus(status).value,
                "reason": ticket.cancel_reason,
                "at": _iso(ticket.closed_at or ticket.updated_at),
            }
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
    kind, payload = customer_payload(event, ticket)
    skip = "covered_by_confirmation" if covered else customer_may_follow(ticket, subject, config)
    return Notification(
        key=customer_key(event, ticket),
        audience=Audience.CUSTOMER,
        kind=kind,
        recipient_id=ticket.customer_id,
        ticket_id=ticket.id,
        payload=payload,
        skip_reason=skip,
    )


# --- staff --------------------------------------------------------------------------------------------------------
def pendencia_notifications(
    payload: dict[str, Any], pendencia_id: int, responsible_id: int | None, ticket_id: int, config: ServiceConfig
) -> list[Notification]:
    """A new pendência: a post to the staff group, one to the responsible's private chat, and an e-mail."""
    out = [
        Notification(
            key=f"g:pendencia:{pendencia_id}",
            audience=Audience.STAFF_GROUP,
            kind=Kind.PENDENCIA,
            ticket_id=ticket_id,
            payload=payload,
        )
    ]
    if responsible_id is not None:
        out.append(
            Notification(
                key=f"u:{responsible_id}:pendencia:{pendencia_id}",
                audience=Audience.STAFF_USER,
                kind=Kind.PENDENCIA,
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
                    kind=Kind.PENDENCIA,
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
    payload = {"message_id": message_id, "message_kind": kind, "params": params, "to_staff_id": to_staff_id}
    out = [
        Notification(
            key=f"g:message:{message_id}",
            audience=Audience.STAFF_GROUP,
            kind=Kind.INTERNAL_MESSAGE,
            ticket_id=ticket_id,
            payload=payload,
        )
    ]
    if to_staff_id is not None:
        out.append(
            Notification(
                key=f"u:{to_staff_id}:message:{message_id}",
                audience=Audience.STAFF_USER,
                kind=Kind.INTERNAL_MESSAGE,
                recipient_id=to_staff_id,
                ticket_id=ticket_id,
                payload=payload,
            )
        )
    return out
