"""The python-telegram-bot Application: one builder chain, every handler registered in one place."""
from __future__ import annotations

import warnings

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks as cb
from bot.handlers import errors, linking, tickets, wizard
from bot.services import Services
from bot.update_processor import PerChatUpdateProcessor
from storage.telegram_persistence import SqlPersistence, WriteThroughApplication

# A ConversationHandler with per_message=False tracks callback queries per chat, which is what we want.
warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)

CUSTOMER_COMMANDS = [
    BotCommand("novo", "Abrir um atendimento"),
    BotCommand("meus", "Ver meus atendimentos"),
    BotCommand("detalhes", "Ver um atendimento: /detalhes número"),
    BotCommand("cancelar", "Sair da conversa em andamento"),
    BotCommand("ajuda", "Como funciona"),
    BotCommand("sair", "Desvincular esta conta"),
]


def build_application(services: Services, *, concurrent: int = 64) -> Application:
    settings = services.settings
    application = (
        Application.builder()
        .application_class(WriteThroughApplication)
        .token(settings.token())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.zone))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .persistence(SqlPersistence(services.database))
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
        await application.bot.set_my_commands(CUSTOMER_COMMANDS, scope=BotCommandScopeAllPrivateChats())
        config = await services.customers.config()
        if config.staff_chat_id is not None:
            from bot.handlers.staff import STAFF_COMMANDS

            try:
                await application.bot.set_my_commands(STAFF_COMMANDS, scope=BotCommandScopeChat(config.staff_chat_id))
            except Exception:  # noqa: BLE001 - a stale group id must not stop the bot; /diag reports it
                pass

    return post_init


def register_handlers(application: Application) -> None:
    private = filters.ChatType.PRIVATE

    new_ticket = ConversationHandler(
        entry_points=[CommandHandler("novo", wizard.start, filters=private)],
        states={
            wizard.WIZARD: [
                CallbackQueryHandler(wizard.button, pattern=f"^{cb.WIZARD}:"),
                MessageHandler(private & filters.TEXT & ~filters.COMMAND, wizard.text),
                MessageHandler(private & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, wizard.not_text),
            ]
        },
        fallbacks=[CommandHandler("cancelar", wizard.cancel, filters=private)],
        name="novo",
        persistent=True,
        allow_reentry=True,
    )
    cancel_ticket = ConversationHandler(
        entry_points=[CallbackQueryHandler(tickets.cancel_button, pattern=f"^{cb.DETAILS}:")],
        states={
            tickets.CANCEL_REASON: [
                MessageHandler(private & filters.TEXT & ~filters.COMMAND, tickets.cancel_reason),
                MessageHandler(private & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, tickets.cancel_reason_not_text),
            ]
        },
        fallbacks=[CommandHandler("cancelar", tickets.keep_ticket, filters=private)],
        name="cancelar_atendimento",
        persistent=True,
        allow_reentry=True,
    )

    # Group 0, order matters: the conversations first (they take the texts of a conversation in progress), then
    # the commands and buttons, then the catch-all for private chats.
    application.add_handlers(
        [
            new_ticket,
            cancel_ticket,
            CommandHandler("start", linking.start, filters=private),
            MessageHandler(private & filters.CONTACT, linking.contact),
            CommandHandler("meus", tickets.my_tickets, filters=private),
            CommandHandler("detalhes", tickets.details_command, filters=private),
            CommandHandler("ajuda", linking.help_command, filters=private),
            CommandHandler("help", linking.help_command, filters=private),
            CommandHandler("sair", linking.leave, filters=private),
            CommandHandler("cancelar", linking.cancel_nothing, filters=private),
            CallbackQueryHandler(tickets.list_button, pattern=f"^{cb.MY_TICKETS}:"),
            CallbackQueryHandler(wizard.stray_button, pattern=f"^{cb.WIZARD}:"),
            MessageHandler(private & ~filters.StatusUpdate.ALL, linking.unknown),
            CallbackQueryHandler(linking.unknown_button),
        ]
    )
    application.add_error_handler(errors.on_error)
