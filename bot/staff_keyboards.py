"""Staff keyboards: pure functions of domain views; buttons Ver, Resolver etapa and Nova observação
(bot/buttons.py: StaffView, StaffResolve, StaffNote) — the pendência post (bot/delivery/render.py) carries the same
buttons, so one handler serves both.
"""
from __future__ import annotations

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot import buttons as b
from bot.texts import staff as texts
from domain.statuses import StageStatus
from domain.views import TicketDetails

MAX_STAGE_ROWS = 8


def view(number: int) -> str:
    return b.StaffView(number).encode()


def resolve(number: int, stage: int) -> str:
    return b.StaffResolve(number, stage).encode()


def note(number: int, stage: int) -> str:
    return b.StaffNote(number, stage).encode()


def pendencia_actions(number: int, stage: int) -> InlineKeyboardMarkup:
    """Under a pendência posted to the staff group or a responsible's private chat."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(texts.BUTTON_VIEW, callback_data=view(number)),
         InlineKeyboardButton(texts.BUTTON_RESOLVE.format(stage=stage), callback_data=resolve(number, stage))],
        [InlineKeyboardButton(texts.BUTTON_NOTE, callback_data=note(number, stage))],
    ])


def ticket_actions(details: TicketDetails) -> InlineKeyboardMarkup | None:
    """Under /ver: resolve or write on each pending stage (none on a final atendimento)."""
    if details.is_final:
        return None
    rows = [
        [
            InlineKeyboardButton(texts.BUTTON_RESOLVE.format(stage=s.position),
                                 callback_data=resolve(details.number, s.position)),
            InlineKeyboardButton(texts.BUTTON_NOTE_STAGE.format(stage=s.position),
                                 callback_data=note(details.number, s.position)),
        ]
        for s in details.stages
        if s.status is StageStatus.PENDENTE
    ][:MAX_STAGE_ROWS]
    return InlineKeyboardMarkup(rows) if rows else None


def ask_for_text(placeholder: str) -> ForceReply:
    """Selective: only the staff member named in the question gets the reply field."""
    return ForceReply(selective=True, input_field_placeholder=placeholder[:64])
