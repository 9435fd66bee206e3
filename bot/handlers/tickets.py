"""/meus, /detalhes and the customer's own cancellation of an atendimento."""
from __future__ import annotations

from telegram import ForceReply, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes, ConversationHandler

from bot import buttons as b
from bot import keyboards
from bot.handlers import linking
from bot.handlers.common import (
    answer,
    current_customer,
    drop_keyboard,
    edit,
    reply,
    require_customer,
    services,
    tell_error,
    tell_to_link,
)
from bot.texts import customer as texts
from bot.texts.errors import error_message
from domain.conversation import ConversationState
from domain.errors import DomainError, NotLinked, StaleButton, TicketNotFound
from domain.views import TicketDetails

CANCEL_REASON = ConversationState.CANCEL_REASON.value  # a state of the customer's conversation, beside WIZARD
END = ConversationHandler.END


async def my_tickets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    customer = await require_customer(update, context)
    if customer is None:
        return
    svc = services(context)
    try:
        page = await svc.customers.my_tickets(customer.id)
    except DomainError as error:
        await tell_error(update, context, error)
        return
    if not page.items:
        await reply(update, context, texts.NO_TICKETS)
        return
    await reply(update, context, texts.ticket_list(page, svc.zone), reply_markup=keyboards.ticket_list(page))


async def _show_details(update: Update, context: ContextTypes.DEFAULT_TYPE, details: TicketDetails) -> None:
    """Header and stages, split at line boundaries when long; the cancel button goes on the last part."""
    text = texts.ticket_details(details, services(context).zone)
    await reply(update, context, text, reply_markup=keyboards.ticket_details(details))


async def details_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    customer = await require_customer(update, context)
    if customer is None:
        return
    if not context.args:
        await reply(update, context, texts.DETAILS_USAGE)
        return
    number = context.args[0] if len(context.args) == 1 else " ".join(context.args)  # "1 2" is nobody's number
    try:
        details = await services(context).customers.ticket_details(customer.id, number)
    except DomainError as error:
        await tell_error(update, context, error)
        return
    await _show_details(update, context, details)


async def list_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pages of /meus; "Ver detalhes"."""
    query = update.callback_query
    customer = await require_customer(update, context)
    if customer is None:
        return
    svc = services(context)
    try:
        match b.decode(query.data):
            case b.ShowTicket(number):
                details = await svc.customers.ticket_details(customer.id, number)
                await answer(query)
                await _show_details(update, context, details)
            case b.TicketListPage() as pressed:
                page = await svc.customers.my_tickets(customer.id, pressed.cursor)
                if not page.items:
                    raise StaleButton()
                await answer(query)
                await edit(query, texts.ticket_list(page, svc.zone), keyboards.ticket_list(page))
            case _:
                raise StaleButton()
    except DomainError as error:
        await answer(query, error_message(error), alert=True)


# --- the customer cancels their own atendimento (from /detalhes) -------------------------------------------------
# A state of the customer's one conversation (bot/app.py), beside the wizard: entering one leaves the other, so a
# reason is never taken for a description, nor a description for a reason.
async def cancel_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """A refused press changes nothing (it returns None: whatever conversation was going on goes on)."""
    query = update.callback_query
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await answer(query, texts.BAD_BUTTON, alert=True)
        return None
    pressed = b.decode(query.data)
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    try:
        if not isinstance(pressed, b.CancelTicket):
            if await current_customer(update, context) is None:
                raise NotLinked()
            raise TicketNotFound(number=str(query.data)[:20])
        left = await services(context).conversations.ask_cancel_reason(chat_id, user_id, pressed.number)
    except NotLinked:
        await tell_to_link(update, context)
        return None
    except DomainError as error:
        await answer(query, error_message(error), alert=True)
        return None
    await answer(query)
    await drop_keyboard(context, chat_id, left.wizard_message_id)  # a wizard in progress was left
    await reply(update, context, texts.ask_cancel_reason(pressed.number), reply_markup=ForceReply(selective=True))
    return CANCEL_REASON


async def cancel_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    try:
        number = await services(context).conversations.cancel_with_reason(
            chat_id, user_id, update.effective_message.text)
    except NotLinked:
        await tell_to_link(update, context)
        return END
    except DomainError as error:
        await tell_error(update, context, error)
        return CANCEL_REASON if error.code == "invalid_text" else END
    if number is None:  # nothing awaits a reason any more: the text is an ordinary message
        await linking.unknown(update, context)
        return END
    await reply(update, context, texts.cancelled_by_customer(number))
    return END


async def cancel_reason_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    number = await services(context).conversations.awaited_cancellation(update.effective_chat.id,
                                                                        update.effective_user.id)
    if number is None:
        await linking.unknown(update, context)
        return END
    await reply(update, context, texts.CANCEL_REASON_NOT_TEXT + "\n\n" + texts.ask_cancel_reason(number))
    return CANCEL_REASON


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancelar: leaves whichever of the customer's conversations is in progress."""
    chat_id = update.effective_chat.id
    try:
        left = await services(context).conversations.leave(chat_id, update.effective_user.id)
    except NotLinked:
        await tell_to_link(update, context)
        return END
    match left.state:
        case ConversationState.CANCEL_REASON:
            await reply(update, context, texts.CANCEL_KEPT)
        case ConversationState.WIZARD:
            await drop_keyboard(context, chat_id, left.wizard_message_id)
            await reply(update, context, texts.WIZARD_CANCELLED)
        case _:
            await reply(update, context, texts.NOTHING_TO_CANCEL)
    return END
