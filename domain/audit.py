"""The audit trail: who did what, when, from which chat, on which atendimento (SPEC.md, "Privacy (LGPD) and audit").

Entries are only ever appended. They name people by what the construtora already knows them by — a staff login, a
customer's record id, "operador" — and never carry a name, CPF, phone or Telegram id: an anonymised customer must leave
no trace here either, and nothing in this log may ever be changed to remove one.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ActorKind(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    OPERATOR = "operator"  # the command line
    SYSTEM = "system"  # the bot's own jobs (retention, expiry)


class AuditAction(StrEnum):
    # staff, in the group or in private (commands and buttons alike)
    ADD_STAGE = "etapa"
    ADD_NOTE = "obs"
    RESOLVE_STAGE = "resolver"
    CANCEL_STAGE = "cancelar_etapa"
    RETURN_CALL = "retornar"
    CLOSE = "encerrar"
    CANCEL_TICKET = "cancelar_atendimento"
    REPLY = "responder"
    VIEW = "ver"
    # customers
    OPEN_TICKET = "abrir"
    CUSTOMER_CANCEL = "cancelar_pelo_cliente"
    LINK = "vincular"
    UNLINK = "desvincular"
    DATA_EXPORT = "meus_dados"
    PRIVACY_REQUEST = "apagar_dados"
    # operators and the system
    IMPORT = "importar"
    ANONYMIZE = "anonimizar"
    RETENTION = "retencao_anexos"


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_kind: ActorKind
    actor: str  # staff login, "cliente 42", "operador", "sistema"
    action: AuditAction
    chat_id: int | None = None
    ticket_number: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


def customer_actor(customer_id: int) -> str:
    return f"cliente {customer_id}"
