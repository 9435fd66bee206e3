"""`atendimento sandbox [--port N]`: the command-line side of sandbox/run.py."""
from __future__ import annotations

import argparse

from bot.cli import CommandError
from bot.settings import Settings


async def sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import StartupError
    from sandbox.run import SandboxError, run_sandbox

    try:
        await run_sandbox(settings, port=args.port)
    except (SandboxError, StartupError) as exc:
        raise CommandError(str(exc)) from None
    return 0


def port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"porta inválida: {value!r} (use um número de 1 a 65535)")
    return number
