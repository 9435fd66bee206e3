"""The report as one PNG picture for a phone screen: 1080 × 1620 pixels, six titled panels with large type.

Drawn with matplotlib's object API and its Agg canvas (no pyplot, no display, no global figure state), so it runs in
a worker thread beside the bot's event loop. `build_figure` returns the Figure (the tests read its panel titles);
`render_png` its bytes.
"""
from __future__ import annotations

import io
import threading
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.texts import reports as texts
from domain.reports import Report

WIDTH_PX, HEIGHT_PX, DPI = 1080, 1620, 100
TITLE_SIZE, PANEL_TITLE_SIZE, LABEL_SIZE, VALUE_SIZE = 24, 19, 15, 15
MAX_BARS = 6  # per ranking panel; the rest is one "outros (n)" bar
LABEL_CHARS = 16
OPENED_COLOUR, CLOSED_COLOUR, BAR_COLOUR, ALERT_COLOUR = "#1f77b4", "#2ca02c", "#4c72b0", "#d62728"
RATING_COLOURS = ("#d62728", "#ff7f0e", "#bcbd22", "#8fd16f", "#2ca02c")

_lock = threading.Lock()  # matplotlib's font cache and text layout are not meant for two threads at once


def _short(label: str) -> str:
    label = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
    return label.replace("$", r"\$")  # a name is text, never matplotlib's $math$


def _top(pairs: Sequence[tuple[str | None, int]]) -> list[tuple[str, int]]:
    shown = [(name or texts.NOBODY, count) for name, count in pairs[:MAX_BARS]]
    if len(pairs) > MAX_BARS:
        rest = pairs[MAX_BARS - 1:]
        shown = shown[: MAX_BARS - 1] + [(texts.OTHERS.format(count=len(rest)), sum(n for _, n in rest))]
    return shown


def _nothing(ax, title: str, message: str) -> None:
    ax.set_title(title, fontsize=PANEL_TITLE_SIZE, fontweight="bold")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=LABEL_SIZE, color="#666666",
            transform=ax.transAxes, wrap=True)
    ax.set_axis_off()


def _style(ax, title: str) -> None:
    ax.set_title(title, fontsize=PANEL_TITLE_SIZE, fontweight="bold")
    ax.tick_params(labelsize=LABEL_SIZE)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _ranking(ax, title: str, pairs: Sequence[tuple[str, float]], labels: Sequence[str], colour: str) -> None:
    """Horizontal bars, the largest on top, each with its value written after it."""
    _style(ax, title)
    names = [_short(name) for name, _ in pairs][::-1]
    values = [value for _, value in pairs][::-1]
    bars = ax.barh(names, values, color=colour)
    ax.bar_label(bars, labels=list(labels)[::-1], padding=4, fontsize=VALUE_SIZE)
    ax.set_xlim(0, max(values) * 1.3 if values and max(values) > 0 else 1)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)


def _weeks(ax, report: Report) -> None:
    _style(ax, texts.PANEL_WEEKS)
    positions = range(len(report.weeks))
    width = 0.4
    opened = ax.bar([p - width / 2 for p in positions], [w.opened for w in report.weeks], width,
                    color=OPENED_COLOUR, label=texts.LEGEND_OPENED)
    closed = ax.bar([p + width / 2 for p in positions], [w.closed for w in report.weeks], width,
                    color=CLOSED_COLOUR, label=texts.LEGEND_CLOSED)
    if len(report.weeks) <= 10:  # values on the bars while they fit
        ax.bar_label(opened, padding=2, fontsize=VALUE_SIZE - 2)
        ax.bar_label(closed, padding=2, fontsize=VALUE_SIZE - 2)
    step = max(1, len(report.weeks) // 9)  # at most ~9 dates under the axis
    ax.set_xticks(list(positions)[::step], [w.start.strftime("%d/%m") for w in report.weeks][::step])
    ax.set_xlabel(texts.WEEK_OF, fontsize=LABEL_SIZE)
    top = max([w.opened for w in report.weeks] + [w.closed for w in report.weeks] + [1])
    ax.set_ylim(0, top * 1.2)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=LABEL_SIZE, frameon=False, loc="upper left", ncols=2)


def _satisfaction(ax, report: Report) -> None:
    s = report.satisfaction
    if s is None:
        _nothing(ax, texts.PANEL_SATISFACTION, texts.NO_RATINGS)
        return
    _style(ax, f"{texts.PANEL_SATISFACTION}\n{texts.satisfaction_summary(report)}")
    ratings = sorted(s.distribution)
    counts = [s.distribution[r] for r in ratings]
    bars = ax.bar([f"{r} ★" for r in ratings], counts, color=RATING_COLOURS)
    ax.bar_label(bars, labels=[f"{n} ({texts.percent(n / s.count)})" for n in counts], padding=2,
                 fontsize=VALUE_SIZE)
    ax.set_ylim(0, max(counts) * 1.3)
    ax.yaxis.set_visible(False)
    ax.spines["left"].set_visible(False)


def build_figure(report: Report) -> Figure:
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    figure.suptitle(texts.title(report), fontsize=TITLE_SIZE, fontweight="bold")
    grid = figure.add_gridspec(4, 2, height_ratios=(1.15, 1, 1, 0.95))
    _weeks(figure.add_subplot(grid[0, :]), report)

    ax = figure.add_subplot(grid[1, 0])
    if report.open_now:
        _ranking(ax, texts.PANEL_OPEN_STATUS, report.open_by_status,
                 [str(n) for _, n in report.open_by_status], BAR_COLOUR)
    else:
        _nothing(ax, texts.PANEL_OPEN_STATUS, texts.NO_OPEN)

    ax = figure.add_subplot(grid[1, 1])
    if report.open_by_subject:
        top = _top(report.open_by_subject)
        _ranking(ax, texts.PANEL_OPEN_SUBJECT, top, [str(n) for _, n in top], BAR_COLOUR)
    else:
        _nothing(ax, texts.PANEL_OPEN_SUBJECT, texts.NO_OPEN)

    ax = figure.add_subplot(grid[2, 0])
    if report.overdue_by_responsible:
        top = _top(report.overdue_by_responsible)
        _ranking(ax, texts.PANEL_OVERDUE, top, [str(n) for _, n in top], ALERT_COLOUR)
    else:
        _nothing(ax, texts.PANEL_OVERDUE, texts.NO_OVERDUE)

    ax = figure.add_subplot(grid[2, 1])
    if report.days_to_close:
        shown = list(report.days_to_close[:MAX_BARS])
        _ranking(ax, texts.PANEL_DAYS, [(d.subject, d.median_days) for d in shown],
                 [texts.DAYS_VALUE.format(days=texts.number(d.median_days)) for d in shown], CLOSED_COLOUR)
    else:
        _nothing(ax, texts.PANEL_DAYS, texts.NO_CLOSED)

    _satisfaction(figure.add_subplot(grid[3, :]), report)
    return figure


def render_png(report: Report) -> bytes:
    with _lock:
        figure = build_figure(report)
        FigureCanvasAgg(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
