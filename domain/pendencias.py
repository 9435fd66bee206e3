"""Pendências (to-dos raised for staff) and internal messages (messages to a staff user inside the system)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any


class PendenciaKind(StrEnum):
    NEW_TICKET = "novo_atendimento"  # the first stage of a new atendimento
    STAGE = "etapa"  # any later stage, from the template or added by hand


class Pendencia:
    """Open while its stage is Pendente and its ticket is not final (the storage query decides, so that changes
    written straight into the tables by other systems close pendências too)."""

    def __init__(
        self,
        kind: PendenciaKind,
        staff_id: int | None,
        ticket_id: int,
        stage_id: int,
        created_at: datetime,
        due_at: datetime | None,
    ) -> None:
        self.id: int | None = None
        self.kind = kind
        self.staff_id = staff_id
        self.ticket_id = ticket_id
        self.stage_id = stage_id
        self.created_at = created_at
        self.due_at = due_at


class MessageKind(StrEnum):
    PENDENCIA = "pendencia"
    EMAIL_FAILED = "email_falhou"
    CUSTOMER_CANCELLED = "cancelado_pelo_cliente"
    DELIVERY_FAILED = "entrega_falhou"


class InternalMessage:
    """Mensagem interna: to a staff user, also posted to the staff group.

    It stores its kind and the facts it is about (`params`, JSON-safe); the words are the text catalogue's, so one
    message reads the same wherever it is shown.
    """

    def __init__(
        self,
        kind: MessageKind,
        to_staff_id: int | None,
        params: dict[str, Any],
        created_at: datetime,
        ticket_id: int | None = None,
    ) -> None:
        self.id: int | None = None
        self.kind = kind
        self.to_staff_id = to_staff_id
        self.params = params
        self.created_at = created_at
        self.ticket_id = ticket_id
        self.read_at: datetime | None = None
