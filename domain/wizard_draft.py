"""The /novo wizard's draft: the choices a customer has made so far, kept as a storage row so that a restart of the
bot (even a SIGKILL) loses none of them, and so that an abandoned draft can still be expired after a restart.

It is the wizard's part of the chat's one conversation row (domain/conversation.py), one per chat and Telegram user.
The choice fields hold catalogue ids that the wizard re-checks against what the customer may choose before using them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Self


@dataclass(frozen=True, slots=True)
class WizardDraft:
    customer_id: int
    telegram_user_id: int
    chat_id: int
    step: str  # the wizard's step the customer is at, as the wizard names it (tipo, assunto, … confirmacao)
    created_at: datetime
    updated_at: datetime
    expires_at: datetime  # after this the draft is abandoned: the customer is told, the draft dropped
    type_id: int | None = None
    subject_id: int | None = None
    empreendimento_id: int | None = None
    unit_id: int | None = None
    description: str | None = None
    message_id: int | None = None  # the wizard's own message, edited in place at each step

    @classmethod
    def start(
        cls,
        *,
        customer_id: int,
        telegram_user_id: int,
        chat_id: int,
        step: str,
        now: datetime,
        lifetime: timedelta,
        message_id: int | None = None,
    ) -> Self:
        return cls(
            customer_id=customer_id,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            step=step,
            created_at=now,
            updated_at=now,
            expires_at=now + lifetime,
            message_id=message_id,
        )

    def advanced(self, now: datetime, lifetime: timedelta, **changes: Any) -> Self:
        """The draft after the customer did something: the changes applied, and its life starting again."""
        return replace(self, **changes, updated_at=now, expires_at=now + lifetime)

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

