"""/meus, /detalhes and the customer's own cancellation of an atendimento."""
from __future__ import annotations

from datetime import UTC, datetime

from telegram import ForceReply, Update
from telegram.ext import ContextTypes, ConversationHandler

from bot import callbacks as cb
from bot import keyboards
from bot.handlers.common import answer, edit, reply, require_customer, services, tell_error
from bot.texts import customer as texts
from bot.texts.errors import error_message
from bot.texts.format import esc
from domain.errors import DomainError, StaleButton, TicketNotFound
from domain.views import PageCursor

CANCEL_REASON = 1
END = ConversationHandler.END
_CANCEL_KEY = "cancelando"  # user_data: the atendimento whose cancellation reason we wait for (JSON-safe int)


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
        created = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return PageCursor(created, ticket_id, backwards=fields[3] == "b")


async def _send_details(update: Update, context: ContextTypes.DEFAULT_TYPE, customer_id: int, number: object) -> None:
    svc = services(context)
    details = await svc.customers.ticket_details(customer_id, number)
    await reply(update, context, texts.ticket_details(details, svc.zone), reply_markup=keyboards.ticket_details(details))


async def details_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    customer = await require_customer(update, context)
    if customer is None:
        return
    if not context.args:
        await reply(update, context, texts.DETAILS_USAGE)
        return
    try:
        await _send_details(update, context, customer.id, context.args[0] if len(context.args) == 1 else "")
    except DomainError as error:
        await tell_error(update, context, error)


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
            await _send_details(update, context, customer.id, fields[1])
            await answer(query)
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
async def cancel_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    customer = await require_customer(update, context)
    if customer is None:
        return END
    fields = cb.parse(query.data, cb.DETAILS) or []
    number = cb.as_int(fields[1]) if len(fields) == 2 and fields[0] == "x" else None
    try:
        if number is None:
            raise TicketNotFound(number=query.data)
        details = await services(context).customers.ticket_details(customer.id, number)
        if not details.can_be_cancelled:
            raise StaleButton()
    except DomainError as error:
        await answer(query, error_message(error), alert=True)
        return END
    await answer(query)
    context.user_data[_CANCEL_KEY] = number
    await reply(update, context, texts.ask_cancel_reason(number), reply_markup=ForceReply(selective=True))
    return CANCEL_REASON


async def cancel_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    customer = await require_customer(update, context)
    number = context.user_data.get(_CANCEL_KEY)
    if customer is None or number is None:
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
    await reply(update, context, texts.ask_cancel_reason(context.user_data.get(_CANCEL_KEY, 0)))
    return CANCEL_REASON


async def keep_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(_CANCEL_KEY, None)
    await reply(update, context, texts.CANCEL_KEPT)
    return END
