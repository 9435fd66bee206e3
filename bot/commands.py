"""What each `atendimento` subcommand does: thin wrappers over storage and the domain services."""
from __future__ import annotations

import argparse

from bot.cli import CommandError
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
    raise CommandError("`atendimento run` ainda não está disponível nesta versão.")


async def worker(args: argparse.Namespace, settings: Settings) -> int:
    raise CommandError("`atendimento worker` ainda não está disponível nesta versão.")


async def import_catalogue(args: argparse.Namespace, settings: Settings) -> int:
    raise CommandError("`atendimento import` ainda não está disponível nesta versão.")


async def demo(args: argparse.Namespace, settings: Settings) -> int:
    raise CommandError("`atendimento demo` ainda não está disponível nesta versão.")


async def invite(args: argparse.Namespace, settings: Settings) -> int:
    raise CommandError("`atendimento invite` ainda não está disponível nesta versão.")


async def outbox(args: argparse.Namespace, settings: Settings) -> int:
    raise CommandError("`atendimento outbox` ainda não está disponível nesta versão.")
