"""Staff commands (issue 4)."""
from __future__ import annotations

from telegram import BotCommand

STAFF_COMMANDS = [
    BotCommand("pendencias", "Pendências abertas (/pendencias minhas)"),
    BotCommand("ver", "Ver um atendimento: /ver número"),
    BotCommand("etapa", "Nova etapa: /etapa número descrição"),
    BotCommand("obs", "Observação: /obs número etapa texto"),
    BotCommand("resolver", "Resolver etapa: /resolver número etapa"),
    BotCommand("cancelar_etapa", "Cancelar etapa: /cancelar_etapa número etapa motivo"),
    BotCommand("retornar", "Marcar A Retornar: /retornar número"),
    BotCommand("encerrar", "Encerrar: /encerrar número"),
    BotCommand("cancelar_atendimento", "Cancelar: /cancelar_atendimento número motivo"),
    BotCommand("diag", "Diagnóstico do bot"),
]
