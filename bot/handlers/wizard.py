"""/novo: the wizard that opens an atendimento (tipo → assunto → empreendimento → unidade → descrição → confirmação).

One ConversationHandler state: the draft row (domain/services/wizard.py) knows the step, so a restart resumes exactly
where the customer was. The wizard's message is edited in place at each step; the summary is a new message.
"""
from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes, ConversationHandler

from bot import callbacks as cb
from bot import keyboards
from bot.handlers.common import answer, drop_keyboard, edit, reply, require_customer, services, tell_error
from bot.texts import customer as texts
from bot.texts.format import esc, fmt_datetime
from bot.texts.errors import error_message
from domain.errors import ChoiceNotAllowed, DomainError, NoDraft, StaleButton
from domain.services.wizard import CONFIRM, DESCRIPTION, WizardView

WIZARD = 1
END = ConversationHandler.END


def render(view: WizardView, page: int = 1) -> tuple[str, InlineKeyboardMarkup]:
    if view.step == CONFIRM:
        return texts.wizard_summary(list(view.chosen), view.draft.description or ""), keyboards.wizard_confirm()
    pages = keyboards.page_count(view)
    text = texts.wizard_step(list(view.chosen), list(view.auto_chosen), view.step, min(max(page, 1), pages), pages)
    return text, keyboards.wizard_step(view, page)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    customer = await require_customer(update, context)
    if customer is None:
        return END
    svc = services(context)
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    try:
        view = await svc.wizard.start(customer.id, chat_id, user_id)
    except DomainError as error:
        await tell_error(update, context, error)
        return END
    text, markup = render(view)
    message = await reply(update, context, text, reply_markup=markup)
    await svc.wizard.remember_message(chat_id, user_id, message.message_id)
    return WIZARD


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
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
            await edit(query, *render(view))
        elif action == "p" and len(fields) == 3:
            view = await svc.wizard.current(chat_id, user_id)
            page = cb.as_int(fields[2])
            if keyboards.STEP_BY_CODE.get(fields[1]) != view.step or page is None or message_id != view.draft.message_id:
                raise StaleButton()
            await answer(query)
            await edit(query, *render(view, page))
        elif action == "b" and len(fields) == 1:
            view = await svc.wizard.back(chat_id, user_id, message_id)
            await answer(query)
            if view is None:
                await edit(query, texts.WIZARD_LEFT)
                return END
            await edit(query, *render(view))
        elif action == "x" and len(fields) == 1:
            await svc.wizard.cancel(chat_id, user_id)
            await answer(query)
            await edit(query, texts.WIZARD_CANCELLED)
            return END
        elif action == "ok" and len(fields) == 1:
            outcome = await svc.wizard.submit(chat_id, user_id, message_id)
            await answer(query)
            await drop_keyboard(context, chat_id, message_id)
            first = outcome.created_stages[0] if outcome.created_stages else None
            due = fmt_datetime(first.due_at, svc.zone) if first and first.due_at else None
            await reply(update, context, texts.ticket_opened(outcome.ticket_number, first.description if first else None, due))
            return END
        elif action == "fix" and len(fields) == 1:
            view = await svc.wizard.current(chat_id, user_id)
            if view.step != CONFIRM or message_id != view.draft.message_id:
                raise StaleButton()
            await answer(query)
            summary, _ = render(view)
            await edit(query, summary + "\n\n" + texts.CORRECT_WHAT, keyboards.wizard_correct(view))
        elif action == "f" and len(fields) == 2:
            step = keyboards.STEP_BY_CODE.get(fields[1])
            if step is None:
                raise StaleButton()
            view = await svc.wizard.correct(chat_id, user_id, step)
            await answer(query)
            await edit(query, *render(view))
        elif action == "sum" and len(fields) == 1:
            view = await svc.wizard.current(chat_id, user_id)
            if view.step != CONFIRM or message_id != view.draft.message_id:
                raise StaleButton()
            await answer(query)
            await edit(query, *render(view))
        else:
            raise StaleButton()
    except NoDraft as error:
        await answer(query, error_message(error), alert=True)
        await drop_keyboard(context, chat_id, message_id)
        return END
    except DomainError as error:
        await answer(query, error_message(error), alert=True)
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
        await reply(update, context, esc(error_message(error)))
        return END
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
        await reply(update, context, esc(error_message(error)))
        return END
    await reply(update, context, texts.DESCRIPTION_NOT_TEXT if view.step == DESCRIPTION else texts.USE_THE_BUTTONS)
    return WIZARD


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    svc = services(context)
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    try:
        view = await svc.wizard.current(chat_id, user_id)
        await drop_keyboard(context, chat_id, view.draft.message_id)
    except NoDraft:
        pass
    await svc.wizard.cancel(chat_id, user_id)
    await reply(update, context, texts.WIZARD_CANCELLED)
    return END


async def stray_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A wizard button pressed when no /novo is in progress for this person."""
    await answer(update.callback_query, error_message(NoDraft()), alert=True)
