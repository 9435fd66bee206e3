"""The questions the bot asks a staff member after a button ("Nova observação", "Resolver etapa"): whether the
stage may be asked about, and the question awaiting its answer, kept in the person's conversation row in that chat
(domain/conversation.py) so that a restart keeps it. One open question per person and chat: a newer one replaces it.
"""
from __future__ import annotations

from domain.clock import Clock
from domain.conversation import Conversation, ConversationState
from domain.errors import StageNotFound, StageNotPending, TicketIsFinal, TicketNotFound
from domain.ports import UnitOfWorkFactory
from domain.statuses import StageStatus
from domain.views import StageView

NOTE, RESOLUTION = ConversationState.STAFF_NOTE, ConversationState.STAFF_RESOLUTION
QUESTIONS = (NOTE, RESOLUTION)


class StaffQuestions:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def stage_to_ask_about(self, kind: ConversationState, number: int, stage: int) -> StageView:
        """The stage a question would be about, when the question makes sense now (an observation on any stage of an
        atendimento still open; a resolution only of a pending stage)."""
        async with self.uow_factory() as uow:
            details = await uow.tickets.details(number)
        if details is None:
            raise TicketNotFound(number=number)
        if details.is_final:
            raise TicketIsFinal(ticket=number, status=str(details.status))
        found = next((s for s in details.stages if s.position == stage), None)
        if found is None:
            raise StageNotFound(ticket=number, stage=stage)
        if kind is RESOLUTION and found.status is not StageStatus.PENDENTE:
            raise StageNotPending(stage=stage, status=str(found.status))
        return found

    async def asked(self, kind: ConversationState, chat_id: int, user_id: int, number: int, stage: int,
                    message_id: int) -> None:
        """The question `message_id` was sent: the person's answer to it is awaited."""
        if kind not in QUESTIONS:
            raise ValueError(f"{kind} is not a staff question")
        async with self.uow_factory() as uow:
            await uow.conversations.save(Conversation.awaiting(
                kind, chat_id, user_id, self.clock.now(), ticket_number=number, stage=stage, message_id=message_id,
            ))
            await uow.commit()

    async def open_question(self, chat_id: int, user_id: int, replied_message_id: int) -> Conversation | None:
        """The question this reply answers, if it is the person's open one."""
        async with self.uow_factory() as uow:
            conversation = await uow.conversations.get(chat_id, user_id)
        if conversation is None or conversation.state not in QUESTIONS or \
                conversation.message_id != replied_message_id:
            return None
        return conversation

    async def answered(self, question: Conversation) -> None:
        """The question is closed (unless a newer one replaced it meanwhile)."""
        async with self.uow_factory() as uow:
            current = await uow.conversations.get(question.chat_id, question.user_id)
            if current is not None and current.state in QUESTIONS and current.message_id == question.message_id:
                await uow.conversations.delete(question.chat_id, question.user_id)
                await uow.commit()
