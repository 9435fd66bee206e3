"""Historical atendimentos (the `tickets:` section): inserted once, by number, never rewritten.

History is not news: the change-capture triggers journal every stage and note inserted here, and those journal rows
are deleted in the same transaction, so nothing of the past is pushed to customers. Ticket numbering moves past the
highest number imported, and each pending stage of an open ticket gets its pendência, as if staff had created it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.pendencias import PendenciaKind
from domain.statuses import StageStatus, TicketStatus
from storage import tables as t
from storage.catalogue.known import Known, chunked
from storage.catalogue.schema import Catalogue, Ticket
from storage.repositories.tickets import SEQUENCE_JUMP_LOCK, TICKET_NUMBER_COUNTER


async def insert_history(connection: AsyncConnection, c: Catalogue, known: Known,
                         staff_ids: dict[str, int]) -> tuple[int, int]:
    """Returns (inserted, already there)."""
    new = [x for x in c.tickets if x.number not in known.ticket_numbers]
    if not new:
        return 0, len(c.tickets)
    units = dict(known.units) | {u.id: (u.empreendimento, u.obra) for u in c.units}
    return_call = dict(known.subjects) | {s.id: s.return_call for s in c.subjects}

    result = await connection.execute(
        insert(t.tickets).returning(t.tickets.c.id, sort_by_parameter_order=True),
        [_ticket_row(x, units, return_call) for x in new],
    )
    ticket_ids = [row.id for row in result]

    stage_rows: list[dict[str, Any]] = []
    stage_sources: list[tuple[Ticket, int, Any]] = []
    for ticket, ticket_id in zip(new, ticket_ids):
        for position, stage in enumerate(ticket.stages, start=1):
            stage_rows.append({
                "ticket_id": ticket_id, "position": position, "description": stage.description,
                "responsible_id": staff_ids.get(stage.responsible), "status": stage.status.value,
                "created_at": stage.created_at, "completed_at": stage.completed_at, "due_at": stage.due_at,
                "template_position": stage.template_position,
            })
            stage_sources.append((ticket, ticket_id, stage))
    if stage_rows:
        result = await connection.execute(
            insert(t.stages).returning(t.stages.c.id, sort_by_parameter_order=True), stage_rows
        )
        stage_ids = [row.id for row in result]
        note_rows = [
            {"stage_id": stage_id, "created_at": note.created_at, "author": note.author, "text": note.text}
            for (_, _, stage), stage_id in zip(stage_sources, stage_ids)
            for note in stage.notes
        ]
        if note_rows:
            await connection.execute(insert(t.notes), note_rows)
        pendencias = [
            {"kind": (PendenciaKind.NEW_TICKET if row["position"] == 1 else PendenciaKind.STAGE).value,
             "staff_id": row["responsible_id"], "ticket_id": ticket_id, "stage_id": stage_id,
             "created_at": row["created_at"], "due_at": row["due_at"]}
            for row, (ticket, ticket_id, _), stage_id in zip(stage_rows, stage_sources, stage_ids)
            if row["status"] == StageStatus.PENDENTE.value and not TicketStatus(ticket.status).is_final
        ]
        if pendencias:
            await connection.execute(insert(t.pendencias), pendencias)

    for batch in chunked(ticket_ids):
        await connection.execute(t.change_log.delete().where(t.change_log.c.ticket_id.in_(batch)))
    await _advance_numbering(connection, max(x.number for x in new))
    return len(new), len(c.tickets) - len(new)


def _ticket_row(x: Ticket, units: dict[int, tuple[int, int | None]], return_call: dict[int, bool]) -> dict:
    empreendimento_id, obra_id = units.get(x.unit, (None, None)) if x.unit is not None else (None, None)
    return {
        "number": x.number, "customer_id": x.customer, "type_id": x.type, "subject_id": x.subject,
        "empreendimento_id": empreendimento_id, "obra_id": obra_id, "unit_id": x.unit,
        "description": x.description, "status": x.status.value, "origin": x.origin.value,
        "return_call": return_call.get(x.subject, False), "created_at": x.created_at, "closed_at": x.closed_at,
        "cancel_reason": x.cancel_reason, "updated_at": last_event(x), "version": 1,
    }


def last_event(x: Ticket) -> datetime:
    moments = [x.created_at, x.closed_at]
    for stage in x.stages:
        moments += [stage.created_at, stage.completed_at, *(note.created_at for note in stage.notes)]
    return max(m for m in moments if m is not None)


async def _advance_numbering(connection: AsyncConnection, highest: int) -> None:
    """The next ticket the bot opens gets a number past every imported one (see SqlTicketRepository.next_number)."""
    if connection.dialect.name == "postgresql":
        # Forward only (never below a number already handed out), and one jumper at a time with the repository's.
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCE_JUMP_LOCK})
        await connection.execute(
            text(
                "SELECT setval('ticket_number_seq', CAST(:highest AS bigint)) FROM ticket_number_seq "
                "WHERE (CASE WHEN is_called THEN last_value ELSE last_value - 1 END) < :highest"
            ),
            {"highest": highest},
        )
        return
    stored = (await connection.execute(
        select(t.counters.c.value).where(t.counters.c.name == TICKET_NUMBER_COUNTER)
    )).scalar()
    if stored is None:
        await connection.execute(insert(t.counters).values(name=TICKET_NUMBER_COUNTER, value=highest))
    elif stored < highest:
        await connection.execute(
            update(t.counters).where(t.counters.c.name == TICKET_NUMBER_COUNTER).values(value=highest)
        )

