"""Keyboards: pure functions of domain views; every button's data is a typed button's `encode()` (bot/buttons.py)."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot import buttons as b
from bot.texts import labels
from bot.texts.customer import option_label
from domain.services.wizard import CHOICE_STEPS, DESCRIPTION, OPTIONS_PER_PAGE, WizardView
from domain.services.wizard import page_count as _pages
from domain.views import TicketDetails, TicketPage

_BUTTON_TEXT_MAX = 60


def _button(text: str, button: b.Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=button.encode())


def share_phone() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(labels.BUTTON_SHARE_PHONE, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


# --- /novo --------------------------------------------------------------------------------------------------------
def page_count(view: WizardView) -> int:
    return _pages(len(view.options))


def wizard_step(view: WizardView, page: int = 1) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if view.step in CHOICE_STEPS:
        pages = page_count(view)
        page = min(max(page, 1), pages)
        start = (page - 1) * OPTIONS_PER_PAGE
        for option in view.options[start : start + OPTIONS_PER_PAGE]:
            text = option_label(option.label, option.detail)
            if len(text) > _BUTTON_TEXT_MAX:
                text = text[: _BUTTON_TEXT_MAX - 1] + "…"
            rows.append([_button(text, b.WizardChoice(view.step, option.id))])
        nav = []
        if page > 1:
            nav.append(_button(labels.BUTTON_PREVIOUS, b.WizardPage(view.step, page - 1)))
        if page < pages:
            nav.append(_button(labels.BUTTON_NEXT, b.WizardPage(view.step, page + 1)))
        if nav:
            rows.append(nav)
    rows.append(
        [_button(labels.BUTTON_BACK, b.WizardBack()), _button(labels.BUTTON_CANCEL, b.WizardCancel())]
    )
    return InlineKeyboardMarkup(rows)


def wizard_confirm() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(labels.BUTTON_SEND, b.WizardSend())],
            [_button(labels.BUTTON_CORRECT, b.WizardFix()), _button(labels.BUTTON_CANCEL, b.WizardCancel())],
        ]
    )


def wizard_correct(view: WizardView) -> InlineKeyboardMarkup:
    rows = [
        [_button(labels.STEP_NAMES[step], b.WizardCorrect(step))]
        for step in view.real_choice_steps
    ]
    rows.append([_button(labels.STEP_NAMES[DESCRIPTION], b.WizardCorrect(DESCRIPTION))])
    rows.append([_button(labels.BUTTON_BACK, b.WizardSummary())])
    return InlineKeyboardMarkup(rows)


# --- /meus and /detalhes ------------------------------------------------------------------------------------------
def ticket_list(page: TicketPage) -> InlineKeyboardMarkup | None:
    rows = [[_button(labels.BUTTON_DETAILS.format(number=t.number), b.ShowTicket(t.number))] for t in page.items]
    nav = []
    if page.prev_cursor is not None:
        nav.append(_button(labels.BUTTON_PREVIOUS, b.TicketListPage.at(page.prev_cursor)))
    if page.next_cursor is not None:
        nav.append(_button(labels.BUTTON_NEXT, b.TicketListPage.at(page.next_cursor)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def ticket_details(details: TicketDetails) -> InlineKeyboardMarkup | None:
    if not details.can_be_cancelled:
        return None
    return InlineKeyboardMarkup(
        [[_button(labels.BUTTON_CANCEL_TICKET.format(number=details.number), b.CancelTicket(details.number))]]
    )
