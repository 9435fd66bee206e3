"""Attachment retention (`ATTACHMENT_RETENTION_DAYS`): the files of atendimentos final for longer than that are
deleted from the store, and the deletion is written to the audit log. The rows keep the file's kind and name.

Safe with any number of workers: a worker forgets a digest with one conditional UPDATE and only what *its* UPDATE
changed is recorded and deleted; bytes that another attachment (an open atendimento's) still points at stay.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from domain.audit import ActorKind, AuditAction, AuditEntry
from domain.ports import FileStore
from storage import tables as t
from storage.database import Database
from storage.repositories.audit import SqlAuditLog

BATCH = 500


@dataclass(frozen=True)
class RetentionRun:
    tickets: int
    attachments: int
    files_deleted: int


async def apply_retention(database: Database, store: FileStore, now: datetime, days: int) -> RetentionRun:
    cutoff = now - timedelta(days=days)
    tickets = attachments = deleted = 0
    while True:
        async with database.sessions() as session:
            rows = (await session.execute(
                select(t.ticket_attachments.c.id, t.ticket_attachments.c.sha256, t.tickets.c.number)
                .join(t.ticket_messages, t.ticket_messages.c.id == t.ticket_attachments.c.message_id)
                .join(t.tickets, t.tickets.c.id == t.ticket_messages.c.ticket_id)
                .where(t.ticket_attachments.c.sha256.is_not(None), t.tickets.c.closed_at.is_not(None),
                       t.tickets.c.closed_at < cutoff)
                .order_by(t.ticket_attachments.c.id).limit(BATCH)
            )).all()
            if not rows:
                break
            # RETURNING gives the new (NULL) digest: what this worker changed is known by id.
            forgotten = set((await session.execute(
                update(t.ticket_attachments)
                .where(t.ticket_attachments.c.id.in_([r.id for r in rows]), t.ticket_attachments.c.sha256.is_not(None))
                .values(sha256=None).returning(t.ticket_attachments.c.id)
            )).scalars())
            mine = [r for r in rows if r.id in forgotten]
            numbers = sorted({r.number for r in mine})
            digests = sorted({r.sha256 for r in mine})
            still_used = set((await session.execute(
                select(t.ticket_attachments.c.sha256).where(t.ticket_attachments.c.sha256.in_(digests or [""]))
                .group_by(t.ticket_attachments.c.sha256).having(func.count() > 0)
            )).scalars())
            to_delete = [d for d in digests if d not in still_used]
            if forgotten:
                await SqlAuditLog(session).append(AuditEntry(
                    now, ActorKind.SYSTEM, "sistema", AuditAction.RETENTION,
                    details={"dias": days, "atendimentos": numbers, "anexos": len(forgotten),
                             "arquivos": len(to_delete)}))
            await session.commit()
        for digest in to_delete:  # after the commit: never a row pointing at deleted bytes
            deleted += await store.delete(digest)
        tickets += len(numbers)
        attachments += len(forgotten)
        if len(rows) < BATCH:
            break
    return RetentionRun(tickets, attachments, deleted)
