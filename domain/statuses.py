"""The statuses of SPEC.md, stored in the database exactly as the UI shows them."""
from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    ABERTO = "Aberto"
    A_RETORNAR = "A Retornar"
    ENCERRADO = "Encerrado"
    CANCELADO = "Cancelado"

    @property
    def is_final(self) -> bool:
        return self in (TicketStatus.ENCERRADO, TicketStatus.CANCELADO)


class StageStatus(StrEnum):
    PENDENTE = "Pendente"
    RESOLVIDA = "Resolvida"
    CANCELADA = "Cancelada"

    @property
    def is_final(self) -> bool:
        return self is not StageStatus.PENDENTE


class Visibility(StrEnum):
    """Which of a customer's atendimentos the bot shows them."""

    WEB_SUBJECTS = "web_subjects"
    ALL = "all"


class ServiceMode(StrEnum):
    REGISTER_AND_FOLLOW = "register_and_follow"
    REGISTER_ONLY = "register_only"


class TicketOrigin(StrEnum):
    """Who registered the atendimento; with `Visibility.ALL` the customer sees every origin."""

    BOT = "bot"
    PORTAL = "portal"
    PHONE = "telefone"
    COUNTER = "balcao"
    IMPORT = "importacao"
