"""The report's words: the chart's titles and labels (plain text), the caption of /relatorio and of the weekly report
(HTML, names escaped), and the operator's `atendimento report` messages."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.texts.format import esc, shorten
from domain.reports import DEFAULT_DAYS, MAX_DAYS, Report

CAPTION_MAX = 1024  # Telegram's limit for a photo's caption
NAMES_IN_CAPTION = 3

# --- the chart -------------------------------------------------------------------------------------------------------
TITLE = "Atendimentos de {first} a {last}"
PANEL_WEEKS = "Abertos e encerrados por semana"
PANEL_OPEN_STATUS = "Em aberto\npor status"
PANEL_OPEN_SUBJECT = "Em aberto\npor assunto"
PANEL_OVERDUE = "Pendências atrasadas\npor responsável"
PANEL_DAYS = "Mediana de dias até\nencerrar, por assunto"
PANEL_SATISFACTION = "Satisfação (notas de 1 a 5)"
LEGEND_OPENED = "abertos"
LEGEND_CLOSED = "encerrados"
WEEK_OF = "semana de"
NO_OPEN = "nenhum atendimento em aberto"
NO_OVERDUE = "nenhuma pendência atrasada"
NO_CLOSED = "nenhum atendimento encerrado no período"
NO_RATINGS = "sem avaliações no período"
NOBODY = "sem responsável"
OTHERS = "outros ({count})"
SATISFACTION_SUMMARY = "média {average} · CSAT {csat} · {count} avaliações"
DAYS_VALUE = "{days} d"

# --- /relatorio -------------------------------------------------------------------------------------------------------
USAGE = (f"Use /relatorio [dias], com dias de 1 a {MAX_DAYS} (padrão: {DEFAULT_DAYS}). "
         "Exemplo: <code>/relatorio 90</code>")
EMPTY = ("Ainda não há o que mostrar no relatório de {first} a {last}: nenhum atendimento aberto, encerrado ou "
         "avaliado no período, e nenhum em aberto.")
WEEKLY_PREFIX = "📊 <b>Relatório semanal</b>\n"


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def number(value: float, decimals: int = 1) -> str:
    """Brazilian decimals: 3,5."""
    return f"{value:.{decimals}f}".replace(".", ",")


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def title(report: Report) -> str:
    return TITLE.format(first=day(report.period.first_day), last=day(report.period.last_day))


def empty(report: Report) -> str:
    return EMPTY.format(first=day(report.period.first_day), last=day(report.period.last_day))


def satisfaction_summary(report: Report) -> str:
    s = report.satisfaction
    if s is None:
        return NO_RATINGS
    return SATISFACTION_SUMMARY.format(average=number(s.average), csat=percent(s.csat), count=s.count)


def _names(pairs: Sequence[tuple[str | None, int]], limit: int = NAMES_IN_CAPTION) -> str:
    shown = [f"{esc(shorten(name or NOBODY, 40))} {count}" for name, count in pairs[:limit]]
    if len(pairs) > limit:
        rest = pairs[limit:]
        shown.append(f"{OTHERS.format(count=len(rest))} {sum(n for _, n in rest)}")
    return ", ".join(shown)


def caption(report: Report, *, weekly: bool = False) -> str:
    """The key numbers of the picture, for the photo's caption (HTML, at most CAPTION_MAX characters)."""
    lines = [f"📊 <b>{esc(title(report))}</b>"]
    lines.append(f"Abertos: <b>{report.opened}</b> · Encerrados: <b>{report.closed}</b> · "
                 f"Cancelados: <b>{report.cancelled}</b>")
    status = ", ".join(f"{esc(name)} {count}" for name, count in report.open_by_status if count)
    lines.append(f"Em aberto agora: <b>{report.open_now}</b>" + (f" ({status})" if status else ""))
    overdue = f"Pendências atrasadas: <b>{report.overdue}</b>"
    if report.overdue_by_responsible:
        overdue += f" ({_names(report.overdue_by_responsible)})"
    lines.append(overdue)
    if report.median_days_overall is not None:
        slowest = report.days_to_close[0]
        lines.append(f"Mediana até encerrar: <b>{number(report.median_days_overall)} dias</b> (mais demorado: "
                     f"{esc(shorten(slowest.subject, 40))}, {number(slowest.median_days)} dias)")
    else:
        lines.append(f"Mediana até encerrar: {NO_CLOSED}")
    s = report.satisfaction
    if s is None:
        lines.append(f"Satisfação: {NO_RATINGS}")
    else:
        lines.append(f"Satisfação: média <b>{number(s.average)}</b> de 5 · CSAT <b>{percent(s.csat)}</b> "
                     f"({s.count} avaliações)")
    # Bounded by construction (three names of at most 40 characters per list): always within CAPTION_MAX.
    return (WEEKLY_PREFIX if weekly else "") + "\n".join(lines)


# --- atendimento report --------------------------------------------------------------------------------------------
BAD_DATE = "data inválida {value!r}: use AAAA-MM-DD ou DD/MM/AAAA"
BAD_RANGE = "--since ({first}) é depois de --until ({last})"
TOO_LONG = "período longo demais: no máximo {days} dias"
WRITTEN = "Relatório de {first} a {last} gravado em {path}"
