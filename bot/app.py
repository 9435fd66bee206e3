"""The python-telegram-bot Application: one builder chain, every handler registered in one place."""
from __future__ import annotations

import os

import warnings

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ConversationHandler,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import buttons as b
from bot.handlers import errors, linking, tickets, wizard
from bot.services import Services
from bot.texts import customer as customer_texts
from bot.update_processor import PerChatUpdateProcessor
from domain.conversation import CUSTOMER_STATES
from storage.telegram_persistence import ConversationRowsPersistence

# A ConversationHandler with per_message=False tracks callback queries per chat, which is what we want.
warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)


CUSTOMER_CONVERSATION = "cliente"


def customer_commands(follows: bool = True) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in customer_texts.command_menu(follows)]


def build_application(services: Services, *, concurrent: int = 64) -> Application:
    settings = services.settings
    builder = Application.builder()
    # aiohttp instead of python-telegram-bot's httpx: 1.4 × the updates a second (BENCHMARKS.md, P1).
    # ATENDIMENTO_HTTP_CLIENT=httpx goes back to httpx (bench.p1_wizard measures both side by side).
    if os.environ.get("ATENDIMENTO_HTTP_CLIENT", "aiohttp") == "aiohttp":
        from bot.telegram_request import AiohttpRequest

        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(1))
    application = (
        builder
        .token(settings.token())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.zone))
        # Telegram's ~30 messages a second binds bulk notifications, which the delivery job paces itself
        # (bot/delivery/budget.py); answers to the people writing to the bot are not held to it, so this limiter
        # keeps only the 20 a minute per group and waits out any 429. (Its overall cap counted every request with
        # a chat, edits included, and held the whole bot to ~25 updates a second: BENCHMARKS.md, P1.)
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .persistence(ConversationRowsPersistence(services.database, {CUSTOMER_CONVERSATION: CUSTOMER_STATES}))
        .concurrent_updates(PerChatUpdateProcessor(concurrent))
        .post_init(_post_init(services))
        .build()
    )
    application.bot_data["services"] = services
    register_handlers(application)
    return application


async def start_application(application: Application) -> None:
    """initialize() then post_init, as run_polling would (we run the loop ourselves, beside the scheduler)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()


def _post_init(services: Services):
    async def post_init(application: Application) -> None:
        follows = (await services.customers.config()).follows  # register_only: no /meus, /detalhes in the menu
        await application.bot.set_my_commands(customer_commands(follows), scope=BotCommandScopeAllPrivateChats())
        from bot.handlers.staff_menu import refresh_staff_menu

        await refresh_staff_menu(application.bot, services)  # follows a group that became a supergroup meanwhile

    return post_init


def register_handlers(application: Application) -> None:
    # A customer's edit of an old message is not a new request: edits reach no customer handler.
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    texts_only = private & filters.TEXT & ~filters.COMMAND
    anything_else = private & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL

    # The customer's one conversation: the /novo wizard, or the reason for cancelling an atendimento. Entering one
    # leaves the other (re-entry is allowed), so a reason is never taken for a description. Its states are the
    # conversation row's (domain/conversation.py), which the services write; wizard buttons are entry points too:
    # the row, not PTB's copy of the state, says whether a wizard is running.
    customer_conversation = ConversationHandler(
        entry_points=[
            CommandHandler("novo", wizard.start, filters=private),
            CallbackQueryHandler(wizard.button, pattern=f"^{b.WIZARD}:"),
            CallbackQueryHandler(tickets.cancel_button, pattern=f"^{b.DETAILS}:"),
        ],
        states={
            wizard.WIZARD: [
                CallbackQueryHandler(wizard.button, pattern=f"^{b.WIZARD}:"),
                MessageHandler(texts_only, wizard.text),
                MessageHandler(anything_else, wizard.not_text),
            ],
            tickets.CANCEL_REASON: [
                MessageHandler(texts_only, tickets.cancel_reason),
                MessageHandler(anything_else, tickets.cancel_reason_not_text),
            ],
        },
        fallbacks=[CommandHandler("cancelar", tickets.cancel_command, filters=private)],
        name=CUSTOMER_CONVERSATION,
        persistent=True,
        allow_reentry=True,
    )

    # Group 0, order matters: the conversations first (they take the texts of a conversation in progress), then
    # the commands and buttons, then the catch-all for private chats.
    application.add_handlers(
        [
            customer_conversation,
            CommandHandler("start", linking.start, filters=private),
            MessageHandler(private & filters.CONTACT, linking.contact),
            CommandHandler("meus", tickets.my_tickets, filters=private),
            CommandHandler("detalhes", tickets.details_command, filters=private),
            CommandHandler("ajuda", linking.help_command, filters=private),
            CommandHandler("help", linking.help_command, filters=private),
            CommandHandler("sair", linking.leave, filters=private),
            CommandHandler("cancelar", tickets.cancel_command, filters=private),
            CallbackQueryHandler(tickets.list_button, pattern=f"^{b.MY_TICKETS}:"),
            MessageHandler(private & ~filters.StatusUpdate.ALL, linking.unknown),
            CallbackQueryHandler(linking.unknown_button),
        ]
    )
    # The staff handlers have their own group, before the customers' group 0: one that takes an update ends it there
    # (ApplicationHandlerStop), so the private chat's catch-alls never answer a staff command, a staff button or a
    # reply to a staff question as well. They take nothing a customer conversation needs: staff commands, s: buttons,
    # replies to a staff question from the person asked, the bot's own membership changes and group migrations.
    from bot.handlers.staff import staff_handlers

    # Before the staff group: a customer blocking or unblocking the bot in their private chat (the staff group's
    # membership handler takes every my_chat_member update and stops there).
    application.add_handler(ChatMemberHandler(linking.private_chat_status, ChatMemberHandler.MY_CHAT_MEMBER), group=-2)

    application.add_handlers(staff_handlers(application), group=-1)
    from bot.handlers.reports import report_handler  # /relatorio, a staff command in the same group

    application.add_handler(report_handler(), group=-1)
    application.add_error_handler(errors.on_error)
