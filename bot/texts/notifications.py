"""The text of each notification the outbox delivers: one renderer per kind, a pure function of its typed payload
(domain.notifications) and the time zone. HTML, every value escaped."""
from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.texts import staff as staff_texts
from bot.texts.format import esc, fmt_datetime, shorten
from bot.texts.labels import stage_status
from domain.notifications import (
    CustomerUnreachableNotice,
    InternalMessageNotice,
    NoteAddedNotice,
    OverdueItem,
    Payload,
    PendenciaNotice,
    ReminderDigestNotice,
    ReminderNotice,
    StageCreatedNotice,
    StageStatusNotice,
    TicketStatusNotice,
)
from domain.pendencias import PendenciaKind

DESCRIPTION_IN_POST = 300  # characters of the customer's description in a pendência post
STAGE_IN_REMINDER = 60  # characters of a stage's description in a reminder line


# --- to the customer ------------------------------------------------------------------------------------------------
def stage_created(n: StageCreatedNotice, zone: ZoneInfo) -> str:
    text = (
        f"🔔 Atendimento <b>nº {n.ticket_number}</b>: nova etapa <b>{n.stage_position} — "
        f"{esc(n.stage_description)}</b>."
    )
    if n.due_at is not None:
        text += f"\nPrevisão: {esc(fmt_datetime(n.due_at, zone))}."
    return text


def stage_status_changed(n: StageStatusNotice, zone: ZoneInfo) -> str:
    return (
        f"🔔 Atendimento <b>nº {n.ticket_number}</b>: a etapa <b>{n.stage_position} — "
        f"{esc(n.stage_description)}</b> está {stage_status(n.status)}."
    )


def note_added(n: NoteAddedNotice, zone: ZoneInfo) -> str:
    author = f" ({esc(n.author)})" if n.author else ""
    return (
        f"💬 Atendimento <b>nº {n.ticket_number}</b>, etapa {n.stage_position} — "
        f"{esc(n.stage_description)}: nova observação{author}:\n{esc(n.text)}"
    )


_TICKET_STATUS_PUSH = {
    "A Retornar": "a equipe vai entrar em contato com você para concluir. 📞",
    "Encerrado": "foi encerrado. Obrigado por falar com a gente! ✅",
    "Cancelado": "foi cancelado. ❌",
}


def ticket_status_changed(n: TicketStatusNotice, zone: ZoneInfo) -> str:
    text = f"🔔 Atendimento <b>nº {n.ticket_number}</b>: {_TICKET_STATUS_PUSH.get(n.status, esc(n.status))}"
    if n.status == "Cancelado" and n.reason:
        text += f"\nMotivo: {esc(n.reason)}"
    return text


# --- to staff -------------------------------------------------------------------------------------------------------
def _responsible(n: PendenciaNotice) -> str:
    if not n.responsible_name:
        return "<i>ninguém (configure o responsável)</i>"
    if n.responsible_login:
        return f"{esc(n.responsible_name)} (@{esc(n.responsible_login)})"
    return esc(n.responsible_name)


def pendencia(n: PendenciaNotice, zone: ZoneInfo) -> str:
    """A new pendência, as the staff group (and the responsible's private chat) sees it."""
    if n.kind == PendenciaKind.NEW_TICKET.value:
        headline = f"🆕 <b>Novo atendimento nº {n.ticket_number}</b>"
    else:
        headline = f"📌 <b>Nova etapa no atendimento nº {n.ticket_number}</b>"
    lines = [headline, f"Cliente: {esc(n.customer_name)}"]
    place = " · ".join(esc(x) for x in (n.empreendimento_name, n.obra_name, n.unit_label) if x)
    if place:
        lines.append(f"Unidade: {place}")
    lines += [
        f"Tipo: {esc(n.type_name)} · Assunto: {esc(n.subject_name)}",
        f"Descrição: {esc(shorten(n.description or '', DESCRIPTION_IN_POST))}",
        f"Etapa {n.stage_position}: <b>{esc(n.stage_description)}</b>",
        f"Responsável: {_responsible(n)}",
        f"Prazo: {fmt_datetime(n.due_at, zone, empty='sem prazo')}",
    ]
    return "\n".join(lines)


def internal_message(n: InternalMessageNotice, zone: ZoneInfo) -> str:
    return staff_texts.internal_message_post(n.message_kind, n.params)


def customer_unreachable(n: CustomerUnreachableNotice, zone: ZoneInfo) -> str:
    return (
        f"🚫 O cliente <b>{esc(n.customer_name)}</b> bloqueou o bot ou desativou a conta no Telegram: "
        "os avisos para ele ficam retidos. Quando ele voltar a falar com o bot, rode "
        "<code>atendimento outbox retry</code> para reenviar."
    )


def _overdue_line(item: OverdueItem, zone: ZoneInfo) -> str:
    return (
        f"• nº {item.ticket_number}, etapa {item.stage_position} — "
        f"{esc(shorten(item.stage_description, STAGE_IN_REMINDER))} (prazo {fmt_datetime(item.due_at, zone)})"
    )


def reminder_digest(n: ReminderDigestNotice, zone: ZoneInfo) -> str:
    lines = ["⏰ <b>Pendências atrasadas</b>"]
    for group in n.groups:
        lines += ["", f"<b>{esc(group.responsible)}</b> ({len(group.items)})"]
        lines += [_overdue_line(item, zone) for item in group.items]
    return "\n".join(lines)


def reminder(n: ReminderNotice, zone: ZoneInfo) -> str:
    lines = [f"⏰ Você tem <b>{len(n.items)}</b> pendência(s) atrasada(s):"]
    lines += [_overdue_line(item, zone) for item in n.items]
    lines.append("Use /pendencias minhas para ver todas.")
    return "\n".join(lines)


RENDERERS: dict[type, Callable[[Payload, ZoneInfo], str]] = {
    StageCreatedNotice: stage_created,
    StageStatusNotice: stage_status_changed,
    NoteAddedNotice: note_added,
    TicketStatusNotice: ticket_status_changed,
    PendenciaNotice: pendencia,
    InternalMessageNotice: internal_message,
    CustomerUnreachableNotice: customer_unreachable,
    ReminderDigestNotice: reminder_digest,
    ReminderNotice: reminder,
}


def render(notice: Payload, zone: ZoneInfo) -> str:
    return RENDERERS[type(notice)](notice, zone)
