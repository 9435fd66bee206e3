"""/start (and invitation deep links), the shared contact, /sair, /ajuda — the customer's account link.

Until an account is linked, nothing but /start, /ajuda and the linking steps works: everything else gets the same
prompt to link (`common.tell_to_link`). A refusal never says why (SPEC.md: nothing reveals whether a phone number or a
CPF exists), and the button to share the phone comes back with it, so the next try is one tap away.
"""
from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.handlers.common import (
    REMOVE_KEYBOARD,
    answer,
    current_customer,
    drop_keyboard,
    reply,
    services,
    tell_error,
    tell_to_link,
)
from bot.keyboards import share_phone
from bot.texts import customer as texts
from bot.texts import staff as staff_texts
from domain.errors import DomainError


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    user = update.effective_user
    customer = await current_customer(update, context)
    if customer is not None and customer.unreachable:
        await svc.incidents.customer_back(user.id)  # what was held back while they had blocked the bot goes out now
    if context.args:
        try:
            result = await svc.linking.redeem_invitation(user.id, context.args[0])
        except DomainError as error:
            await tell_error(update, context, error, reply_markup=None if customer else share_phone())
            return
        await _forget_conversation(update, context)
        await reply(update, context, texts.linked(result.customer.name, await _follows(svc)),
                    reply_markup=REMOVE_KEYBOARD)
        return
    if customer is not None:
        await reply(update, context, texts.already_linked(customer.name, await _follows(svc)),
                    reply_markup=REMOVE_KEYBOARD)
        return
    await reply(
        update, context, texts.welcome_unlinked(user.first_name, svc.settings.company_name), reply_markup=share_phone()
    )


async def private_chat_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """my_chat_member in a private chat: the person blocked the bot, or unblocked it (Telegram tells the bot both).

    A linked customer who blocks the bot is marked unreachable at once (delivery then holds their notifications
    instead of trying); one who comes back gets what was held back, in order."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    svc = services(context)
    if change.new_chat_member.status == ChatMember.BANNED:
        customer = await svc.linking.customer_for(change.chat.id)
        if customer is not None:
            await svc.incidents.customer_unreachable(customer.id)
    elif change.new_chat_member.status == ChatMember.MEMBER:
        await svc.incidents.customer_back(change.chat.id)


async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    shared = update.effective_message.contact
    user = update.effective_user
    try:
        result = await svc.linking.link_by_contact(user.id, shared.user_id, shared.phone_number, user.first_name)
    except DomainError as error:
        await tell_error(update, context, error, reply_markup=share_phone())
        return
    await _forget_conversation(update, context)
    await reply(update, context, texts.linked(result.customer.name, await _follows(svc)), reply_markup=REMOVE_KEYBOARD)
    if result.demo:
        await reply(update, context, texts.DEMO_NOTICE)


async def _forget_conversation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /novo or a cancellation in progress belongs to the customer the account was linked to: a new link (or
    none) ends it."""
    left = await services(context).conversations.forget(update.effective_chat.id, update.effective_user.id)
    await drop_keyboard(context, update.effective_chat.id, left.wizard_message_id)


async def leave(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sair: unlinks this account; an unfinished /novo goes with it."""
    svc = services(context)
    await _forget_conversation(update, context)
    done = await svc.linking.unlink(update.effective_user.id)
    await reply(update, context, texts.UNLINKED if done else texts.NOT_LINKED, reply_markup=REMOVE_KEYBOARD)


async def _follows(svc) -> bool:
    """Whether customers follow their atendimentos here (mode register_and_follow), for what the texts offer."""
    return (await svc.customers.config()).follows


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    customer = await current_customer(update, context)
    follows = await _follows(svc) if customer is not None else True
    await reply(update, context, texts.help_text(svc.settings.company_name, customer is not None, follows))


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anything no other handler took, in a private chat."""
    if await current_customer(update, context) is None:
        if await services(context).staff.staff_by_telegram(update.effective_user.id) is not None:
            await reply(update, context, staff_texts.PRIVATE_HINT)  # staff, not a customer: point at their commands
            return
        await tell_to_link(update, context)
    else:
        await reply(update, context, texts.UNKNOWN_MESSAGE)


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data no handler recognises (forged, or from an old version of the bot)."""
    if update.effective_chat is not None and update.effective_chat.type == "private":
        if await current_customer(update, context) is None:
            await tell_to_link(update, context)
            return
    await answer(update.callback_query, texts.BAD_BUTTON, alert=True)
