"""/novo: the wizard that opens an atendimento (tipo → assunto → empreendimento → unidade → descrição → confirmação).

One ConversationHandler state, WIZARD: the chat's conversation row (domain/conversation.py) holds the draft and its
step, so a restart resumes exactly where the customer was. Each update is one service call, one transaction. The
wizard's message is edited in place at each step; the summary is a new message. Every button is checked against the
draft (its step and its message), so an old or forged one changes nothing.
"""
from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes, ConversationHandler

from bot import buttons as b
from bot import keyboards
from bot.handlers.common import (
    answer,
    drop_keyboard,
    drop_query_keyboard,
    edit,
    reply,
    services,
    tell_error,
    tell_to_link,
)
from bot.texts import customer as texts
from bot.texts.errors import error_message
from bot.texts.format import esc, fmt_datetime
from domain.conversation import ConversationState
from domain.errors import DomainError, NoDraft, NotLinked, StaleButton
from domain.services.wizard import CONFIRM, DESCRIPTION, WizardView

WIZARD = ConversationState.WIZARD.value  # the ConversationHandler's state is the conversation row's
END = ConversationHandler.END


def render(view: WizardView, page: int = 1) -> tuple[str, InlineKeyboardMarkup]:
    if view.step == CONFIRM:
        return texts.wizard_summary(list(view.chosen), view.draft.description or ""), keyboards.wizard_confirm()
    pages = keyboards.page_count(view)
    text = texts.wizard_step(list(view.chosen), list(view.auto_chosen), view.step, min(max(page, 1), pages), pages)
    return text, keyboards.wizard_step(view, page)


async def _no_draft(update: Update, context: ContextTypes.DEFAULT_TYPE, error: NoDraft | NotLinked) -> str | None:
    """The wizard's conversation outlived its draft (sent, cancelled, expired, overtaken by a catalogue change, or
    the account was unlinked)."""
    if isinstance(error, NotLinked):
        await tell_to_link(update, context)
    elif update.callback_query is not None:
        # No keyboard removal here: whatever ended the draft took its keyboard away already, and a second removal
        # (a double press) would be refused by Telegram.
        await answer(update.callback_query, error_message(error), alert=True)
    else:
        await reply(update, context, esc(error_message(error)))
    # A stray wizard button must not end another conversation of the chat (a cancellation waiting for its reason).
    return None if error.params.get("other") else END


def _ids(update: Update) -> tuple[int, int]:
    return update.effective_chat.id, update.effective_user.id


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """/novo: a new wizard, replacing whatever the chat waited for (a cancellation left half-way, an earlier /novo).
    A refusal changes nothing."""
    svc = services(context)
    chat_id, user_id = _ids(update)
    try:
        started = await svc.wizard.start(chat_id, user_id)
    except NotLinked:
        await tell_to_link(update, context)
        return None
    except DomainError as error:
        await tell_error(update, context, error)
        return None
    await drop_keyboard(context, chat_id, started.earlier_message_id)  # the earlier wizard's buttons go away
    text, markup = render(started.view)
    message = await reply(update, context, text, reply_markup=markup)
    svc.wizard.shown(chat_id, user_id, message.message_id)
    return WIZARD


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE, view: WizardView, page: int = 1,
                text: str | None = None, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edits the wizard's message to show `view` (or `text` and `markup`); when it had to be sent anew (too long to
    edit), the wizard follows the new message."""
    if text is None:
        text, markup = render(view, page)
    new_message = await edit(update.callback_query, text, markup)
    if new_message is not None:
        services(context).wizard.shown(*_ids(update), new_message.message_id)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    query = update.callback_query
    svc = services(context)
    chat_id, user_id = _ids(update)
    message_id = query.message.message_id if query.message else None
    try:
        match b.decode(query.data):
            case b.WizardChoice(step, option_id):
                view = await svc.wizard.choose(chat_id, user_id, step, option_id, message_id)
                await answer(query)
                await _show(update, context, view)
            case b.WizardPage(step, page):
                view = await svc.wizard.page(chat_id, user_id, step, page, message_id)
                await answer(query)
                await _show(update, context, view, page)
            case b.WizardBack():
                view = await svc.wizard.back(chat_id, user_id, message_id)
                await answer(query)
                if view is None:
                    await edit(query, texts.WIZARD_LEFT)
                    return END
                await _show(update, context, view)
            case b.WizardCancel():
                await svc.wizard.cancel(chat_id, user_id, message_id)
                await answer(query)
                await edit(query, texts.WIZARD_CANCELLED)
                return END
            case b.WizardSend():
                outcome = await svc.wizard.submit(chat_id, user_id, message_id)
                await answer(query)
                await drop_query_keyboard(query)
                first = outcome.created_stages[0] if outcome.created_stages else None
                due = fmt_datetime(first.due_at, svc.zone) if first and first.due_at else None
                await reply(update, context,
                            texts.ticket_opened(outcome.ticket_number, first.description if first else None, due))
                return END
            case b.WizardFix():
                view = await svc.wizard.correct(chat_id, user_id, None, message_id)
                await answer(query)
                summary, _ = render(view)
                await _show(update, context, view, text=summary + "\n\n" + texts.CORRECT_WHAT,
                            markup=keyboards.wizard_correct(view))
            case b.WizardCorrect(step):
                view = await svc.wizard.correct(chat_id, user_id, step, message_id)
                await answer(query)
                await _show(update, context, view)
            case b.WizardSummary():
                view = await svc.wizard.summary(chat_id, user_id, message_id)
                await answer(query)
                await _show(update, context, view)
            case _:
                raise StaleButton()
    except (NoDraft, NotLinked) as error:
        return await _no_draft(update, context, error)
    except DomainError as error:
        await answer(query, error_message(error), alert=True)
        return None  # a refused button changes nothing, not even which conversation is going on
    return WIZARD


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The description (at the description step; at any other the wizard waits for a button)."""
    svc = services(context)
    chat_id, user_id = _ids(update)
    try:
        view = await svc.wizard.describe(chat_id, user_id, update.effective_message.text)
    except (NoDraft, NotLinked) as error:
        return await _no_draft(update, context, error)
    except StaleButton:
        await reply(update, context, texts.USE_THE_BUTTONS)
        return WIZARD
    except DomainError as error:
        await tell_error(update, context, error)
        return WIZARD
    await drop_keyboard(context, chat_id, view.draft.message_id)
    summary, markup = render(view)
    message = await reply(update, context, summary, reply_markup=markup)
    svc.wizard.shown(chat_id, user_id, message.message_id)
    return WIZARD


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """A photo, sticker, voice note or file while the wizard waits for a button or the description."""
    try:
        view = await services(context).wizard.current(*_ids(update))
    except (NoDraft, NotLinked) as error:
        return await _no_draft(update, context, error)
    await reply(update, context, texts.DESCRIPTION_NOT_TEXT if view.step == DESCRIPTION else texts.USE_THE_BUTTONS)
    return WIZARD
