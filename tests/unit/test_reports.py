"""The report without a database: the period's weeks in the time zone, medians from histograms, CSAT, the weekly
schedule, the picture (PNG, 1080 × 1620, every panel titled), the caption and the CSV/JSON exports."""
from __future__ import annotations

import csv
import io
import json
import struct
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.reports.chart import DPI, HEIGHT_PX, WIDTH_PX, build_figure, render_png
from bot.reports.export import CSV_HEADER, as_dict, to_csv, to_json
from bot.texts import reports as texts
from domain.reports import (
    ReportAggregates,
    ReportPeriod,
    WeeklySchedule,
    build_report,
    median_of_histogram,
    parse_days,
    parse_weekly_schedule,
)

ZONE = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 12, 4, 18, tzinfo=UTC)  # Friday 04/12 15:00 in São Paulo
DOCS = Path(__file__).resolve().parents[2] / "docs"


def aggregates(**changes) -> ReportAggregates:
    values = dict(
        opened_per_week=[1, 1, 2, 1, 3], closed_per_week=[1, 1, 2, 0, 1], cancelled=1,
        open_by_status={"Aberto": 4, "A Retornar": 1}, open_by_subject={"Infiltração": 2, "Elétrica": 3},
        overdue_by_responsible={None: 1, "João Silva": 1},
        close_hours_by_subject={"Infiltração": {48: 1, 85: 1, 408: 1, 710: 1}, "Elétrica": {24: 1}},
        ratings={5: 2, 4: 1, 2: 1, 1: 1},
    )
    values.update(changes)
    return ReportAggregates(**values)


def month(**changes):
    return build_report(ReportPeriod.last_days(30, NOW, ZONE), aggregates(**changes), NOW)


def nothing():
    return build_report(ReportPeriod.last_days(30, NOW, ZONE), ReportAggregates([0] * 5, [0] * 5, 0, {}, {}, {}, {},
                                                                                 {}), NOW)


# --- the figures ----------------------------------------------------------------------------------------------------
def test_the_last_30_days_are_cut_into_local_weeks_starting_on_monday():
    period = ReportPeriod.last_days(30, NOW, ZONE)
    assert (period.first_day, period.last_day) == (date(2026, 11, 5), date(2026, 12, 4))
    assert [s.astimezone(ZONE).strftime("%a %d/%m %H:%M") for s in period.week_starts()] == [
        "Thu 05/11 00:00", "Mon 09/11 00:00", "Mon 16/11 00:00", "Mon 23/11 00:00", "Mon 30/11 00:00"]
    one_week = ReportPeriod.between(date(2026, 11, 16), date(2026, 11, 22), ZONE, NOW)
    assert len(one_week.week_starts()) == 1 and one_week.last_day == date(2026, 11, 22)


def test_medians_come_from_the_histogram_of_hours():
    assert median_of_histogram({24: 1}) == 24
    assert median_of_histogram({48: 1, 85: 1, 408: 1, 710: 1}) == (85 + 408) / 2
    assert median_of_histogram({1: 3, 100: 1}) == 1
    with pytest.raises(ValueError):
        median_of_histogram({})


def test_the_report_ranks_and_rates():
    report = month()
    assert (report.opened, report.closed, report.cancelled, report.open_now, report.overdue) == (8, 5, 1, 5, 2)
    assert report.open_by_subject == [("Elétrica", 3), ("Infiltração", 2)]
    assert report.overdue_by_responsible == [("João Silva", 1), (None, 1)]  # nobody last
    assert [(d.subject, d.median_days) for d in report.days_to_close] == [("Infiltração", 10.3), ("Elétrica", 1.0)]
    assert report.median_days_overall == 3.5
    s = report.satisfaction
    assert (s.count, s.average, s.csat, dict(s.distribution)) == (5, 3.4, 0.6, {1: 1, 2: 1, 3: 0, 4: 1, 5: 2})
    assert nothing().empty and nothing().satisfaction is None


@pytest.mark.parametrize("given, days", [(None, 30), ("", 30), ("7", 7), ("366", 366)])
def test_days_of_relatorio(given, days):
    assert parse_days(given) == days


@pytest.mark.parametrize("given", ["0", "367", "-1", "dez", "7.5", "1e3"])
def test_bad_days_of_relatorio(given):
    with pytest.raises(ValueError):
        parse_days(given)


def test_the_weekly_schedule():
    assert parse_weekly_schedule("mon 08:00") == WeeklySchedule(0, time(8, 0))
    assert parse_weekly_schedule("  Sex 17:30 ") == WeeklySchedule(4, time(17, 30))
    assert parse_weekly_schedule("seg 8:00").text == "mon 08:00"
    for bad in ("monday 08:00", "mon", "mon 24:00", "mon 08:60", "xyz 08:00", "08:00 mon", ""):
        assert parse_weekly_schedule(bad) is None, bad
    monday_8 = WeeklySchedule(0, time(8))
    friday = datetime(2026, 12, 4, 18, tzinfo=UTC)
    assert monday_8.last_slot(friday, ZONE) == datetime(2026, 11, 30, 11, tzinfo=UTC)
    assert monday_8.due(friday, ZONE) is None  # four days late: skipped
    at_8 = datetime(2026, 12, 7, 11, tzinfo=UTC)
    assert monday_8.due(at_8, ZONE) == at_8
    assert monday_8.last_slot(datetime(2026, 12, 7, 10, 59, tzinfo=UTC), ZONE) == datetime(2026, 11, 30, 11, tzinfo=UTC)


# --- the picture ------------------------------------------------------------------------------------------------------
def png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", content[16:24])


PANELS = [texts.PANEL_WEEKS, texts.PANEL_OPEN_STATUS, texts.PANEL_OPEN_SUBJECT, texts.PANEL_OVERDUE, texts.PANEL_DAYS,
          texts.PANEL_SATISFACTION]


def test_the_picture_is_a_phone_sized_png_with_six_titled_panels():
    report = month()
    assert png_size(render_png(report)) == (WIDTH_PX, HEIGHT_PX) == (1080, 1620)
    figure = build_figure(report)
    assert (figure.get_figwidth() * DPI, figure.get_figheight() * DPI) == (1080, 1620)
    titles = [ax.get_title() for ax in figure.axes]
    assert len(titles) == 6 and all(titles)
    assert [t.split("\n")[0] for t in titles] == [p.split("\n")[0] for p in PANELS]
    assert titles[-1] == f"{texts.PANEL_SATISFACTION}\nmédia 3,4 · CSAT 60% · 5 avaliações"
    assert figure.get_suptitle() == "Atendimentos de 05/11/2026 a 04/12/2026"


def test_panels_without_data_say_so_and_keep_their_title():
    report = month(ratings={}, overdue_by_responsible={}, close_hours_by_subject={})
    figure = build_figure(report)
    assert all(ax.get_title() for ax in figure.axes)
    said = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert texts.NO_RATINGS in said and texts.NO_OVERDUE in said and texts.NO_CLOSED in said
    render_png(month(open_by_subject={"Taxa $ extra $": 2, "Outro": 1}))  # a name is never read as $math$


def test_the_readme_picture(tmp_path):
    """docs/relatorio.png, the picture in the README: the month of tests/support/report_world.py."""
    DOCS.mkdir(exist_ok=True)
    content = render_png(month())
    (DOCS / "relatorio.png").write_bytes(content)
    assert png_size(content) == (1080, 1620)


# --- the caption -------------------------------------------------------------------------------------------------------
def test_the_caption_has_the_key_numbers_and_fits_a_photo():
    caption = texts.caption(month())
    assert caption.splitlines() == [
        "📊 <b>Atendimentos de 05/11/2026 a 04/12/2026</b>",
        "Abertos: <b>8</b> · Encerrados: <b>5</b> · Cancelados: <b>1</b>",
        "Em aberto agora: <b>5</b> (Aberto 4, A Retornar 1)",
        "Pendências atrasadas: <b>2</b> (João Silva 1, sem responsável 1)",
        "Mediana até encerrar: <b>3,5 dias</b> (mais demorado: Infiltração, 10,3 dias)",
        "Satisfação: média <b>3,4</b> de 5 · CSAT <b>60%</b> (5 avaliações)",
    ]
    long_names = {f"<Responsável {'x' * 200} {i}>": i + 1 for i in range(40)}
    caption = texts.caption(month(overdue_by_responsible=long_names), weekly=True)
    assert len(caption) <= texts.CAPTION_MAX
    assert "&lt;Responsável" in caption and "outros (37)" in caption
    assert "sem avaliações" in texts.caption(month(ratings={}))


# --- CSV and JSON ------------------------------------------------------------------------------------------------------
def test_csv_has_a_header_and_one_figure_per_row():
    raw = to_csv(month())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == CSV_HEADER
    assert all(len(row) == 4 for row in rows)
    assert ["totals", "all", "opened", "8"] in rows
    assert ["overdue_by_responsible", "", "count", "1"] in rows
    assert ["satisfaction", "all", "csat", "0,6"] in rows


def test_json_shape():
    data = json.loads(to_json(month()))
    assert data == as_dict(month())
    assert data["totals"] == {"opened": 8, "closed": 5, "cancelled": 1, "open_now": 5, "overdue_pendencias": 2,
                              "median_days_to_close": 3.5}
    assert data["weeks"][0] == {"start": "2026-11-05", "opened": 1, "closed": 1}
    assert data["period"]["timezone"] == "America/Sao_Paulo"
    assert json.loads(to_json(nothing()))["satisfaction"] is None
