"""Tickets: the aggregate for changing it, and the read models of /meus, /detalhes and /ver."""
from __future__ import annotations

from sqlalchemy import func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.statuses import StageStatus, TicketStatus, Visibility
from domain.tickets import Ticket
from domain.views import NoteView, PageCursor, StageView, TicketDetails, TicketPage, TicketSummary
from storage import tables as t

TICKET_NUMBER_COUNTER = "ticket_number"
# A number outside a 64-bit column is nobody's ticket: asking the database would fail (asyncpg and sqlite3 refuse
# to bind it) instead of saying "not found".
STORABLE_NUMBERS = range(1, 2**63)
# PostgreSQL steps over a number another system wrote by calling nextval up to this many times (~25 ms); beyond,
# it jumps (see SqlTicketRepository._step_over).
SEQUENCE_WALK = 100_000
SEQUENCE_JUMP_LOCK = 0x61746E64  # pg_advisory_xact_lock key: "atnd"


class SqlTicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self) -> int:
        """Unique under concurrent creation; gaps (a rolled-back creation) are fine.

        Both ways also step over numbers another system wrote into the table on its own.
        """
        if self.session.bind.dialect.name == "postgresql":
            row = (
                await self.session.execute(
                    text("SELECT nextval('ticket_number_seq'), (SELECT max(number) FROM tickets)")
                )
            ).one()
            number, highest = int(row[0]), int(row[1] or 0)
            return number if number > highest else await self._step_over(number, highest)
        # SQLite: the transaction holds the write lock already (BEGIN IMMEDIATE), so read-then-write is safe.
        highest = (await self.session.execute(select(func.max(t.tickets.c.number)))).scalar() or 0
        stored = (
            await self.session.execute(
                select(t.counters.c.value).where(t.counters.c.name == TICKET_NUMBER_COUNTER)
            )
        ).scalar()
        number = max(highest, stored or 0) + 1
        if stored is None:
            await self.session.execute(t.counters.insert().values(name=TICKET_NUMBER_COUNTER, value=number))
        else:
            await self.session.execute(
                update(t.counters).where(t.counters.c.name == TICKET_NUMBER_COUNTER).values(value=number)
            )
        return number

    async def _step_over(self, number: int, highest: int) -> int:
        """PostgreSQL: a number above `highest`, which another system wrote, moving the sequence past it.

        A setval may move the sequence back below a number a concurrent creator has just been given, which would
        then be handed out twice; nextval never does. So a short way is walked with nextval, and a long one (an
        ERP's own history) is jumped with one setval, taken by one creator at a time and only while the sequence is
        so far behind that no concurrent nextval can come near `highest` meanwhile.
        """
        if highest - number > SEQUENCE_WALK:
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCE_JUMP_LOCK})
            await self.session.execute(
                text("SELECT setval('ticket_number_seq', :h) FROM ticket_number_seq WHERE last_value < :h - :far"),
                {"h": highest, "far": 2 * SEQUENCE_WALK},
            )
            number = (await self.session.execute(text("SELECT nextval('ticket_number_seq')"))).scalar_one()
            if number > highest:
                return number
        walked = await self.session.execute(
            text("SELECT max(n) FROM (SELECT nextval('ticket_number_seq') AS n FROM generate_series(1, :steps)) s"),
            {"steps": highest - number + 1},
        )
        return int(walked.scalar_one())

    def add(self, ticket: Ticket) -> None:
        self.session.add(ticket)

    async def get(self, number: int) -> Ticket | None:
        if number not in STORABLE_NUMBERS:
            return None
        result = await self.session.execute(select(Ticket).where(t.tickets.c.number == number))
        return result.scalar_one_or_none()

    async def get_by_id(self, ticket_id: int) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id)

    # --- read models ------------------------------------------------------------------------------------------------
    async def details(self, number: int) -> TicketDetails | None:
        """Four queries whatever the size of the tables: header, unit items, stages, notes."""
        if number not in STORABLE_NUMBERS:
            return None
        header = (
            await self.session.execute(
                select(
                    t.tickets,
                    t.customers.c.name.label("customer_name"),
                    t.ticket_types.c.name.label("type_name"),
                    t.subjects.c.name.label("subject_name"),
                    t.subjects.c.enabled.label("subject_enabled"),
                    t.empreendimentos.c.name.label("empreendimento_name"),
                    t.obras.c.name.label("obra_name"),
                    t.units.c.label.label("unit_label"),
                )
                .join(t.customers, t.customers.c.id == t.tickets.c.customer_id)
                .outerjoin(t.ticket_types, t.ticket_types.c.id == t.tickets.c.type_id)
                .outerjoin(t.subjects, t.subjects.c.id == t.tickets.c.subject_id)
                .outerjoin(t.empreendimentos, t.empreendimentos.c.id == t.tickets.c.empreendimento_id)
                .outerjoin(t.obras, t.obras.c.id == t.tickets.c.obra_id)
                .outerjoin(t.units, t.units.c.id == t.tickets.c.unit_id)
                .where(t.tickets.c.number == number)
            )
        ).one_or_none()
        if header is None:
            return None
        items: tuple[str, ...] = ()
        if header.unit_id is not None:
            items = tuple(
                (
                    await self.session.execute(
                        select(t.unit_items.c.name)
                        .where(t.unit_items.c.unit_id == header.unit_id)
                        .order_by(t.unit_items.c.position)
                    )
                ).scalars()
            )
        stage_rows = (
            await self.session.execute(
                select(t.stages, t.staff_users.c.name.label("responsible_name"))
                .outerjoin(t.staff_users, t.staff_users.c.id == t.stages.c.responsible_id)
                .where(t.stages.c.ticket_id == header.id)
                .order_by(t.stages.c.position)
            )
        ).all()
        notes_by_stage: dict[int, list[NoteView]] = {}
        if stage_rows:
            for row in await self.session.execute(
                select(t.notes.c.stage_id, t.notes.c.created_at, t.notes.c.author, t.notes.c.text)
                .where(t.notes.c.stage_id.in_([s.id for s in stage_rows]))
                .order_by(t.notes.c.stage_id, t.notes.c.created_at, t.notes.c.id)
            ):
                notes_by_stage.setdefault(row.stage_id, []).append(NoteView(row.created_at, row.author, row.text))
        return TicketDetails(
            id=header.id,
            number=header.number,
            status=TicketStatus(header.status),
            description=header.description,
            created_at=header.created_at,
            closed_at=header.closed_at,
            cancel_reason=header.cancel_reason,
            customer_id=header.customer_id,
            customer_name=header.customer_name,
            type_name=header.type_name or "",
            subject_id=header.subject_id,
            subject_name=header.subject_name or "",
            subject_enabled=bool(header.subject_enabled),
            empreendimento_name=header.empreendimento_name,
            obra_name=header.obra_name,
            unit_label=header.unit_label,
            unit_items=items,
            origin=header.origin,
            stages=tuple(
                StageView(
                    position=s.position,
                    description=s.description,
                    status=StageStatus(s.status),
                    created_at=s.created_at,
                    completed_at=s.completed_at,
                    due_at=s.due_at,
                    responsible_id=s.responsible_id,
                    responsible_name=s.responsible_name,
                    notes=tuple(notes_by_stage.get(s.id, ())),
                )
                for s in stage_rows
            ),
        )

    async def page_for_customer(
        self, customer_id: int, visibility: Visibility, cursor: PageCursor | None, page_size: int
    ) -> TicketPage:
        """Newest first, by keyset on (created_at, id): the cost of a page does not grow with its depth."""
        visible = [t.tickets.c.customer_id == customer_id]
        if visibility is Visibility.WEB_SUBJECTS:
            visible.append(t.subjects.c.enabled.is_(True))
        key = tuple_(t.tickets.c.created_at, t.tickets.c.id)
        base = (
            select(
                t.tickets.c.id,
                t.tickets.c.number,
                t.tickets.c.status,
                t.subjects.c.name.label("subject_name"),
                t.tickets.c.description,
                t.tickets.c.created_at,
                t.tickets.c.closed_at,
            )
            .join(t.subjects, t.subjects.c.id == t.tickets.c.subject_id)
            .where(*visible)
        )
        if cursor is None:
            query = base.order_by(t.tickets.c.created_at.desc(), t.tickets.c.id.desc())
        elif cursor.backwards:
            query = base.where(key > tuple_(cursor.created_at, cursor.ticket_id)).order_by(
                t.tickets.c.created_at, t.tickets.c.id
            )
        else:
            query = base.where(key < tuple_(cursor.created_at, cursor.ticket_id)).order_by(
                t.tickets.c.created_at.desc(), t.tickets.c.id.desc()
            )
        rows = list((await self.session.execute(query.limit(page_size))).all())
        if cursor is not None and cursor.backwards:
            rows.reverse()
        counted = select(func.count()).select_from(t.tickets).join(
            t.subjects, t.subjects.c.id == t.tickets.c.subject_id
        )
        total = (await self.session.execute(counted.where(*visible))).scalar_one()
        newer = 0
        if rows:
            first = rows[0]
            newer = (
                await self.session.execute(
                    counted.where(*visible, key > tuple_(first.created_at, first.id))
                )
            ).scalar_one()
        items = tuple(
            TicketSummary(
                id=r.id,
                number=r.number,
                status=TicketStatus(r.status),
                subject_name=r.subject_name,
                description=r.description,
                created_at=r.created_at,
                closed_at=r.closed_at,
            )
            for r in rows
        )
        has_older = total - newer - len(items) > 0
        has_newer = newer > 0
        page_count = max(1, -(-total // page_size))
        return TicketPage(
            items=items,
            total=total,
            page_number=min(page_count, newer // page_size + 1),
            page_count=page_count,
            next_cursor=PageCursor(items[-1].created_at, items[-1].id) if has_older and items else None,
            prev_cursor=PageCursor(items[0].created_at, items[0].id, backwards=True) if has_newer else None,
        )
