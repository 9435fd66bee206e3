"""Everything the bot says to staff: in the staff group and in a staff user's private chat (HTML, values escaped)."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.texts.format import esc, fmt_datetime, shorten
from bot.texts.labels import stage_status, ticket_status
from domain.views import PendenciaView, TicketDetails

DESCRIPTION_IN_POST = 300  # characters of the customer's description in a pendência post


def _when(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _place(p: dict) -> str:
    return " · ".join(esc(x) for x in (p.get("empreendimento_name"), p.get("obra_name"), p.get("unit_label")) if x)


def _responsible(p: dict) -> str:
    name = p.get("responsible_name")
    if not name:
        return "<i>ninguém (configure o responsável)</i>"
    login = p.get("responsible_login")
    return f"{esc(name)} (@{esc(login)})" if login else esc(name)


def pendencia_post(p: dict, zone: ZoneInfo) -> str:
    """A new pendência, as the staff group (and the responsible's private chat) sees it."""
    headline = "🆕 <b>Novo atendimento nº {n}</b>" if p.get("kind") == "novo_atendimento" else "📌 <b>Nova etapa no atendimento nº {n}</b>"
    due = _when(p.get("due_at"))
    lines = [
        headline.format(n=p["ticket_number"]),
        f"Cliente: {esc(p.get('customer_name'))}",
    ]
    place = _place(p)
    if place:
        lines.append(f"Unidade: {place}")
    lines += [
        f"Tipo: {esc(p.get('type_name'))} · Assunto: {esc(p.get('subject_name'))}",
        f"Descrição: {esc(shorten(p.get('description') or '', DESCRIPTION_IN_POST))}",
        f"Etapa {p['stage_position']}: <b>{esc(p.get('stage_description'))}</b>",
        f"Responsável: {_responsible(p)}",
        f"Prazo: {fmt_datetime(due, zone, empty='sem prazo')}",
    ]
    return "\n".join(lines)


BUTTON_VIEW = "🔎 Ver"
BUTTON_RESOLVE = "✅ Resolver etapa {stage}"
BUTTON_NOTE = "💬 Nova observação"


def customer_cancelled(params: dict) -> str:
    return (
        f"❌ O cliente cancelou o atendimento <b>nº {params.get('ticket_number')}</b>.\n"
        f"Motivo: {esc(params.get('reason'))}"
    )


def customer_unreachable(p: dict) -> str:
    return (
        f"🚫 O cliente <b>{esc(p.get('customer_name'))}</b> bloqueou o bot ou desativou a conta no Telegram: "
        "os avisos para ele ficam retidos. Quando ele voltar a falar com o bot, rode "
        "<code>atendimento outbox retry</code> para reenviar."
    )


def delivery_parked(p: dict) -> str:
    return (
        f"⚠️ Uma notificação não pôde ser entregue e ficou retida ({esc(p.get('where'))}): "
        f"{esc(p.get('error'))}. Veja com <code>atendimento outbox list</code>."
    )


def error_report(kind: str, escaped_trace: str) -> str:
    return f"⚠️ <b>Erro no bot</b> ({esc(kind)}). Detalhes técnicos:\n<pre>{escaped_trace}</pre>"


def internal_message_post(kind: str, params: dict) -> str:
    from bot.texts import email as email_texts

    if kind == "email_falhou":
        return "📧 " + email_texts.email_failed(
            pendencia_id=params.get("pendencia_id"),
            ticket_number=params.get("ticket_number"),
            recipient=params.get("recipient", ""),
            reason=params.get("reason", "other"),
            detail=params.get("detail", ""),
            attempts=params.get("attempts", 1),
        )
    if kind == "cancelado_pelo_cliente":
        return customer_cancelled(params)
    if kind == "entrega_falhou":
        return delivery_parked(params)
    return f"📨 Mensagem interna: {esc(kind)}"


# --- reminders ------------------------------------------------------------------------------------------------------
def reminder_digest(groups: list[tuple[str, list[dict]]], zone: ZoneInfo) -> str:
    lines = ["⏰ <b>Pendências atrasadas</b>"]
    for responsible, items in groups:
        lines.append("")
        lines.append(f"<b>{esc(responsible)}</b> ({len(items)})")
        for p in items:
            lines.append(
                f"• nº {p['ticket_number']}, etapa {p['stage_position']} — {esc(shorten(p['stage_description'], 60))} "
                f"(prazo {fmt_datetime(_when(p['due_at']), zone)})"
            )
    return "\n".join(lines)


def reminder_private(items: list[dict], zone: ZoneInfo) -> str:
    lines = [f"⏰ Você tem <b>{len(items)}</b> pendência(s) atrasada(s):"]
    for p in items:
        lines.append(
            f"• nº {p['ticket_number']}, etapa {p['stage_position']} — {esc(shorten(p['stage_description'], 60))} "
            f"(prazo {fmt_datetime(_when(p['due_at']), zone)})"
        )
    lines.append("Use /pendencias minhas para ver todas.")
    return "\n".join(lines)
