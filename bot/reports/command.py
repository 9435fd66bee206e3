"""`atendimento report [--since DATE] [--until DATE] --format png|csv|json [--out FILE]`: the report's figures for
operators and spreadsheets. Days are local days in TIMEZONE, both ends included; by default the last 30 days."""
from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.cli import CommandError
from bot.settings import Settings
from bot.texts import reports as texts
from domain.clock import SystemClock
from domain.reports import DEFAULT_DAYS
from storage.database import connect

FORMATS = ("png", "csv", "json")
MAX_DAYS = 3660  # ten years: the weekly panel is unreadable long before, the CSV is not


def add_parser(sub) -> None:
    report = sub.add_parser("report", help="relatório de atendimentos em PNG, CSV ou JSON")
    report.add_argument("--since", metavar="DATA", help="primeiro dia (AAAA-MM-DD ou DD/MM/AAAA; padrão: 30 dias atrás)")
    report.add_argument("--until", metavar="DATA", help="último dia, incluído (padrão: hoje)")
    report.add_argument("--format", required=True, choices=FORMATS, help="png, csv (separador ';') ou json")
    report.add_argument("--out", metavar="ARQUIVO", help="onde gravar (padrão: a saída padrão)")


def parse_day(value: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    raise CommandError(texts.BAD_DATE.format(value=value), exit_code=2)


def days_asked(args: argparse.Namespace, today: date) -> tuple[date, date]:
    last = parse_day(args.until) if args.until else today
    first = parse_day(args.since) if args.since else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise CommandError(texts.BAD_RANGE.format(first=texts.day(first), last=texts.day(last)), exit_code=2)
    if (last - first).days + 1 > MAX_DAYS:
        raise CommandError(texts.TOO_LONG.format(days=MAX_DAYS), exit_code=2)
    return first, last


async def report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.reports.build import picture, report_service
    from bot.reports.export import to_csv, to_json

    clock = SystemClock()
    first, last = days_asked(args, clock.now().astimezone(settings.zone).date())
    if args.format == "png" and not args.out and sys.stdout.isatty():
        raise CommandError("use --out ARQUIVO para gravar o PNG (ou redirecione a saída)", exit_code=2)
    database = connect(settings.database_url)
    try:
        found = await report_service(database, clock, settings.zone).between(first, last)
    finally:
        await database.dispose()
    if args.format == "png":
        if found.empty:  # a sentence, not an empty chart; nothing is written
            print(texts.empty(found), file=sys.stderr)
            return 0
        content = await picture(found)
    else:
        content = to_csv(found) if args.format == "csv" else to_json(found)
    if args.out:
        Path(args.out).write_bytes(content)
        print(texts.WRITTEN.format(first=texts.day(found.period.first_day), last=texts.day(found.period.last_day),
                                   path=args.out), file=sys.stderr)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    return 0
