"""`atendimento audit [--ticket N] [--staff LOGIN] [--since DATE]`: who did what, when, from where — one line each."""
from __future__ import annotations

import argparse
from datetime import date, datetime, time

from bot.settings import Settings


def add_parser(sub) -> None:
    audit = sub.add_parser("audit", help="mostra o registro de auditoria (quem fez o quê, quando, onde)")
    audit.add_argument("--ticket", type=_positive, metavar="N", help="só o atendimento nº N")
    audit.add_argument("--staff", metavar="LOGIN", help="só as ações deste usuário da equipe")
    audit.add_argument("--since", type=_date, metavar="DATA", help="a partir desta data (dd/mm/aaaa ou aaaa-mm-dd)")
    audit.add_argument("--limit", type=_positive, default=1000, help="no máximo tantas linhas (padrão 1000)")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 0 < number < 2**63:
        raise argparse.ArgumentTypeError(f"'{value}' não é um número inteiro positivo")
    return number


def _date(value: str) -> date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"'{value}' não é uma data válida (use dd/mm/aaaa ou aaaa-mm-dd)")


async def audit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.texts import operator as texts
    from storage.database import connect
    from storage.repositories.audit import SqlAuditLog

    since = datetime.combine(args.since, time.min, settings.zone) if args.since else None
    database = connect(settings.database_url)
    try:
        async with database.sessions() as session:
            entries = await SqlAuditLog(session).entries(args.ticket, args.staff, since, args.limit + 1)
    finally:
        await database.dispose()
    if not entries:
        print(texts.AUDIT_NOTHING)
        return 0
    print(texts.AUDIT_HEADER)
    for entry in entries[: args.limit]:
        print(texts.audit_line(entry, settings.zone))
    if len(entries) > args.limit:
        print(texts.audit_more(args.limit))
    return 0
