"""Outbox rows → the text (and buttons) that go to Telegram. Rows of one batch share a chat and an atendimento and
are folded into one message."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.staff_keyboards import pendencia_actions
from bot.texts import customer as customer_texts
from bot.texts import staff as staff_texts
from bot.texts.format import fmt_datetime
from domain.notifications import Kind
from storage.delivery_queue import ClaimedBatch, OutboxRow


def _due(value: str | None, zone: ZoneInfo) -> str | None:
    return fmt_datetime(datetime.fromisoformat(value), zone) if value else None


def render_row(row: OutboxRow, zone: ZoneInfo) -> str:
    p = row.payload
    kind = Kind(row.kind)
    if kind is Kind.STAGE_CREATED:
        return customer_texts.push_stage_created(p, _due(p.get("due_at"), zone))
    if kind is Kind.STAGE_STATUS:
        return customer_texts.push_stage_status(p)
    if kind is Kind.NOTE_ADDED:
        return customer_texts.push_note(p)
    if kind is Kind.TICKET_STATUS:
        return customer_texts.push_ticket_status(p)
    if kind is Kind.PENDENCIA:
        return staff_texts.pendencia_post(p, zone)
    if kind is Kind.INTERNAL_MESSAGE:
        return staff_texts.internal_message_post(p.get("message_kind", ""), p.get("params") or {})
    if kind is Kind.CUSTOMER_UNREACHABLE:
        return staff_texts.customer_unreachable(p)
    if kind is Kind.REMINDER_DIGEST:
        return staff_texts.reminder_digest([(name, items) for name, items in p.get("groups", [])], zone)
    if kind is Kind.REMINDER:
        return staff_texts.reminder_private(p.get("items", []), zone)
    raise ValueError(f"unknown notification kind {row.kind!r}")


def render_batch(batch: ClaimedBatch, zone: ZoneInfo) -> tuple[str, InlineKeyboardMarkup | None]:
    text = "\n\n".join(render_row(row, zone) for row in batch.rows)
    keyboard = None
    last = batch.rows[-1]
    if last.kind == Kind.PENDENCIA.value:
        keyboard = pendencia_actions(last.payload["ticket_number"], last.payload["stage_position"])
    return text, keyboard
