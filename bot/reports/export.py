"""The report for operators and spreadsheets (`atendimento report --format csv|json`).

JSON: one object (see README, "Relatório"): `period`, `totals`, `weeks`, `open_by_status`, `open_by_subject`,
`overdue_by_responsible`, `days_to_close`, `satisfaction` (null without ratings).

CSV: UTF-8 with a BOM, `;` between fields and a decimal comma — what a spreadsheet in Portuguese opens right with a
double click — and one figure per row under the header `section;item;measure;value`.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from domain.reports import Report

CSV_DELIMITER = ";"
CSV_HEADER = ("section", "item", "measure", "value")
CSV_ENCODING = "utf-8-sig"


def as_dict(report: Report) -> dict[str, Any]:
    p, s = report.period, report.satisfaction
    return {
        "period": {
            "first_day": p.first_day.isoformat(), "last_day": p.last_day.isoformat(),
            "since": p.since.astimezone(p.zone).isoformat(), "until": p.until.astimezone(p.zone).isoformat(),
            "timezone": p.zone.key, "generated_at": report.generated_at.astimezone(p.zone).isoformat(),
        },
        "totals": {
            "opened": report.opened, "closed": report.closed, "cancelled": report.cancelled,
            "open_now": report.open_now, "overdue_pendencias": report.overdue,
            "median_days_to_close": report.median_days_overall,
        },
        "weeks": [{"start": w.start.isoformat(), "opened": w.opened, "closed": w.closed} for w in report.weeks],
        "open_by_status": [{"status": name, "count": n} for name, n in report.open_by_status],
        "open_by_subject": [{"subject": name, "count": n} for name, n in report.open_by_subject],
        "overdue_by_responsible": [{"responsible": name, "count": n} for name, n in report.overdue_by_responsible],
        "days_to_close": [{"subject": d.subject, "median_days": d.median_days, "closed": d.closed}
                          for d in report.days_to_close],
        "satisfaction": None if s is None else {
            "ratings": s.count, "average": round(s.average, 2), "csat": round(s.csat, 4),
            "distribution": {str(r): n for r, n in s.distribution.items()},
        },
    }


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:g}".replace(".", ",")


def csv_rows(report: Report) -> list[tuple[str, str, str, str]]:
    data = as_dict(report)
    rows = [("period", "first_day", "date", data["period"]["first_day"]),
            ("period", "last_day", "date", data["period"]["last_day"]),
            ("period", "timezone", "name", data["period"]["timezone"])]
    rows += [("totals", "all", measure, _decimal(value)) for measure, value in data["totals"].items()]
    for week in report.weeks:
        rows += [("week", week.start.isoformat(), "opened", str(week.opened)),
                 ("week", week.start.isoformat(), "closed", str(week.closed))]
    rows += [("open_by_status", name, "count", str(n)) for name, n in report.open_by_status]
    rows += [("open_by_subject", name, "count", str(n)) for name, n in report.open_by_subject]
    rows += [("overdue_by_responsible", name or "", "count", str(n)) for name, n in report.overdue_by_responsible]
    for d in report.days_to_close:
        rows += [("days_to_close", d.subject, "median_days", _decimal(d.median_days)),
                 ("days_to_close", d.subject, "closed", str(d.closed))]
    if (s := report.satisfaction) is not None:
        rows += [("satisfaction", "all", "ratings", str(s.count)),
                 ("satisfaction", "all", "average", _decimal(round(s.average, 2))),
                 ("satisfaction", "all", "csat", _decimal(round(s.csat, 4)))]
        rows += [("satisfaction", str(r), "count", str(n)) for r, n in s.distribution.items()]
    return rows


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(report))
    return buffer.getvalue().encode(CSV_ENCODING)


def to_json(report: Report) -> bytes:
    import json

    return (json.dumps(as_dict(report), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
