"""/start (and invitation deep links), the shared contact, /sair, /ajuda — the customer's account link."""
from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import REMOVE_KEYBOARD, answer, current_customer, reply, services, tell_error
from bot.keyboards import share_phone
from bot.texts import customer as texts
from domain.errors import DomainError


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    user = update.effective_user
    if context.args:
        try:
            result = await svc.linking.redeem_invitation(user.id, context.args[0])
        except DomainError as error:
            await tell_error(update, context, error)
            await reply(update, context, texts.ASK_CONTACT_AGAIN, reply_markup=share_phone())
            return
        await reply(update, context, texts.linked(result.customer.name), reply_markup=REMOVE_KEYBOARD)
        return
    customer = await current_customer(update, context)
    if customer is not None:
        await reply(update, context, texts.already_linked(customer.name), reply_markup=REMOVE_KEYBOARD)
        return
    await reply(
        update, context, texts.welcome_unlinked(user.first_name, svc.settings.company_name), reply_markup=share_phone()
    )


async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    shared = update.effective_message.contact
    user = update.effective_user
    try:
        result = await services(context).linking.link_by_contact(
            user.id, shared.user_id, shared.phone_number, user.first_name
        )
    except DomainError as error:
        await tell_error(update, context, error)
        return
    await reply(update, context, texts.linked(result.customer.name), reply_markup=REMOVE_KEYBOARD)
    if result.demo:
        await reply(update, context, texts.DEMO_NOTICE)


async def leave(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sair: unlinks this account; an unfinished /novo goes with it."""
    svc = services(context)
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    await svc.wizard.cancel(chat_id, user_id)
    done = await svc.linking.unlink(user_id)
    await reply(update, context, texts.UNLINKED if done else texts.NOT_LINKED, reply_markup=REMOVE_KEYBOARD)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    customer = await current_customer(update, context)
    await reply(update, context, texts.help_text(services(context).settings.company_name, customer is not None))


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anything no other handler took, in a private chat."""
    customer = await current_customer(update, context)
    if customer is None:
        await reply(update, context, texts.NEED_LINK, reply_markup=share_phone())
    else:
        await reply(update, context, texts.UNKNOWN_MESSAGE)


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data no handler recognises (forged, or from an old version of the bot)."""
    await answer(update.callback_query, texts.BAD_BUTTON, alert=True)


async def cancel_nothing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, context, texts.NOTHING_TO_CANCEL, reply_markup=REMOVE_KEYBOARD)
