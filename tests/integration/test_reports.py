"""The report's figures from the database, on SQLite and PostgreSQL, against the month of tests/support/report_world.py
computed by hand; the weekly report posted once whatever the number of workers; `atendimento report` for operators."""
from __future__ import annotations

import csv
import io
import json

from bot.reports.build import report_service
from domain.clock import FrozenClock
from storage.repositories.reports import SqlReportPosts
from tests.support.builders import build_catalogue
from tests.support.delivery import cli_env, run_cli
from tests.support.report_world import EXPECTED, NOW, ZONE, seed_report_world


def figures(report) -> dict:
    s = report.satisfaction
    return {
        "weeks": [(w.start.isoformat(), w.opened, w.closed) for w in report.weeks],
        "cancelled": report.cancelled,
        "open_by_status": list(report.open_by_status),
        "open_by_subject": list(report.open_by_subject),
        "overdue_by_responsible": list(report.overdue_by_responsible),
        "days_to_close": [(d.subject, d.median_days, d.closed) for d in report.days_to_close],
        "median_days_overall": report.median_days_overall,
        "ratings": s.count, "average": round(s.average, 4), "csat": round(s.csat, 4),
        "distribution": dict(s.distribution),
    }


async def test_the_last_30_days_match_the_figures_computed_by_hand(db):
    await seed_report_world(db)
    report = await report_service(db, FrozenClock(NOW), ZONE).last_days(30)
    assert figures(report) == EXPECTED
    assert (report.opened, report.closed, report.open_now, report.overdue) == (8, 5, 5, 2)
    assert not report.empty


async def test_a_period_given_by_its_days_counts_only_what_falls_in_it(db):
    from datetime import date

    await seed_report_world(db)
    report = await report_service(db, FrozenClock(NOW), ZONE).between(date(2026, 11, 16), date(2026, 11, 22))
    assert [(w.start.isoformat(), w.opened, w.closed) for w in report.weeks] == [("2026-11-16", 2, 2)]
    assert [(d.subject, d.median_days) for d in report.days_to_close] == [("Infiltração", 3.5), ("Elétrica", 1.0)]
    assert dict(report.satisfaction.distribution) == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert report.open_by_status == [("Aberto", 4), ("A Retornar", 1)]  # open now, whatever the period


async def test_an_empty_installation_has_an_empty_report(db):
    await build_catalogue(db)
    report = await report_service(db, FrozenClock(NOW), ZONE).last_days(30)
    assert report.empty
    assert report.satisfaction is None and report.median_days_overall is None


async def test_a_weekly_slot_is_claimed_by_one_worker_and_retaken_only_when_its_claim_expired(db):
    from datetime import timedelta

    await build_catalogue(db)
    posts = SqlReportPosts(db)
    until = NOW + timedelta(minutes=10)
    assert await posts.claim("weekly:2026-11-30T08:00", "w1", NOW, until)
    assert not await posts.claim("weekly:2026-11-30T08:00", "w2", NOW, until)
    await posts.release("weekly:2026-11-30T08:00", "w1", NOW)  # w1 could not send: anyone may try again
    assert await posts.claim("weekly:2026-11-30T08:00", "w2", NOW, until)
    later = NOW + timedelta(minutes=11)  # w2 died without posting: its claim expired
    assert await posts.claim("weekly:2026-11-30T08:00", "w1", later, later + timedelta(minutes=10))
    await posts.posted("weekly:2026-11-30T08:00", "w1", later)
    much_later = later + timedelta(hours=1)
    assert not await posts.claim("weekly:2026-11-30T08:00", "w2", much_later, much_later + timedelta(minutes=10))


# --- atendimento report -------------------------------------------------------------------------------------------
async def report_cli(database_url, tmp_path, *args: str) -> tuple[int, bytes | str, str]:
    return await run_cli("report", *args, env=cli_env(None, database_url), cwd=tmp_path)


async def test_an_operator_exports_the_report_as_csv_json_and_png(db, database_url, tmp_path):
    await seed_report_world(db)
    period = ("--since", "2026-11-05", "--until", "04/12/2026")

    code, out, err = await report_cli(database_url, tmp_path, *period, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["period", "totals", "weeks", "open_by_status", "open_by_subject", "overdue_by_responsible",
                          "days_to_close", "satisfaction"]
    assert data["period"]["first_day"] == "2026-11-05" and data["period"]["last_day"] == "2026-12-04"
    # The whole of 04/12 (the report of /relatorio stopped at 15:00): the same figures, nothing happened since.
    assert [(w["start"], w["opened"], w["closed"]) for w in data["weeks"]] == EXPECTED["weeks"]
    assert data["totals"]["opened"] == 8 and data["totals"]["cancelled"] == 1
    assert data["days_to_close"][0] == {"subject": "Infiltração", "median_days": 10.3, "closed": 4}
    assert data["satisfaction"] == {"ratings": 5, "average": 3.4, "csat": 0.6,
                                    "distribution": {"1": 1, "2": 1, "3": 0, "4": 1, "5": 2}}
    assert data["overdue_by_responsible"][-1] == {"responsible": None, "count": 1}

    code, _, err = await report_cli(database_url, tmp_path, *period, "--format", "csv", "--out", "r.csv")
    assert code == 0, err
    assert "r.csv" in err
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with a BOM: a spreadsheet in Portuguese opens it right
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["section", "item", "measure", "value"]
    assert all(len(row) == 4 for row in rows)
    assert ["week", "2026-11-16", "opened", "2"] in rows
    assert ["days_to_close", "Infiltração", "median_days", "10,3"] in rows
    assert ["satisfaction", "all", "average", "3,4"] in rows
    assert ["open_by_subject", "Elétrica", "count", "3"] in rows

    code, _, err = await report_cli(database_url, tmp_path, *period, "--format", "png", "--out", "r.png")
    assert code == 0, err
    assert (tmp_path / "r.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


async def test_bad_dates_get_one_clear_line_and_exit_code_2(db, database_url, tmp_path):
    await build_catalogue(db)
    for args, expected in [
        (("--since", "31/02/2026"), "atendimento: data inválida '31/02/2026': use AAAA-MM-DD ou DD/MM/AAAA"),
        (("--until", "ontem"), "atendimento: data inválida 'ontem': use AAAA-MM-DD ou DD/MM/AAAA"),
        (("--since", "2026-12-01", "--until", "2026-11-01"),
         "atendimento: --since (01/12/2026) é depois de --until (01/11/2026)"),
    ]:
        code, out, err = await report_cli(database_url, tmp_path, *args, "--format", "csv")
        assert (code, out, err.strip()) == (2, "", expected)
