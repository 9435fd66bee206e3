"""Outbox rows → the text (and buttons) that go to Telegram. Rows of one batch share a chat and an atendimento and
are folded into one message; each row's text comes from its kind's renderer (bot.texts.notifications)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.staff_keyboards import pendencia_actions
from bot.texts.notifications import render
from domain.notifications import PendenciaNotice
from storage.delivery_queue import ClaimedBatch, OutboxRow


def render_row(row: OutboxRow, zone: ZoneInfo) -> str:
    """Raises domain.notifications.PayloadError when the row's payload cannot be read."""
    return render(row.notice(), zone)


def render_batch(batch: ClaimedBatch, zone: ZoneInfo) -> tuple[str, InlineKeyboardMarkup | None]:
    notices = [row.notice() for row in batch.rows]
    text = "\n\n".join(render(notice, zone) for notice in notices)
    last = notices[-1]
    keyboard = pendencia_actions(last.ticket_number, last.stage_position) if isinstance(last, PendenciaNotice) else None
    return text, keyboard
