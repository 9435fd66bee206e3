"""Keyboards: pure functions of domain views, every callback through `bot.callbacks`."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot import callbacks as cb
from bot.texts import labels
from bot.texts.customer import option_label
from domain.services.wizard import CHOICE_STEPS, DESCRIPTION, WizardView
from domain.views import PageCursor, TicketDetails, TicketPage

OPTIONS_PER_PAGE = 8
_STEP_CODE = {"tipo": "t", "assunto": "s", "empreendimento": "e", "unidade": "u", "descricao": "d"}
STEP_BY_CODE = {v: k for k, v in _STEP_CODE.items()}
_BUTTON_TEXT_MAX = 60


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def share_phone() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(labels.BUTTON_SHARE_PHONE, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


# --- /novo --------------------------------------------------------------------------------------------------------
def page_count(view: WizardView) -> int:
    return max(1, -(-len(view.options) // OPTIONS_PER_PAGE))


def wizard_step(view: WizardView, page: int = 1) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if view.step in CHOICE_STEPS:
        pages = page_count(view)
        page = min(max(page, 1), pages)
        code = _STEP_CODE[view.step]
        start = (page - 1) * OPTIONS_PER_PAGE
        for option in view.options[start : start + OPTIONS_PER_PAGE]:
            text = option_label(option.label, option.detail)
            if len(text) > _BUTTON_TEXT_MAX:
                text = text[: _BUTTON_TEXT_MAX - 1] + "…"
            rows.append([_button(text, cb.pack(cb.WIZARD, "c", code, option.id))])
        nav = []
        if page > 1:
            nav.append(_button(labels.BUTTON_PREVIOUS, cb.pack(cb.WIZARD, "p", code, page - 1)))
        if page < pages:
            nav.append(_button(labels.BUTTON_NEXT, cb.pack(cb.WIZARD, "p", code, page + 1)))
        if nav:
            rows.append(nav)
    rows.append(
        [_button(labels.BUTTON_BACK, cb.pack(cb.WIZARD, "b")), _button(labels.BUTTON_CANCEL, cb.pack(cb.WIZARD, "x"))]
    )
    return InlineKeyboardMarkup(rows)


def wizard_confirm() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(labels.BUTTON_SEND, cb.pack(cb.WIZARD, "ok"))],
            [_button(labels.BUTTON_CORRECT, cb.pack(cb.WIZARD, "fix")), _button(labels.BUTTON_CANCEL, cb.pack(cb.WIZARD, "x"))],
        ]
    )


def wizard_correct(view: WizardView) -> InlineKeyboardMarkup:
    rows = [
        [_button(labels.STEP_NAMES[step], cb.pack(cb.WIZARD, "f", _STEP_CODE[step]))]
        for step in view.real_choice_steps
    ]
    rows.append([_button(labels.STEP_NAMES[DESCRIPTION], cb.pack(cb.WIZARD, "f", _STEP_CODE[DESCRIPTION]))])
    rows.append([_button(labels.BUTTON_BACK, cb.pack(cb.WIZARD, "sum"))])
    return InlineKeyboardMarkup(rows)


# --- /meus and /detalhes ------------------------------------------------------------------------------------------
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _cursor_data(cursor: PageCursor) -> str:
    micros = (cursor.created_at - EPOCH) // MICROSECOND  # exact: a cursor must name its row to the microsecond
    return cb.pack(cb.MY_TICKETS, "p", micros, cursor.ticket_id, "b" if cursor.backwards else "f")


def ticket_list(page: TicketPage) -> InlineKeyboardMarkup | None:
    rows = [[_button(labels.BUTTON_DETAILS.format(number=t.number), cb.pack(cb.MY_TICKETS, "d", t.number))] for t in page.items]
    nav = []
    if page.prev_cursor is not None:
        nav.append(_button(labels.BUTTON_PREVIOUS, _cursor_data(page.prev_cursor)))
    if page.next_cursor is not None:
        nav.append(_button(labels.BUTTON_NEXT, _cursor_data(page.next_cursor)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def ticket_details(details: TicketDetails) -> InlineKeyboardMarkup | None:
    if not details.can_be_cancelled:
        return None
    return InlineKeyboardMarkup(
        [[_button(labels.BUTTON_CANCEL_TICKET.format(number=details.number), cb.pack(cb.DETAILS, "x", details.number))]]
    )
