"""`atendimento`: the one command-line program (run, worker, migrate, import, demo, invite, outbox, sandbox)."""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from bot.command_error import CommandError
from bot.settings import Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atendimento", description="Atendimento: o bot de atendimento ao cliente da construtora no Telegram."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")

    run = sub.add_parser("run", help="roda o bot (e, por padrão, as tarefas de entrega e lembretes)")
    run.add_argument("--webhook", action="store_true", help="recebe as atualizações por webhook em vez de polling")
    run.add_argument("--no-jobs", action="store_true", help="só o bot; as tarefas ficam com `atendimento worker`")
    run.add_argument("--prepare", action="store_true", help="migra o banco e, se vazio, carrega o catálogo demo")

    sandbox = sub.add_parser("sandbox", help="experimenta o bot sem Telegram: um Telegram simulado numa página web")
    sandbox.add_argument("--port", type=_sandbox_port, default=8080, help="porta da página em 127.0.0.1 (padrão 8080)")

    sub.add_parser("worker", help="roda só as tarefas de entrega, detecção de mudanças e lembretes")
    sub.add_parser("migrate", help="atualiza o banco de dados para o esquema mais novo")

    imp = sub.add_parser("import", help="importa o catálogo (YAML ou JSON)")
    imp.add_argument("file", help="arquivo do catálogo")

    sub.add_parser("demo", help="carrega o catálogo de demonstração")

    invite = sub.add_parser("invite", help="gera um convite de uso único para um cliente (CPF ou CNPJ)")
    invite.add_argument("document", metavar="cpf", help="CPF ou CNPJ do cliente")

    key = sub.add_parser("secret-key", help="gera uma ATENDIMENTO_SECRET_KEY (criptografa as senhas SMTP)")
    key.add_argument("--into", metavar="ARQUIVO", help="grava no arquivo (.env) se ele ainda não tiver uma")

    outbox = sub.add_parser("outbox", help="notificações: list | retry | stats")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True, metavar="AÇÃO")
    listing = outbox_sub.add_parser("list", help="lista as notificações retidas (parked)")
    listing.add_argument("--limit", type=int, default=50)
    retry = outbox_sub.add_parser("retry", help="devolve notificações retidas à fila")
    retry.add_argument("ids", nargs="*", type=int, help="ids (nenhum: todas as retidas)")
    outbox_sub.add_parser("stats", help="pendentes, entregues, retidas e idade da mais antiga pendente")

    from bot.reports.command import add_parser as add_report_parser

    add_report_parser(sub)

    from bot import audit_command, privacy_command

    audit_command.add_parser(sub)
    privacy_command.add_parser(sub)
    return parser


def _sandbox_port(value: str) -> int:
    from sandbox.command import port

    return port(value)


def _handlers() -> dict[str, Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int | None]]]:
    from bot import audit_command, commands, privacy_command
    from bot.reports.command import report
    from sandbox.command import sandbox as sandbox_command

    return {
        "run": commands.run,
        "worker": commands.worker,
        "migrate": commands.migrate,
        "import": commands.import_catalogue,
        "demo": commands.demo,
        "invite": commands.invite,
        "outbox": commands.outbox,
        "sandbox": sandbox_command,
        "secret-key": commands.secret_key,
        "report": report,
        "audit": audit_command.audit,
        "privacy": privacy_command.privacy,
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        from bot.logs import configure_logging

        configure_logging(settings.log_level)
        handler = _handlers()[args.command]
        code = asyncio.run(handler(args, settings))
    except (SettingsError, CommandError) as exc:
        print(f"atendimento: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    except KeyboardInterrupt:
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
