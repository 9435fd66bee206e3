"""/novo: the wizard that opens an atendimento (tipo → assunto → empreendimento → unidade → descrição → confirmação).

One ConversationHandler state: the draft row (domain/services/wizard.py) knows the step, so a restart resumes exactly
where the customer was. The wizard's message is edited in place at each step; the summary is a new message. Every
button is checked against the draft (its step and its message), so an old or forged one changes nothing.
"""
from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes, ConversationHandler

from bot import callbacks as cb
from bot import keyboards
from bot.handlers.common import (
    answer,
    current_customer,
    drop_keyboard,
    drop_query_keyboard,
    edit,
    reply,
    require_customer,
    services,
    tell_error,
    tell_to_link,
)
from bot.texts import customer as texts
from bot.texts.errors import error_message
from bot.texts.format import esc, fmt_datetime
from domain.errors import ChoiceNotAllowed, DomainError, NoDraft, StaleButton
from domain.services.wizard import CONFIRM, DESCRIPTION, WizardView

WIZARD = 1
END = ConversationHandler.END
PENDING_CANCELLATION = "cancelando"  # user_data: the atendimento whose cancellation reason is awaited (tickets.py)


def render(view: WizardView, page: int = 1) -> tuple[str, InlineKeyboardMarkup]:
    if view.step == CONFIRM:
        return texts.wizard_summary(list(view.chosen), view.draft.description or ""), keyboards.wizard_confirm()
    pages = keyboards.page_count(view)
    text = texts.wizard_step(list(view.chosen), list(view.auto_chosen), view.step, min(max(page, 1), pages), pages)
    return text, keyboards.wizard_step(view, page)


async def _no_draft(update: Update, context: ContextTypes.DEFAULT_TYPE, error: NoDraft) -> int | None:
    """The wizard's conversation outlived its draft (sent, cancelled, expired, overtaken by a catalogue change, or
    the account was unlinked)."""
    if await current_customer(update, context) is None:
        await tell_to_link(update, context)
    elif update.callback_query is not None:
        # No keyboard removal here: whatever ended the draft took its keyboard away already, and a second removal
        # (a double press) would be refused by Telegram.
        await answer(update.callback_query, error_message(error), alert=True)
    else:
        await reply(update, context, esc(error_message(error)))
    # A stray wizard button must not end a cancellation that waits for its reason (see tickets.py).
    return None if context.user_data.get(PENDING_CANCELLATION) is not None else END


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(PENDING_CANCELLATION, None)  # /novo leaves a cancellation left half-way
    customer = await require_customer(update, context)
    if customer is None:
        return END
    svc = services(context)
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    earlier = await svc.wizard.message_of(chat_id, user_id)
    try:
        view = await svc.wizard.start(customer.id, chat_id, user_id)
    except DomainError as error:
        await tell_error(update, context, error)
        return END
    await drop_keyboard(context, chat_id, earlier)  # /novo again: the earlier wizard's buttons go away
    text, markup = render(view)
    message = await reply(update, context, text, reply_markup=markup)
    await svc.wizard.remember_message(chat_id, user_id, message.message_id)
    return WIZARD


def _on_wizard(view: WizardView, message_id: int | None) -> bool:
    """The button is on the wizard's own message (a draft that never learnt its message takes any, as the service
    does: it was sent just before a crash)."""
    return view.draft.message_id is None or message_id == view.draft.message_id


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE, view: WizardView, page: int = 1) -> None:
    """Edits the wizard's message to show `view`; when it had to be sent anew (too long to edit), the draft follows
    the new message."""
    new_message = await edit(update.callback_query, *render(view, page))
    if new_message is not None:
        await services(context).wizard.remember_message(
            update.effective_chat.id, update.effective_user.id, new_message.message_id
        )


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    query = update.callback_query
    fields = cb.parse(query.data, cb.WIZARD)
    svc = services(context)
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    message_id = query.message.message_id if query.message else None
    try:
        if not fields:
            raise StaleButton()
        action = fields[0]
        if action == "c" and len(fields) == 3:
            step = keyboards.STEP_BY_CODE.get(fields[1])
            value = cb.as_int(fields[2])
            if step is None or value is None:
                raise ChoiceNotAllowed(step=fields[1], value=fields[2])
            view = await svc.wizard.choose(chat_id, user_id, step, value, message_id)
            await answer(query)
            await _show(update, context, view)
        elif action == "p" and len(fields) == 3:
            view = await svc.wizard.current(chat_id, user_id)
            page = cb.as_int(fields[2])
            if keyboards.STEP_BY_CODE.get(fields[1]) != view.step or page is None or not _on_wizard(view, message_id):
                raise StaleButton()
            if page > keyboards.page_count(view):
                raise StaleButton()
            await answer(query)
            await _show(update, context, view, page)
        elif action == "b" and len(fields) == 1:
            view = await svc.wizard.back(chat_id, user_id, message_id)
            await answer(query)
            if view is None:
                await edit(query, texts.WIZARD_LEFT)
                return END
            await _show(update, context, view)
        elif action == "x" and len(fields) == 1:
            view = await svc.wizard.current(chat_id, user_id)
            if not _on_wizard(view, message_id):
                raise StaleButton()
            await svc.wizard.cancel(chat_id, user_id)
            await answer(query)
            await edit(query, texts.WIZARD_CANCELLED)
            return END
        elif action == "ok" and len(fields) == 1:
            outcome = await svc.wizard.submit(chat_id, user_id, message_id)
            await answer(query)
            await drop_query_keyboard(query)
            first = outcome.created_stages[0] if outcome.created_stages else None
            due = fmt_datetime(first.due_at, svc.zone) if first and first.due_at else None
            await reply(update, context, texts.ticket_opened(outcome.ticket_number, first.description if first else None, due))
            return END
        elif action == "fix" and len(fields) == 1:
            view = await svc.wizard.current(chat_id, user_id)
            if view.step != CONFIRM or not _on_wizard(view, message_id):
                raise StaleButton()
            await answer(query)
            summary, _ = render(view)
            new_message = await edit(query, summary + "\n\n" + texts.CORRECT_WHAT, keyboards.wizard_correct(view))
            if new_message is not None:
                await svc.wizard.remember_message(chat_id, user_id, new_message.message_id)
        elif action == "f" and len(fields) == 2:
            step = keyboards.STEP_BY_CODE.get(fields[1])
            if step is None:
                raise StaleButton()
            view = await svc.wizard.correct(chat_id, user_id, step, message_id)
            await answer(query)
            await _show(update, context, view)
        elif action == "sum" and len(fields) == 1:
            view = await svc.wizard.current(chat_id, user_id)
            if view.step != CONFIRM or not _on_wizard(view, message_id):
                raise StaleButton()
            await answer(query)
            await _show(update, context, view)
        else:
            raise StaleButton()
    except NoDraft as error:
        return await _no_draft(update, context, error)
    except DomainError as error:
        await answer(query, error_message(error), alert=True)
        return None  # a refused button changes nothing, not even which conversation is going on
    return WIZARD


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    svc = services(context)
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    try:
        view = await svc.wizard.current(chat_id, user_id)
        if view.step != DESCRIPTION:
            await reply(update, context, texts.USE_THE_BUTTONS)
            return WIZARD
        view = await svc.wizard.describe(chat_id, user_id, update.effective_message.text)
    except NoDraft as error:
        return await _no_draft(update, context, error)
    except DomainError as error:
        await tell_error(update, context, error)
        return WIZARD
    await drop_keyboard(context, chat_id, view.draft.message_id)
    summary, markup = render(view)
    message = await reply(update, context, summary, reply_markup=markup)
    await svc.wizard.remember_message(chat_id, user_id, message.message_id)
    return WIZARD


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A photo, sticker, voice note or file while the wizard waits for a button or the description."""
    try:
        view = await services(context).wizard.current(update.effective_chat.id, update.effective_user.id)
    except NoDraft as error:
        return await _no_draft(update, context, error)
    await reply(update, context, texts.DESCRIPTION_NOT_TEXT if view.step == DESCRIPTION else texts.USE_THE_BUTTONS)
    return WIZARD


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancelar while the wizard runs."""
    svc = services(context)
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    message_id = await svc.wizard.message_of(chat_id, user_id)
    if not await svc.wizard.cancel(chat_id, user_id):
        if await current_customer(update, context) is None:
            await tell_to_link(update, context)
        else:
            await reply(update, context, texts.NOTHING_TO_CANCEL)
        return END
    await drop_keyboard(context, chat_id, message_id)
    await reply(update, context, texts.WIZARD_CANCELLED)
    return END


async def abandon(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> None:
    """Drops the wizard in progress, if any, and its buttons (another conversation takes over the chat)."""
    svc = services(context)
    message_id = await svc.wizard.message_of(chat_id, user_id)
    if await svc.wizard.cancel(chat_id, user_id):
        await drop_keyboard(context, chat_id, message_id)
