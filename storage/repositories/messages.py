"""Messages and attachments of atendimentos, and the map from the bot's Telegram messages to the atendimento each is
about (a Telegram reply to one of them is a message on that atendimento)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.messages import Attachment, AttachmentKind, MessageAuthor, TicketMessage
from storage import tables as t
from sqlalchemy.dialects import postgresql, sqlite


class SqlTicketMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, message: TicketMessage, customer_id: int | None = None, opening: bool = False) -> int:
        message_id = (await self.session.execute(
            t.ticket_messages.insert().values(
                ticket_id=message.ticket_id, author=message.author.value, customer_id=customer_id,
                staff_id=message.staff_id, created_at=message.created_at, text=message.text, opening=opening,
            ).returning(t.ticket_messages.c.id)
        )).scalar_one()
        if message.attachments:
            await self.session.execute(t.ticket_attachments.insert(), [
                {"message_id": message_id, "position": position, "kind": a.kind.value, "file_id": a.file_id,
                 "file_unique_id": a.file_unique_id, "file_name": a.file_name, "mime_type": a.mime_type,
                 "size": a.size, "sha256": a.sha256}
                for position, a in enumerate(message.attachments, start=1)
            ])
        message.id = message_id
        return message_id

    async def for_ticket(self, ticket_id: int) -> list[TicketMessage]:
        rows = (await self.session.execute(
            select(t.ticket_messages, t.staff_users.c.name.label("staff_name"))
            .outerjoin(t.staff_users, t.staff_users.c.id == t.ticket_messages.c.staff_id)
            .where(t.ticket_messages.c.ticket_id == ticket_id)
            .order_by(t.ticket_messages.c.id)
        )).all()
        if not rows:
            return []
        attachments = await self._attachments([row.id for row in rows])
        return [
            TicketMessage(
                ticket_id=row.ticket_id, author=MessageAuthor(row.author), created_at=row.created_at, text=row.text,
                attachments=attachments.get(row.id, []), staff_id=row.staff_id, author_name=row.staff_name,
                id=row.id,
            )
            for row in rows
        ]

    async def _attachments(self, message_ids: Sequence[int]) -> dict[int, list[Attachment]]:
        rows = (await self.session.execute(
            select(t.ticket_attachments)
            .where(t.ticket_attachments.c.message_id.in_(message_ids))
            .order_by(t.ticket_attachments.c.message_id, t.ticket_attachments.c.position)
        )).all()
        found: dict[int, list[Attachment]] = {}
        for row in rows:
            found.setdefault(row.message_id, []).append(Attachment(
                kind=AttachmentKind(row.kind), file_id=row.file_id, file_unique_id=row.file_unique_id,
                size=row.size, file_name=row.file_name, mime_type=row.mime_type, sha256=row.sha256, id=row.id,
            ))
        return found

    async def recent_from_customer(self, customer_id: int, since: datetime) -> list[datetime]:
        return list((await self.session.execute(
            select(t.ticket_messages.c.created_at)
            .where(t.ticket_messages.c.customer_id == customer_id, t.ticket_messages.c.created_at > since)
        )).scalars())

    async def digest_in_use(self, sha256: str) -> bool:
        """Whether any attachment still points at these bytes (a file sent twice is stored once)."""
        count = (await self.session.execute(
            select(func.count()).select_from(t.ticket_attachments).where(t.ticket_attachments.c.sha256 == sha256)
        )).scalar_one()
        return count > 0

    async def forget_digest(self, sha256: str) -> int:
        """The bytes were deleted from the store: the rows keep the file's name and kind, not the digest."""
        result = await self.session.execute(
            update(t.ticket_attachments).where(t.ticket_attachments.c.sha256 == sha256).values(sha256=None)
        )
        return result.rowcount

    # --- which bot message is about which atendimento --------------------------------------------------------------
    async def remember_sent(self, chat_id: int, message_id: int, ticket_id: int, now: datetime,
                            ticket_message_id: int | None = None) -> None:
        insert = postgresql.insert if self.session.bind.dialect.name == "postgresql" else sqlite.insert
        await self.session.execute(insert(t.telegram_message_refs).values(
            chat_id=chat_id, message_id=message_id, ticket_id=ticket_id, ticket_message_id=ticket_message_id,
            created_at=now,
        ).on_conflict_do_nothing())

    async def about(self, chat_id: int, message_id: int) -> tuple[int, int | None] | None:
        """(ticket id, ticket message id) of a message the bot sent into this chat, or None."""
        row = (await self.session.execute(
            select(t.telegram_message_refs.c.ticket_id, t.telegram_message_refs.c.ticket_message_id)
            .where(t.telegram_message_refs.c.chat_id == chat_id, t.telegram_message_refs.c.message_id == message_id)
        )).first()
        return (row.ticket_id, row.ticket_message_id) if row else None

    async def forget_chat(self, chat_id: int) -> None:
        await self.session.execute(delete(t.telegram_message_refs).where(t.telegram_message_refs.c.chat_id == chat_id))
