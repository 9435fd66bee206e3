"""What each `atendimento` subcommand does: thin wrappers over storage and the domain services."""
from __future__ import annotations

import argparse

from bot.command_error import CommandError
from bot.settings import Settings
from storage.database import connect


async def migrate(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    database = connect(settings.database_url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()
    print("Banco de dados atualizado.")
    return 0


async def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import StartupError, run_bot

    settings.token()  # no token: say how to get one before touching anything else
    if args.webhook:
        settings.webhook()
    if args.prepare:
        await _prepare(settings)
    try:
        await run_bot(settings, webhook=args.webhook, jobs=not args.no_jobs)
    except StartupError as exc:
        raise CommandError(str(exc)) from None
    return 0


async def _prepare(settings: Settings) -> None:
    """`make run`: migrate, and load the demo catalogue into an empty database so a token is all one needs."""
    from storage.migrate import upgrade

    database = connect(settings.database_url)
    try:
        await upgrade(database)
        if await _catalogue_is_empty(database):
            from storage.demo import load_demo

            summary = await load_demo(database)
            print(f"Banco vazio: catálogo de demonstração carregado ({summary}).")
    finally:
        await database.dispose()


async def _catalogue_is_empty(database) -> bool:
    from sqlalchemy import func, select

    from storage import tables

    async with database.engine.connect() as connection:
        customers = (await connection.execute(select(func.count()).select_from(tables.customers))).scalar_one()
        staff = (await connection.execute(select(func.count()).select_from(tables.staff_users))).scalar_one()
    return customers == 0 and staff == 0


async def worker(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import StartupError, run_worker

    try:
        await run_worker(settings)
    except StartupError as exc:
        raise CommandError(str(exc)) from None
    return 0


async def import_catalogue(args: argparse.Namespace, settings: Settings) -> int:
    import sys

    from bot.texts import operator
    from storage.catalogue import CatalogueRefused, import_file
    from storage.migrate import is_empty

    database = connect(settings.database_url)
    try:
        if await is_empty(database):
            raise CommandError(operator.DATABASE_NOT_MIGRATED)
        summary = await import_file(database, args.file, source=args.file, demo_mode=False,
                                    secrets=settings.secret_box())
    except CatalogueRefused as refused:
        for line in operator.refusal_lines(refused.source, refused.problems):
            print(line, file=sys.stderr)
        raise CommandError(operator.refused(refused.source, len(refused.problems)), exit_code=2) from None
    finally:
        await database.dispose()
    for line in operator.import_report(summary):
        print(line)
    return 0


async def demo(args: argparse.Namespace, settings: Settings) -> int:
    import sys
    from datetime import UTC, datetime

    from bot.texts import operator
    from storage.catalogue import CatalogueRefused
    from storage.demo import RealCatalogueFound, load_demo
    from storage.migrate import upgrade

    database = connect(settings.database_url)
    try:
        await upgrade(database)  # for convenience: `atendimento demo` alone prepares a new database
        summary = await load_demo(database, now=datetime.now(UTC))
    except RealCatalogueFound:
        raise CommandError(operator.DEMO_REFUSED_REAL_CATALOGUE) from None
    except CatalogueRefused as refused:
        for line in operator.refusal_lines(refused.source, refused.problems):
            print(line, file=sys.stderr)
        raise CommandError(operator.DEMO_REFUSED_BROKEN) from None
    finally:
        await database.dispose()
    print(operator.demo_loaded(summary))
    return 0


async def invite(args: argparse.Namespace, settings: Settings) -> int:
    """Prints a single-use, expiring t.me deep link that links the customer's Telegram account when opened."""
    from datetime import timedelta

    from bot.texts.errors import error_message
    from bot.texts.format import fmt_datetime
    from domain.brazil import format_document
    from domain.errors import DomainError
    from domain.services.linking import LinkingService
    from storage.uow import SqlUnitOfWorkFactory

    from domain.brazil import normalise_document
    from domain.errors import InvalidDocument

    if normalise_document(args.document) is None:  # say what is wrong with the CPF before asking Telegram anything
        raise CommandError(error_message(InvalidDocument(document=args.document)))
    username = await _bot_username(settings)
    database = connect(settings.database_url)
    try:
        linking = LinkingService(SqlUnitOfWorkFactory(database), _clock())
        issued = await linking.issue_invitation(args.document, timedelta(hours=settings.invitation_ttl_hours))
    except DomainError as error:
        raise CommandError(error_message(error)) from None
    finally:
        await database.dispose()
    print(
        f"Convite para {issued.customer.name} ({format_document(issued.customer.document)}), "
        f"uso único, válido até {fmt_datetime(issued.expires_at, settings.zone)}:"
    )
    print(f"https://t.me/{username}?start={issued.code}")
    return 0


def _clock():
    from domain.clock import SystemClock

    return SystemClock()


async def _bot_username(settings: Settings) -> str:
    """TELEGRAM_BOT_USERNAME, else the bot's own answer to getMe."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(settings.token(), base_url=settings.bot_api_base_url) as bot:
            return bot.username
    except TelegramError as exc:
        raise CommandError(
            f"Não consegui perguntar o nome do bot ao Telegram ({exc.message}); defina TELEGRAM_BOT_USERNAME no .env."
        ) from None


async def outbox(args: argparse.Namespace, settings: Settings) -> int:
    """`outbox list` (parked rows), `outbox retry [ids]`, `outbox stats`."""
    from bot.texts import operator as texts
    from storage.delivery_queue import DeliveryQueue

    database = connect(settings.database_url)
    try:
        queue = DeliveryQueue(database, _clock())
        if args.outbox_command == "stats":
            stats = await queue.stats()
            print(texts.outbox_stats(stats, _clock().now()))
        elif args.outbox_command == "list":
            parked = await queue.parked(args.limit + 1)
            if not parked:
                print(texts.OUTBOX_NOTHING_PARKED)
            else:
                print(texts.OUTBOX_PARKED_HEADER)
                for row, error in parked[: args.limit]:
                    print(texts.outbox_parked_line(row, error, settings.zone))
                if len(parked) > args.limit:
                    print(texts.outbox_parked_more(args.limit))
        elif args.outbox_command == "retry":
            count = await queue.retry_parked(args.ids or None)
            print(texts.outbox_retried(count))
    finally:
        await database.dispose()
    return 0


async def secret_key(args: argparse.Namespace, settings: Settings) -> int:
    """Prints a new key, or (`--into .env`) writes one into the file when neither it nor the environment has one."""
    from pathlib import Path

    from bot.secret_key import SETTING, ensure_key_in
    from storage.secrets import new_key

    if args.into is None:
        print(new_key())
        return 0
    if ensure_key_in(Path(args.into)):
        print(f"{SETTING} gerada em {args.into}. Guarde uma cópia dela: sem ela, as senhas SMTP gravadas no banco "
              "não podem ser lidas.")
    return 0
