"""The customer's conversation beside the wizard: cancelling one of their atendimentos (the reason is awaited in the
chat's conversation row, domain/conversation.py), and leaving whatever the chat waits for.

Each call is one transaction: the row and the domain change it leads to are written together.
"""
from __future__ import annotations

from dataclasses import dataclass

from domain.clock import Clock
from domain.conversation import CUSTOMER_STATES, Conversation, ConversationState
from domain.errors import (
    CancelAfterResolution,
    DomainError,
    FollowingNotOffered,
    InvalidText,
    NotLinked,
    TicketIsFinal,
    TicketNotFound,
)
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.services.queries import visible_to_customer
from domain.services.tickets import TicketService
from domain.services.wizard import WizardService


@dataclass(frozen=True, slots=True)
class Left:
    """What the chat was waiting for before it was left (None: nothing), and the wizard message whose buttons go."""

    state: ConversationState | None
    wizard_message_id: int | None = None


class CustomerConversations:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, tickets: TicketService,
                 wizard: WizardService) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.tickets = tickets
        self.wizard = wizard

    async def _customer_id(self, uow: UnitOfWork, user_id: int) -> int:
        customer = await uow.customers.by_telegram(user_id)
        if customer is None:
            raise NotLinked()
        return customer.id

    def _left(self, conversation: Conversation | None) -> Left:
        if conversation is None:
            return Left(None)
        shown = self.wizard.forget_shown(conversation.chat_id, conversation.user_id)
        message_id = (shown or conversation.wizard_message_id) if conversation.draft is not None else None
        return Left(conversation.state, message_id)

    async def ask_cancel_reason(self, chat_id: int, user_id: int, number: int) -> Left:
        """The customer pressed "Cancelar atendimento N": if N may be cancelled, the chat now waits for the reason
        (whatever it waited for before is left, returned)."""
        async with self.uow_factory() as uow:
            customer_id = await self._customer_id(uow, user_id)
            config = await uow.catalogue.config()
            if not config.follows:
                raise FollowingNotOffered()
            details = await uow.tickets.details(number)
            if not visible_to_customer(details, customer_id, config):
                raise TicketNotFound(number=str(number))
            if details.is_final:
                raise TicketIsFinal(ticket=number, status=details.status.value)
            if not details.can_be_cancelled:
                raise CancelAfterResolution(ticket=number)
            earlier = await uow.conversations.get(chat_id, user_id)
            await uow.conversations.save(Conversation.awaiting(
                ConversationState.CANCEL_REASON, chat_id, user_id, self.clock.now(), customer_id=customer_id,
                ticket_number=number,
            ))
            await uow.commit()
            return self._left(earlier)

    async def awaited_cancellation(self, chat_id: int, user_id: int) -> int | None:
        """The atendimento whose cancellation reason the chat waits for, if any."""
        async with self.uow_factory() as uow:
            conversation = await uow.conversations.get(chat_id, user_id)
            if conversation is None or conversation.state is not ConversationState.CANCEL_REASON:
                return None
            return conversation.ticket_number

    async def cancel_with_reason(self, chat_id: int, user_id: int, reason: str) -> int | None:
        """The reason arrived: the atendimento is cancelled and the wait ends, in one transaction; returns its number
        (None: nothing waited for a reason). A reason the rules refuse keeps the wait; any other refusal ends it."""
        async with self.uow_factory() as uow:
            conversation = await uow.conversations.get(chat_id, user_id)
            if conversation is None or conversation.state is not ConversationState.CANCEL_REASON:
                return None
            number = conversation.ticket_number
            try:
                customer_id = await self._customer_id(uow, user_id)
                await self.tickets.cancel_by_customer_in(uow, customer_id, number, reason, chat_id=chat_id)
            except InvalidText:
                raise
            except DomainError:
                await uow.rollback()
                await uow.conversations.delete(chat_id, user_id)
                await uow.commit()
                raise
            await uow.conversations.delete(chat_id, user_id)
            await uow.commit()
            return number

    async def leave(self, chat_id: int, user_id: int) -> Left:
        """/cancelar: leaves whichever of the customer's conversations is in progress. NotLinked when there is none
        and the person is nobody's."""
        async with self.uow_factory() as uow:
            conversation = await uow.conversations.get(chat_id, user_id)
            if conversation is None or conversation.state not in CUSTOMER_STATES:
                await self._customer_id(uow, user_id)
                return Left(None)
            await uow.conversations.delete(chat_id, user_id)
            await uow.commit()
            return self._left(conversation)

    async def forget(self, chat_id: int, user_id: int) -> Left:
        """The account was linked anew or unlinked: what the chat waited for belonged to the earlier link."""
        async with self.uow_factory() as uow:
            conversation = await uow.conversations.get(chat_id, user_id)
            if conversation is None or conversation.state not in CUSTOMER_STATES:
                return Left(None)
            await uow.conversations.delete(chat_id, user_id)
            await uow.commit()
            return self._left(conversation)
