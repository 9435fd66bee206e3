"""Maps the domain's entities onto the tables (SQLAlchemy 2 imperative mapping), keeping domain/ free of SQLAlchemy.

The ticket row's `version` column guards the whole aggregate: every change to a ticket, its stages or notes touches
the ticket row (see `Ticket._touch`), so two writers that loaded the same version cannot both commit
(`StaleDataError`, turned into `ConcurrentChange` by the unit of work).
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, registry, relationship
from sqlalchemy.orm.attributes import flag_modified

from domain.pendencias import InternalMessage, Pendencia
from domain.tickets import Note, Stage, Ticket
from storage import tables

mapper_registry = registry(metadata=tables.metadata)
_started = False


def start_mappers() -> None:
    global _started
    if _started:
        return
    _started = True
    mapper_registry.map_imperatively(
        Note,
        tables.notes,
        properties={"_stage_id": tables.notes.c.stage_id},
    )
    mapper_registry.map_imperatively(
        Stage,
        tables.stages,
        properties={
            "_ticket_id": tables.stages.c.ticket_id,
            "notes": relationship(
                Note, lazy="selectin", order_by=(tables.notes.c.created_at, tables.notes.c.id),
                cascade="all, delete-orphan",
            ),
        },
    )
    mapper_registry.map_imperatively(
        Ticket,
        tables.tickets,
        properties={
            "_version": tables.tickets.c.version,
            "stages": relationship(
                Stage, lazy="selectin", order_by=tables.stages.c.position, cascade="all, delete-orphan"
            ),
        },
        version_id_col=tables.tickets.c.version,
    )
    mapper_registry.map_imperatively(Pendencia, tables.pendencias)
    mapper_registry.map_imperatively(InternalMessage, tables.internal_messages)
    event.listen(Ticket, "load", _on_ticket_load)
    event.listen(Session, "before_flush", _update_changed_tickets)


def _on_ticket_load(ticket: Ticket, _context) -> None:
    # __init__ does not run on load; the aggregate still needs its event list.
    ticket.events = []


def _update_changed_tickets(session: Session, _context, _instances) -> None:
    # Ticket._touch sets updated_at on every change, but to the same value when the clock has not moved (two
    # changes in one instant): SQLAlchemy would skip the UPDATE of an unchanged row, and with it the version check
    # that stops a second writer. Flagging the column makes the UPDATE (and the check) happen all the same.
    for instance in session.dirty:
        if isinstance(instance, Ticket) and "updated_at" in instance.__dict__:
            flag_modified(instance, "updated_at")
