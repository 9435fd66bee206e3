"""What a chat is waiting for from one person: one `Conversation` per (chat, Telegram user), kept as one storage row
(`conversations`), read and written in the same transaction as the update's domain change. A restart — even a
SIGKILL — resumes every conversation exactly where it was; python-telegram-bot's ConversationHandler reads its
states from these rows at start-up and keeps nothing of its own (storage/telegram_persistence.py).

No row: the chat waits for nothing in particular. A row holds one `state` and what that state waits on:
- `WIZARD`: /novo in progress; `draft` holds the choices so far, the wizard's message and when it expires;
- `CANCEL_REASON`: the customer's reason for cancelling atendimento `ticket_number`;
- `STAFF_NOTE` / `STAFF_RESOLUTION`: a staff member's answer to the bot's question `message_id` (a ForceReply),
  an observation on, or the resolution of, stage `stage` of atendimento `ticket_number`.
Entering a state replaces whatever the row held: a person is in one conversation per chat at a time.

Adding a state (customer message awaited for atendimento N, staff reply awaited for N, survey comment for N …):
add one member to `ConversationState` (its value is what is stored: never rename one); when it waits on something
other than `ticket_number`/`stage`/`message_id`, add one field here and its column in `storage/tables.py`
(`conversations`, plus a migration). Then register the state's handlers in the ConversationHandler (bot/app.py)
and list it in `CUSTOMER_STATES` when that handler owns it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol, Self

from domain.wizard_draft import WizardDraft


class ConversationState(StrEnum):
    WIZARD = "wizard"
    CANCEL_REASON = "cancel_reason"
    STAFF_NOTE = "staff_note"
    STAFF_RESOLUTION = "staff_resolution"


# The states of the customer's ConversationHandler (bot/app.py); the staff's questions are answered by reply.
CUSTOMER_STATES = frozenset({ConversationState.WIZARD, ConversationState.CANCEL_REASON})


@dataclass(frozen=True, slots=True)
class Conversation:
    chat_id: int
    user_id: int
    state: ConversationState
    created_at: datetime
    updated_at: datetime
    customer_id: int | None = None  # the customer it belongs to (the row goes when the customer does)
    ticket_number: int | None = None  # the atendimento the state is about
    stage: int | None = None  # the stage of that atendimento (staff questions)
    message_id: int | None = None  # the bot's message the state hangs on (a staff question)
    draft: WizardDraft | None = None  # WIZARD only

    @classmethod
    def of_wizard(cls, draft: WizardDraft) -> Self:
        return cls(draft.chat_id, draft.telegram_user_id, ConversationState.WIZARD, draft.created_at,
                   draft.updated_at, customer_id=draft.customer_id, message_id=draft.message_id, draft=draft)

    @classmethod
    def awaiting(cls, state: ConversationState, chat_id: int, user_id: int, now: datetime, **fields) -> Self:
        """A conversation that waits for the person's next message (not the wizard: see `of_wizard`)."""
        if state is ConversationState.WIZARD:
            raise ValueError("a wizard conversation is made from its draft")
        return cls(chat_id, user_id, state, now, now, **fields)

    @property
    def wizard_message_id(self) -> int | None:
        """The message of a wizard in progress, whose buttons must go when the wizard does."""
        return self.draft.message_id if self.draft is not None else None

    def expires_at(self) -> datetime | None:
        return self.draft.expires_at if self.draft is not None else None

    def with_draft(self, draft: WizardDraft) -> Self:
        return replace(self, draft=draft, updated_at=draft.updated_at, message_id=draft.message_id)


class ConversationRepository(Protocol):
    async def get(self, chat_id: int, user_id: int) -> Conversation | None: ...

    async def save(self, conversation: Conversation) -> None:
        """Stores the conversation, replacing whatever the chat and user's row held."""

    async def delete(self, chat_id: int, user_id: int) -> bool:
        """True when there was a row to delete."""

    async def expired(self, now: datetime, limit: int) -> list[Conversation]:
        """Conversations whose time has run out (wizards abandoned), the longest expired first."""
