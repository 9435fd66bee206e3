"""ATTACHMENT_RETENTION_DAYS: files of atendimentos final for longer than that leave the store, once, with an audit
entry; a file an open atendimento still points at stays; two workers at once delete and record it once."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from domain.audit import AuditAction
from domain.messages import Attachment, AttachmentKind, MessageAuthor, TicketMessage
from domain.services.tickets import TicketService
from storage import tables as t
from storage.file_store import LocalFileStore
from storage.retention import apply_retention
from tests.support.builders import build_catalogue


async def opened_with(uow_factory, clock, tickets, cat, *digests: str) -> int:
    number = (await tickets.open_ticket(cat.ana, cat.request())).ticket_number
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(number)
        await uow.ticket_messages.add(TicketMessage(ticket.id, MessageAuthor.CUSTOMER, clock.now(), None, [
            Attachment(AttachmentKind.PHOTO, f"f{i}", f"u{i}", 10, None, "image/jpeg", d)
            for i, d in enumerate(digests)]), customer_id=cat.ana)
        await uow.commit()
    return number


async def close(db, number: int, at) -> None:
    async with db.engine.begin() as c:
        await c.execute(update(t.stages).where(t.stages.c.ticket_id == select_ticket(number))
                        .values(status="Cancelada", completed_at=at))
        await c.execute(update(t.tickets).where(t.tickets.c.number == number)
                        .values(status="Encerrado", closed_at=at))


def select_ticket(number: int):
    from sqlalchemy import select

    return select(t.tickets.c.id).where(t.tickets.c.number == number).scalar_subquery()


async def test_old_final_atendimentos_lose_their_files_once(db, uow_factory, clock, tmp_path):
    cat = await build_catalogue(db)
    store = LocalFileStore(tmp_path)
    tickets = TicketService(uow_factory, clock)
    old_only, shared, recent_only = (await store.put(b"old"), await store.put(b"shared"), await store.put(b"recent"))
    old = await opened_with(uow_factory, clock, tickets, cat, old_only, shared)
    recent = await opened_with(uow_factory, clock, tickets, cat, recent_only)
    await opened_with(uow_factory, clock, tickets, cat, shared)  # still open: its file must stay
    await close(db, old, clock.now() - timedelta(days=400))
    await close(db, recent, clock.now() - timedelta(days=10))

    runs = await asyncio.gather(*(apply_retention(db, store, clock.now(), days=365) for _ in range(2)))

    assert sorted(run.attachments for run in runs) == [0, 2]
    assert sum(run.files_deleted for run in runs) == 1
    assert not await store.exists(old_only)
    assert await store.exists(shared) and await store.exists(recent_only)
    async with uow_factory() as uow:
        [entry] = [e for e in await uow.audit.entries() if e.action is AuditAction.RETENTION]
        assert entry.details == {"dias": 365, "atendimentos": [old], "anexos": 2, "arquivos": 1}
    again = await apply_retention(db, store, clock.now(), days=365)
    assert (again.attachments, again.files_deleted) == (0, 0)
