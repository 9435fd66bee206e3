"""Ana's messages and photos on her atendimento, and João's answer, read back in order with their attachments."""
from __future__ import annotations

from datetime import timedelta

from domain.messages import Attachment, AttachmentKind, MessageAuthor, TicketMessage
from domain.services.tickets import TicketService
from tests.support.builders import build_catalogue


def leak_photo(n: int, sha: str | None = None) -> Attachment:
    return Attachment(AttachmentKind.PHOTO, f"AgAC-file-{n}", f"AQAD-{n}", 120_000, None, "image/jpeg", sha)


async def test_messages_and_attachments_read_back_in_order(db, uow_factory, clock):
    cat = await build_catalogue(db)
    number = (await TicketService(uow_factory, clock).open_ticket(cat.ana, cat.request())).ticket_number
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(number)
        await uow.ticket_messages.add(
            TicketMessage(ticket.id, MessageAuthor.CUSTOMER, clock.now(), None, [leak_photo(1, "a" * 64),
                                                                                 leak_photo(2)]),
            customer_id=cat.ana, opening=True,
        )
        clock.advance(minutes=5)
        await uow.ticket_messages.add(
            TicketMessage(ticket.id, MessageAuthor.STAFF, clock.now(), "Qual cômodo?", staff_id=cat.staff["joao"])
        )
        clock.advance(minutes=5)
        doc = Attachment(AttachmentKind.DOCUMENT, "BQAC-doc", "AgAD-doc", 2048, "../../etc/passwd", "application/pdf")
        await uow.ticket_messages.add(
            TicketMessage(ticket.id, MessageAuthor.CUSTOMER, clock.now(), "No quarto.", [doc]), customer_id=cat.ana
        )
        await uow.commit()

    async with uow_factory() as uow:
        messages = await uow.ticket_messages.for_ticket(ticket.id)
        recent = await uow.ticket_messages.recent_from_customer(cat.ana, clock.now() - timedelta(minutes=1))
        in_use = await uow.ticket_messages.digest_in_use("a" * 64)
    assert [(m.author, m.text, m.author_name) for m in messages] == [
        (MessageAuthor.CUSTOMER, None, None),
        (MessageAuthor.STAFF, "Qual cômodo?", "João Silva"),
        (MessageAuthor.CUSTOMER, "No quarto.", None),
    ]
    assert [a.file_unique_id for a in messages[0].attachments] == ["AQAD-1", "AQAD-2"]
    assert messages[0].attachments[0].sha256 == "a" * 64
    assert messages[2].attachments[0].file_name == "../../etc/passwd"  # kept as text, shown, never a path
    assert len(recent) == 1 and in_use


async def test_a_reply_to_a_bot_message_finds_its_atendimento(db, uow_factory, clock):
    cat = await build_catalogue(db)
    number = (await TicketService(uow_factory, clock).open_ticket(cat.ana, cat.request())).ticket_number
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(number)
        await uow.ticket_messages.remember_sent(chat_id=7001, message_id=55, ticket_id=ticket.id, now=clock.now())
        await uow.ticket_messages.remember_sent(chat_id=7001, message_id=55, ticket_id=ticket.id, now=clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.ticket_messages.about(7001, 55) == (ticket.id, None)
        assert await uow.ticket_messages.about(7001, 56) is None
        assert await uow.ticket_messages.about(-100, 55) is None
