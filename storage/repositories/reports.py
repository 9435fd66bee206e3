"""The report's aggregates (domain/reports.py), counted by the database through indexes, and the weekly report's
once-a-week mark.

Every query returns a handful of rows whatever the size of the tables: counts per week bucket, per status and
subject, per responsible, per rating, and the per-hour histogram of the time to close (the medians are computed
from it in the domain). Week buckets are a CASE on the timestamp, nested as a binary search over the period's week
boundaries (computed in the configured time zone by the domain), so both backends group by local weeks exactly.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, cast, extract, func, literal_column, select, update
from sqlalchemy import Integer, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.reports import OPEN_STATUSES, ReportAggregates, ReportPeriod
from storage import tables as t
from storage.database import Database

ENCERRADO, CANCELADO = "Encerrado", "Cancelado"


def week_bucket(column, starts: Sequence[datetime]) -> ColumnElement:
    """The index i of the bucket [starts[i], starts[i+1]) holding `column` (values before starts[0] fall in 0: the
    queries' WHERE keeps them out). A binary search: about log2(53) comparisons per row for a year."""

    def within(low: int, high: int) -> ColumnElement:
        if high - low == 1:
            return literal_column(str(low))
        middle = (low + high) // 2
        return case((column < starts[middle], within(low, middle)), else_=within(middle, high))

    return within(0, len(starts))


def hours_between(dialect: str, start, end) -> ColumnElement:
    """Whole hours from `start` to `end`."""
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", end - start) / 3600), Integer)
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): integer seconds, then integer division.
    seconds = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    return cast(seconds / 3600, Integer)  # SQLAlchemy's / is true division: back to whole hours


class SqlReportSource:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def aggregates(self, period: ReportPeriod, now: datetime) -> ReportAggregates:
        tk, st, p, r = t.tickets, t.stages, t.pendencias, t.ticket_ratings
        starts = period.week_starts()
        in_period = lambda column: and_(column >= period.since, column < period.until)  # noqa: E731
        opened_bucket = week_bucket(tk.c.created_at, starts).label("bucket")
        closed_bucket = week_bucket(tk.c.closed_at, starts).label("bucket")
        hours = hours_between(self.database.dialect, tk.c.created_at, tk.c.closed_at).label("hours")
        queries = {
            "opened": select(opened_bucket, func.count()).where(in_period(tk.c.created_at))
            .group_by(literal_column("bucket")),
            "closed": select(tk.c.status, closed_bucket, func.count())
            .where(in_period(tk.c.closed_at), tk.c.status.in_((ENCERRADO, CANCELADO)))
            .group_by(tk.c.status, literal_column("bucket")),
            "durations": select(tk.c.subject_id, hours, func.count())
            .where(in_period(tk.c.closed_at), tk.c.status == ENCERRADO)
            .group_by(tk.c.subject_id, literal_column("hours")),
            "open": select(tk.c.status, tk.c.subject_id, func.count())
            .where(tk.c.status.in_(OPEN_STATUSES)).group_by(tk.c.status, tk.c.subject_id),
            "overdue": select(st.c.responsible_id, func.count())
            .select_from(st.join(p, p.c.stage_id == st.c.id).join(tk, tk.c.id == st.c.ticket_id))
            .where(st.c.status == "Pendente", st.c.due_at < now, tk.c.status.in_(OPEN_STATUSES))
            .group_by(st.c.responsible_id),
            "ratings": select(r.c.rating, func.count()).where(in_period(r.c.rated_at)).group_by(r.c.rating),
        }
        async with self.database.engine.connect() as connection:
            rows = {name: (await connection.execute(query)).all() for name, query in queries.items()}
            subject_ids = {row[0] for row in rows["durations"]} | {row[1] for row in rows["open"]}
            staff_ids = {row[0] for row in rows["overdue"] if row[0] is not None}
            subjects = dict((await connection.execute(
                select(t.subjects.c.id, t.subjects.c.name).where(t.subjects.c.id.in_(subject_ids)))).all()
                            ) if subject_ids else {}
            staff = dict((await connection.execute(
                select(t.staff_users.c.id, t.staff_users.c.name).where(t.staff_users.c.id.in_(staff_ids)))).all()
                         ) if staff_ids else {}

        def subject_name(subject_id: int) -> str:
            return subjects.get(subject_id) or f"Assunto {subject_id}"

        opened = [0] * len(starts)
        for bucket, count in rows["opened"]:
            opened[int(bucket)] += count
        closed = [0] * len(starts)
        cancelled = 0
        for status, bucket, count in rows["closed"]:
            if status == ENCERRADO:
                closed[int(bucket)] += count
            else:
                cancelled += count
        durations: dict[str, dict[int, int]] = defaultdict(dict)
        for subject_id, hours_value, count in rows["durations"]:
            by_hour = durations[subject_name(subject_id)]
            by_hour[int(hours_value)] = by_hour.get(int(hours_value), 0) + count
        by_status: dict[str, int] = defaultdict(int)
        by_subject: dict[str, int] = defaultdict(int)
        for status, subject_id, count in rows["open"]:
            by_status[status] += count
            by_subject[subject_name(subject_id)] += count
        overdue: dict[str | None, int] = defaultdict(int)
        for staff_id, count in rows["overdue"]:
            overdue[staff.get(staff_id) if staff_id is not None else None] += count
        return ReportAggregates(
            opened_per_week=opened,
            closed_per_week=closed,
            cancelled=cancelled,
            open_by_status=dict(by_status),
            open_by_subject=dict(by_subject),
            overdue_by_responsible=dict(overdue),
            close_hours_by_subject={name: dict(h) for name, h in durations.items()},
            ratings={int(rating): count for rating, count in rows["ratings"]},
        )


class SqlReportPosts:
    """The weekly report's schedule and its mark: one `report_posts` row per scheduled report."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def schedule(self) -> tuple[str | None, int | None, int | None]:
        """(config.weekly_report, staff_chat_id, staff_thread_id)."""
        c = t.service_config
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(
                select(c.c.weekly_report, c.c.staff_chat_id, c.c.staff_thread_id).where(c.c.id == 1))).one_or_none()
        return (row.weekly_report, row.staff_chat_id, row.staff_thread_id) if row else (None, None, None)

    async def claim(self, period: str, worker: str, now: datetime, until: datetime) -> bool:
        """True when this worker is now the one to post `period`: it inserted the row, or took over a claim that
        expired unposted. Two workers at once: the primary key lets one insert (the other's insert does nothing, and
        it finds a live claim)."""
        rp = t.report_posts
        dialect_insert = postgresql_insert if self.database.dialect == "postgresql" else sqlite_insert
        async with self.database.engine.begin() as connection:
            inserted = await connection.execute(
                dialect_insert(rp).values(period=period, claimed_by=worker, claim_expires_at=until)
                .on_conflict_do_nothing(index_elements=[rp.c.period]))
            if inserted.rowcount == 1:
                return True
            taken = await connection.execute(
                update(rp).where(rp.c.period == period, rp.c.posted_at.is_(None),
                                 or_(rp.c.claim_expires_at <= now, rp.c.claimed_by == worker))
                .values(claimed_by=worker, claim_expires_at=until))
            return taken.rowcount == 1

    async def posted(self, period: str, worker: str, now: datetime) -> None:
        rp = t.report_posts
        async with self.database.engine.begin() as connection:
            await connection.execute(update(rp).where(rp.c.period == period, rp.c.claimed_by == worker)
                                     .values(posted_at=now))

    async def release(self, period: str, worker: str, now: datetime) -> None:
        """The post failed: another run (of any worker) may try again at once."""
        rp = t.report_posts
        async with self.database.engine.begin() as connection:
            await connection.execute(update(rp).where(rp.c.period == period, rp.c.claimed_by == worker,
                                                      rp.c.posted_at.is_(None)).values(claim_expires_at=now))
