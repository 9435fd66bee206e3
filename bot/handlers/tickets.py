"""/meus, /detalhes and the customer's own cancellation of an atendimento."""
from __future__ import annotations

from telegram import ForceReply, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes, ConversationHandler

from bot import callbacks as cb
from bot import keyboards
from bot.handlers import linking, wizard
from bot.handlers.common import answer, edit, reply, require_customer, services, tell_error
from bot.texts import customer as texts
from bot.texts.errors import error_message
from domain.errors import CancelAfterResolution, DomainError, StaleButton, TicketIsFinal, TicketNotFound
from domain.views import PageCursor, TicketDetails

CANCEL_REASON = 2  # a state of the customer's conversation, beside wizard.WIZARD
END = ConversationHandler.END
_CANCEL_KEY = wizard.PENDING_CANCELLATION  # user_data: the atendimento whose reason we wait for (JSON-safe int)


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


def _cursor(fields: list[str]) -> PageCursor | None:
    if len(fields) != 4 or fields[3] not in ("f", "b"):
        return None
    micros, ticket_id = cb.as_int(fields[1]), cb.as_int(fields[2])
    if micros is None or ticket_id is None:
        return None
    try:
        created = keyboards.EPOCH + micros * keyboards.MICROSECOND
    except OverflowError:  # beyond the year 9999: no ticket of anyone's
        return None
    return PageCursor(created, ticket_id, backwards=fields[3] == "b")


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
    """m:p:… pages of /meus; m:d:<n> "Ver detalhes"."""
    query = update.callback_query
    customer = await require_customer(update, context)
    if customer is None:
        return
    fields = cb.parse(query.data, cb.MY_TICKETS) or []
    svc = services(context)
    try:
        if fields[:1] == ["d"] and len(fields) == 2 and cb.as_int(fields[1]) is not None:
            details = await svc.customers.ticket_details(customer.id, fields[1])
            await answer(query)
            await _show_details(update, context, details)
            return
        cursor = _cursor(fields) if fields[:1] == ["p"] else None
        if cursor is None:
            raise StaleButton()
        page = await svc.customers.my_tickets(customer.id, cursor)
        if not page.items:
            raise StaleButton()
        await answer(query)
        await edit(query, texts.ticket_list(page, svc.zone), keyboards.ticket_list(page))
    except DomainError as error:
        await answer(query, error_message(error), alert=True)


# --- the customer cancels their own atendimento (from /detalhes) -------------------------------------------------
# A state of the customer's one conversation (bot/app.py), beside the wizard: entering one leaves the other, so a
# reason is never taken for a description, nor a description for a reason.
async def cancel_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """A refused press changes nothing (it returns None: whatever conversation was going on goes on)."""
    query = update.callback_query
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await answer(query, texts.BAD_BUTTON, alert=True)
        return None
    customer = await require_customer(update, context)
    if customer is None:
        return None
    fields = cb.parse(query.data, cb.DETAILS) or []
    number = cb.as_int(fields[1]) if len(fields) == 2 and fields[0] == "x" else None
    try:
        if number is None:
            raise TicketNotFound(number=str(query.data)[:20])
        details = await services(context).customers.ticket_details(customer.id, number)
        if details.is_final:
            raise TicketIsFinal(ticket=number, status=details.status.value)
        if not details.can_be_cancelled:
            raise CancelAfterResolution(ticket=number)
    except DomainError as error:
        await answer(query, error_message(error), alert=True)
        return None
    await answer(query)
    await wizard.abandon(context, update.effective_chat.id, update.effective_user.id)
    context.user_data[_CANCEL_KEY] = number
    await reply(update, context, texts.ask_cancel_reason(number), reply_markup=ForceReply(selective=True))
    return CANCEL_REASON


async def cancel_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    number = context.user_data.get(_CANCEL_KEY)
    if number is None:  # nothing awaits a reason any more: the text is an ordinary message
        await linking.unknown(update, context)
        return END
    customer = await require_customer(update, context)
    if customer is None:
        context.user_data.pop(_CANCEL_KEY, None)
        return END
    try:
        await services(context).tickets.cancel_by_customer(customer.id, number, update.effective_message.text)
    except DomainError as error:
        await tell_error(update, context, error)
        if error.code == "invalid_text":
            return CANCEL_REASON
        context.user_data.pop(_CANCEL_KEY, None)
        return END
    context.user_data.pop(_CANCEL_KEY, None)
    await reply(update, context, texts.cancelled_by_customer(number))
    return END


async def cancel_reason_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    number = context.user_data.get(_CANCEL_KEY)
    if number is None:
        await linking.unknown(update, context)
        return END
    await reply(update, context, texts.CANCEL_REASON_NOT_TEXT + "\n\n" + texts.ask_cancel_reason(number))
    return CANCEL_REASON


async def keep_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(_CANCEL_KEY, None)
    await reply(update, context, texts.CANCEL_KEPT)
    return END


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancelar inside the customer's conversation: leaves whichever part of it is in progress."""
    if context.user_data.get(_CANCEL_KEY) is not None:
        return await keep_ticket(update, context)
    return await wizard.cancel(update, context)
