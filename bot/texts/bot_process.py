"""Texts for operators about the one bot process (storage/bot_lease.py): each one sentence on the command line."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.texts.format import fmt_datetime
from storage.bot_lease import LeaseHolder


def already_running(holder: LeaseHolder, zone: ZoneInfo) -> str:
    return (
        f"Outro processo do bot já está rodando com este banco de dados (máquina {holder.host}, pid {holder.pid}, "
        f"iniciado em {fmt_datetime(holder.started_at, zone)}): pare-o antes de iniciar este; se ele caiu, o lugar "
        "fica livre em até um minuto."
    )


LEASE_LOST = (
    "Este processo do bot ficou sem renovar seu lugar no banco de dados e outro processo assumiu o bot, então este "
    "parou para que os dois não disputem as mensagens do Telegram."
)
