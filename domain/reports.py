"""The manager's report (SPEC.md, "Reports"): the period it covers, the aggregates storage counts for it, and the
figures computed from them — opened and closed per week, open atendimentos by status and by subject, overdue
pendências by responsible, median days to close by subject, satisfaction.

Storage returns small aggregates (counts per week, per subject, per hour of duration, per rating), never rows per
atendimento: the database counts through indexes and Python only ever sees a few hundred rows, however large the
installation. Medians come from the per-hour histogram of durations, so they are exact to the hour.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.clock import Clock

DEFAULT_DAYS = 30
MAX_DAYS = 366
OPEN_STATUSES = ("Aberto", "A Retornar")
GOOD_RATINGS = (4, 5)  # CSAT: the share of ratings that are 4 or 5
RATINGS = (1, 2, 3, 4, 5)


# --- the period --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportPeriod:
    """[since, until) in UTC; weeks start on Monday at midnight in `zone` (the first one at `since`)."""

    since: datetime
    until: datetime
    zone: ZoneInfo

    @classmethod
    def last_days(cls, days: int, now: datetime, zone: ZoneInfo) -> ReportPeriod:
        """The last `days` local days, today included, up to `now`."""
        first = now.astimezone(zone).date() - timedelta(days=days - 1)
        return cls(_midnight(first, zone), now, zone)

    @classmethod
    def between(cls, first: date, last: date, zone: ZoneInfo, now: datetime) -> ReportPeriod:
        """The local days `first` to `last`, both included (not past `now`)."""
        return cls(_midnight(first, zone), min(_midnight(last + timedelta(days=1), zone), now), zone)

    @property
    def first_day(self) -> date:
        return self.since.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        return (self.until - timedelta(microseconds=1)).astimezone(self.zone).date()

    def week_starts(self) -> list[datetime]:
        """The instants (UTC) where each week's bucket starts: `since`, then every local Monday midnight before
        `until`. Bucket i is [starts[i], starts[i+1]) and the last one ends at `until`."""
        starts = [self.since]
        day = self.first_day
        monday = day + timedelta(days=(7 - day.weekday()) % 7 or 7)
        while (start := _midnight(monday, self.zone)) < self.until:
            starts.append(start)
            monday += timedelta(days=7)
        return starts


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


# --- what storage counts ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportAggregates:
    """Counts for one period. Names (subjects, responsibles) are already resolved; `None` keys mean "nobody"."""

    opened_per_week: Sequence[int]  # one per ReportPeriod.week_starts()
    closed_per_week: Sequence[int]  # Encerrado, by the week of Data Término
    cancelled: int  # Cancelado within the period
    open_by_status: Mapping[str, int]  # now, whatever the period
    open_by_subject: Mapping[str, int]
    overdue_by_responsible: Mapping[str | None, int]  # now
    close_hours_by_subject: Mapping[str, Mapping[int, int]]  # subject → {whole hours to close: atendimentos}
    ratings: Mapping[int, int]  # rating 1–5 → how many, rated within the period


class ReportSource(Protocol):
    async def aggregates(self, period: ReportPeriod, now: datetime) -> ReportAggregates: ...


# --- the figures --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Week:
    start: date  # local date of the bucket's first day
    opened: int
    closed: int


@dataclass(frozen=True)
class SubjectDuration:
    subject: str
    median_days: float
    closed: int


@dataclass(frozen=True)
class Satisfaction:
    count: int
    average: float
    csat: float  # 0–1: the share of 4 and 5
    distribution: Mapping[int, int]  # every rating 1–5, zeros included


@dataclass(frozen=True)
class Report:
    period: ReportPeriod
    generated_at: datetime
    weeks: Sequence[Week]
    cancelled: int
    open_by_status: Sequence[tuple[str, int]]  # Aberto, A Retornar
    open_by_subject: Sequence[tuple[str, int]]  # most first
    overdue_by_responsible: Sequence[tuple[str | None, int]]  # most first
    days_to_close: Sequence[SubjectDuration]  # slowest first
    satisfaction: Satisfaction | None  # None: no rating in the period
    median_days_overall: float | None = None

    @property
    def opened(self) -> int:
        return sum(w.opened for w in self.weeks)

    @property
    def closed(self) -> int:
        return sum(w.closed for w in self.weeks)

    @property
    def open_now(self) -> int:
        return sum(n for _, n in self.open_by_status)

    @property
    def overdue(self) -> int:
        return sum(n for _, n in self.overdue_by_responsible)

    @property
    def empty(self) -> bool:
        """Nothing to draw: no atendimento opened, closed or cancelled in the period, none open, no rating."""
        return not (self.opened or self.closed or self.cancelled or self.open_now or self.overdue
                    or self.satisfaction)


def median_of_histogram(histogram: Mapping[int, int]) -> float:
    """The median of values given as {value: count} (the mean of the two middle ones when the count is even)."""
    total = sum(histogram.values())
    if total <= 0:
        raise ValueError("empty histogram")
    middle = ((total - 1) // 2, total // 2)  # 0-based ranks of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        for rank in middle:
            if seen <= rank < seen + count:
                found.append(value)
        seen += count
    return sum(found) / len(found)


def _by_count(counts: Mapping, order: Sequence | None = None) -> list[tuple]:
    if order is not None:
        return [(key, counts.get(key, 0)) for key in order]
    items = [(key, n) for key, n in counts.items() if n]
    return sorted(items, key=lambda kv: (-kv[1], kv[0] is None, str(kv[0] or "").casefold()))  # nobody last


def build_report(period: ReportPeriod, aggregates: ReportAggregates, generated_at: datetime) -> Report:
    starts = period.week_starts()
    weeks = [
        Week(start.astimezone(period.zone).date(), aggregates.opened_per_week[i], aggregates.closed_per_week[i])
        for i, start in enumerate(starts)
    ]
    durations = [
        SubjectDuration(subject, round(median_of_histogram(hours) / 24, 1), sum(hours.values()))
        for subject, hours in aggregates.close_hours_by_subject.items() if sum(hours.values())
    ]
    durations.sort(key=lambda d: (-d.median_days, d.subject.casefold()))
    overall: dict[int, int] = {}
    for hours in aggregates.close_hours_by_subject.values():
        for value, count in hours.items():
            overall[value] = overall.get(value, 0) + count
    ratings = {r: aggregates.ratings.get(r, 0) for r in RATINGS}
    rated = sum(ratings.values())
    satisfaction = None
    if rated:
        satisfaction = Satisfaction(
            count=rated,
            average=sum(r * n for r, n in ratings.items()) / rated,
            csat=sum(ratings[r] for r in GOOD_RATINGS) / rated,
            distribution=ratings,
        )
    return Report(
        period=period,
        generated_at=generated_at,
        weeks=weeks,
        cancelled=aggregates.cancelled,
        open_by_status=_by_count(aggregates.open_by_status, OPEN_STATUSES),
        open_by_subject=_by_count(aggregates.open_by_subject),
        overdue_by_responsible=_by_count(aggregates.overdue_by_responsible),
        days_to_close=durations,
        satisfaction=satisfaction,
        median_days_overall=round(median_of_histogram(overall) / 24, 1) if sum(overall.values()) else None,
    )


class ReportService:
    def __init__(self, source: ReportSource, clock: Clock, zone: ZoneInfo) -> None:
        self.source = source
        self.clock = clock
        self.zone = zone

    async def last_days(self, days: int = DEFAULT_DAYS) -> Report:
        now = self.clock.now()
        return await self.for_period(ReportPeriod.last_days(days, now, self.zone), now)

    async def between(self, first: date, last: date) -> Report:
        now = self.clock.now()
        return await self.for_period(ReportPeriod.between(first, last, self.zone, now), now)

    async def for_period(self, period: ReportPeriod, now: datetime) -> Report:
        return build_report(period, await self.source.aggregates(period, now), now)


def parse_days(text: str | None) -> int:
    """`/relatorio [dias]`: no argument → the default; else a whole number 1–MAX_DAYS (ValueError otherwise)."""
    if text is None or not text.strip():
        return DEFAULT_DAYS
    raw = text.strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        raise ValueError(raw)
    return int(raw)


# --- the weekly schedule ---------------------------------------------------------------------------------------------
WEEKDAYS = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "seg": 0, "ter": 1, "qua": 2, "qui": 3, "sex": 4, "sab": 5, "sáb": 5, "dom": 6,
}
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SCHEDULE = re.compile(r"^\s*(\w{3})\s+(\d{1,2}):(\d{2})\s*$")
LATE_LIMIT = timedelta(days=1)  # a weekly report more than a day late is skipped: Thursday's news is not Monday's


@dataclass(frozen=True)
class WeeklySchedule:
    weekday: int  # Monday = 0
    at: time

    @property
    def text(self) -> str:
        """The canonical form, as stored: "mon 08:00"."""
        return f"{_DAY_NAMES[self.weekday]} {self.at:%H:%M}"

    def last_slot(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The latest scheduled instant at or before `now` (UTC)."""
        local = now.astimezone(zone)
        day = local.date() - timedelta(days=(local.weekday() - self.weekday) % 7)
        slot = datetime.combine(day, self.at, zone)
        if slot > local:
            slot = datetime.combine(day - timedelta(days=7), self.at, zone)
        return slot.astimezone(UTC)

    def due(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The slot to post now, or None when the last one is more than LATE_LIMIT ago."""
        slot = self.last_slot(now, zone)
        return slot if now - slot <= LATE_LIMIT else None


def parse_weekly_schedule(text: str) -> WeeklySchedule | None:
    """`"mon 08:00"` (or the Portuguese `"seg 08:00"`) → WeeklySchedule; None when malformed."""
    found = _SCHEDULE.match(text or "")
    if not found:
        return None
    weekday = WEEKDAYS.get(found.group(1).casefold())
    hour, minute = int(found.group(2)), int(found.group(3))
    if weekday is None or hour > 23 or minute > 59:
        return None
    return WeeklySchedule(weekday, time(hour, minute))
